import { expect } from 'chai';
import { LocalRateLimiter } from '../../src/verify/local';
import type { WindowCheck } from '../../src/verify/ports';
import { forEachStateBackend } from '../helpers/redis';

/** A whole minute, so per-second and per-minute windows both start here. */
const T0 = Date.UTC(2026, 5, 1, 12, 0, 0);

forEachStateBackend('Rate limiter', (backend) => {
  it('takes from every window only when all have room: a denied call consumes nothing', async () => {
    const [limiter] = await backend.limiters(1);
    const perSecond: WindowCheck = { id: 'key:k1', limit: 5, windowMs: 1000 };
    const perMinute: WindowCheck = { id: 'plan-m:ws1', limit: 2, windowMs: 60_000 };
    for (let i = 0; i < 2; i++) expect((await limiter!.consume([perSecond, perMinute], T0)).allowed).to.equal(true);

    expect(await limiter!.consume([perSecond, perMinute], T0 + 1)).to.deep.equal({
      allowed: false,
      deniedIndex: 1,
      states: [
        { limit: 5, remaining: 3, resetAt: T0 + 1000 },
        { limit: 2, remaining: 0, resetAt: T0 + 60_000 },
      ],
    });
    // The per-second window kept its room: alone it admits exactly the 3 it had left.
    const alone = [];
    for (let i = 0; i < 4; i++) alone.push(await limiter!.consume([perSecond], T0 + 2));
    expect(alone.map((outcome) => outcome.allowed)).to.deep.equal([true, true, true, false]);
    expect(alone[3]!.deniedIndex).to.equal(0);
  });

  it('admits exactly the limit when 1,000 calls race, across instances sharing the counters', async () => {
    const limiters = await backend.limiters(3);
    const check: WindowCheck = { id: 'key:hot', limit: 100, windowMs: 60_000 };
    const outcomes = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => limiters[i % limiters.length]!.consume([check], T0 + 5)),
    );
    const admitted = outcomes.filter((outcome) => outcome.allowed);
    expect(admitted).to.have.length(100);
    // Each admitted call saw its own count: remaining 99 down to 0, each once.
    expect(admitted.map((outcome) => outcome.states[0]!.remaining).sort((a, b) => a - b)).to.deep.equal(
      Array.from({ length: 100 }, (_, i) => i),
    );
    expect((await limiters[1]!.peek([check], T0 + 6)).states[0]!.remaining).to.equal(0);
  });

  it('starts a fresh window at the boundary of the injected time', async () => {
    const [limiter] = await backend.limiters(1);
    const check: WindowCheck = { id: 'key:k2', limit: 2, windowMs: 1000 };
    await limiter!.consume([check], T0 + 500);
    await limiter!.consume([check], T0 + 600);

    expect(await limiter!.consume([check], T0 + 999)).to.deep.equal({
      allowed: false,
      deniedIndex: 0,
      states: [{ limit: 2, remaining: 0, resetAt: T0 + 1000 }],
    });
    expect(await limiter!.consume([check], T0 + 1000)).to.deep.equal({
      allowed: true,
      deniedIndex: null,
      states: [{ limit: 2, remaining: 1, resetAt: T0 + 2000 }],
    });
  });

  it('peek answers as consume would and leaves the windows as they are', async () => {
    const [limiter] = await backend.limiters(1);
    const check: WindowCheck = { id: 'key:k3', limit: 2, windowMs: 60_000 };
    const fresh = { allowed: true, deniedIndex: null, states: [{ limit: 2, remaining: 2, resetAt: T0 + 60_000 }] };
    expect(await limiter!.peek([check], T0)).to.deep.equal(fresh);
    expect(await limiter!.peek([check], T0)).to.deep.equal(fresh);

    await limiter!.consume([check], T0);
    await limiter!.consume([check], T0);
    expect(await limiter!.peek([check], T0)).to.deep.equal({
      allowed: false,
      deniedIndex: 0,
      states: [{ limit: 2, remaining: 0, resetAt: T0 + 60_000 }],
    });
  });

  it('refund gives back one unit per window, and never more than was taken', async () => {
    const [limiter] = await backend.limiters(1);
    const key: WindowCheck = { id: 'key:k4', limit: 1, windowMs: 60_000 };
    const plan: WindowCheck = { id: 'plan-m:ws4', limit: 1, windowMs: 60_000 };
    expect((await limiter!.consume([key, plan], T0)).allowed).to.equal(true);
    expect((await limiter!.consume([key, plan], T0)).allowed).to.equal(false);

    await limiter!.refund([key, plan], T0);
    expect((await limiter!.consume([key, plan], T0)).allowed).to.equal(true);

    // Refunds of a window nothing was taken from are no credit for later.
    const idle: WindowCheck = { id: 'key:k5', limit: 2, windowMs: 60_000 };
    for (let i = 0; i < 3; i++) await limiter!.refund([idle], T0);
    const allowed = [];
    for (let i = 0; i < 4; i++) allowed.push((await limiter!.consume([idle], T0)).allowed);
    expect(allowed).to.deep.equal([true, true, false, false]);
  });
});

describe('Local rate limiter memory', () => {
  it('drops ended windows, so a steady stream of new ids does not grow it without bound', () => {
    const limiter = new LocalRateLimiter();
    for (let second = 0; second < 100; second++) {
      for (let i = 0; i < 1000; i++) {
        limiter.consume([{ id: `key:${second}:${i}`, limit: 10, windowMs: 1000 }], T0 + second * 1000);
      }
    }
    // 100,000 windows were opened; at most the sweep threshold (10,000) plus the live second remain.
    expect(limiter.size).to.be.at.most(11_000);
    // Live windows survive a sweep: the current second's counters still count.
    const last = { id: 'key:99:0', limit: 1, windowMs: 1000 };
    expect(limiter.consume([last], T0 + 99_500).allowed).to.equal(false);
  });
});
