import { expect } from 'chai';
import { Writable } from 'node:stream';
import { createLogger } from '../../src/logger';
import type { Invalidation, WindowCheck } from '../../src/verify/ports';
import { RedisInvalidationBus } from '../../src/verify/redis';
import { createSharedState, type SharedState } from '../../src/verify/sharedState';
import { CuttableProxy, describeWithRedis, waitFor } from '../helpers/redis';

const T0 = Date.UTC(2026, 5, 1, 12, 0, 0);
const OUTAGE_WARNING = 'redis unavailable: rate limits and failure counters are per instance until it is back';
const RECOVERY_NOTE = 'redis is back: rate limits and failure counters are shared again';
const POLICY = { maxFailures: 2, windowSeconds: 60, blockSeconds: 300 };

/** A logger whose JSON lines the test reads. */
function capturedLogger(): { logger: ReturnType<typeof createLogger>; messages: (level: number) => string[] } {
  const lines: Array<{ level: number; msg: string }> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return {
    logger: createLogger('info', sink),
    messages: (level) => lines.filter((line) => line.level === level).map((line) => line.msg),
  };
}
const WARN = 40;
const INFO = 30;

async function consumeTimes(state: SharedState, check: WindowCheck, times: number): Promise<boolean[]> {
  const allowed = [];
  for (let i = 0; i < times; i++) allowed.push((await state.limiter.consume([check], T0)).allowed);
  return allowed;
}

describe('Shared state without Redis', () => {
  it('is local: limits, blocks and invalidations work within the instance', async () => {
    const { logger } = capturedLogger();
    const state = createSharedState({ redisUrl: null, logger });
    try {
      expect(state.mode).to.equal('local');
      expect(state.redisHealthy()).to.equal(false);
      expect(await consumeTimes(state, { id: 'key:k', limit: 2, windowMs: 1000 }, 3)).to.deep.equal([true, true, false]);
      const received: Invalidation[] = [];
      state.bus.subscribe((event) => received.push(event));
      state.bus.publish({ kind: 'key', id: 'key_1' });
      expect(received).to.deep.equal([{ kind: 'key', id: 'key_1' }]);
    } finally {
      await state.close();
    }
  });

  it('pointed at a Redis nobody listens on: answers locally at once, warns once, and closes promptly', async () => {
    const { logger, messages } = capturedLogger();
    const started = performance.now();
    const state = createSharedState({ redisUrl: 'redis://127.0.0.1:1', logger });
    try {
      expect(state.mode).to.equal('redis');
      expect(await consumeTimes(state, { id: 'key:k', limit: 2, windowMs: 1000 }, 3)).to.deep.equal([true, true, false]);
      await state.failures.recordFailure('ws_a', '203.0.113.9', POLICY, T0);
      await state.failures.recordFailure('ws_a', '203.0.113.9', POLICY, T0);
      expect(await state.failures.blockedUntil('ws_a', '203.0.113.9', T0)).to.equal(T0 + 300_000);
      const received: Invalidation[] = [];
      state.bus.subscribe((event) => received.push(event));
      state.bus.publish({ kind: 'policy', id: 'pol_1' });
      expect(received).to.deep.equal([{ kind: 'policy', id: 'pol_1' }]);
      expect(performance.now() - started, 'ms the calls took').to.be.below(500);

      // Let it fail to reconnect a few more times, still answering.
      await new Promise((resolve) => setTimeout(resolve, 600));
      expect(await consumeTimes(state, { id: 'key:k', limit: 2, windowMs: 1000 }, 1)).to.deep.equal([false]);
      expect(state.redisHealthy()).to.equal(false);
      expect(messages(WARN)).to.deep.equal([OUTAGE_WARNING]);
    } finally {
      const closing = performance.now();
      await state.close();
      expect(performance.now() - closing, 'ms close took').to.be.below(500);
    }
  });
});

describeWithRedis('Shared state', (redis) => {
  const states: SharedState[] = [];
  afterEach(async () => {
    await Promise.all(states.splice(0).map((state) => state.close()));
  });

  async function instance(url: string, logger = capturedLogger().logger, prefix = redis.prefix): Promise<SharedState> {
    const state = createSharedState({ redisUrl: url, logger, prefix, channel: redis.channel });
    states.push(state);
    await waitFor('redis to be ready', () => state.redisHealthy());
    return state;
  }

  it('shares limits, blocks and invalidations between instances', async () => {
    const prefix = redis.namespace();
    const a = await instance(redis.url, undefined, prefix);
    const b = await instance(redis.url, undefined, prefix);
    const check = { id: 'key:shared', limit: 1, windowMs: 60_000 };
    expect((await a.limiter.consume([check], T0)).allowed).to.equal(true);
    expect((await b.limiter.consume([check], T0)).allowed).to.equal(false);

    await a.failures.recordFailure('ws_a', '192.0.2.1', POLICY, T0);
    await b.failures.recordFailure('ws_a', '192.0.2.1', POLICY, T0);
    expect(await a.failures.blockedUntil('ws_a', '192.0.2.1', T0)).to.equal(T0 + 300_000);

    const received: Invalidation[] = [];
    b.bus.subscribe((event) => received.push(event));
    expect(b.bus).to.be.instanceOf(RedisInvalidationBus);
    await (b.bus as RedisInvalidationBus).whenSubscribed();
    a.bus.publish({ kind: 'key', id: 'key_9' });
    await waitFor('b to receive key_9', () => received.length === 1);
    expect(received).to.deep.equal([{ kind: 'key', id: 'key_9' }]);
  });

  it('during an outage answers from local counters, warns once, and goes back to Redis by itself', async () => {
    const proxy = await CuttableProxy.start(redis.url);
    try {
      const { logger, messages } = capturedLogger();
      const prefix = redis.namespace();
      const state = await instance(proxy.url, logger, prefix);
      const received: Invalidation[] = [];
      state.bus.subscribe((event) => received.push(event));
      const check = { id: 'key:outage', limit: 3, windowMs: 60_000 };
      expect((await state.limiter.consume([check], T0)).states[0]!.remaining).to.equal(2);

      await proxy.cut();
      await waitFor('the outage to be noticed', () => !state.redisHealthy());
      // A fresh local window: Redis's count of 1 is not visible.
      expect((await state.limiter.consume([check], T0)).states[0]!.remaining).to.equal(2);
      expect((await state.limiter.consume([check], T0)).states[0]!.remaining).to.equal(1);
      expect(messages(WARN)).to.deep.equal([OUTAGE_WARNING]);

      await proxy.restore();
      await waitFor('redis to be back', () => state.redisHealthy(), 10_000);
      expect(messages(INFO)).to.include(RECOVERY_NOTE);
      // Redis's count again: 1 before the outage, and this call.
      expect((await state.limiter.consume([check], T0)).states[0]!.remaining).to.equal(1);
      await waitFor('the bus to drop everything', () => received.length >= 1);
      expect(received).to.deep.equal([{ kind: 'all' }]);
      expect(messages(WARN)).to.have.length(1);
    } finally {
      await proxy.cut();
    }
  });
});
