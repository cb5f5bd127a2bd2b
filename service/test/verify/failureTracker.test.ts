import { expect } from 'chai';
import { LocalFailureTracker } from '../../src/verify/local';
import type { FailedAuthPolicy } from '../../src/verify/ports';
import { forEachStateBackend } from '../helpers/redis';

const T0 = Date.UTC(2026, 5, 1, 12, 0, 0);
const SECOND = 1000;
const POLICY: FailedAuthPolicy = { maxFailures: 3, windowSeconds: 60, blockSeconds: 300 };

forEachStateBackend('Failure tracker', (backend) => {
  it('blocks an IP for blockSeconds once it fails maxFailures times within the window, in that workspace only', async () => {
    const [recorder, reader] = await backend.failureTrackers(2);
    await recorder!.recordFailure('ws_a', '203.0.113.7', POLICY, T0);
    await recorder!.recordFailure('ws_a', '203.0.113.7', POLICY, T0 + 10 * SECOND);
    expect(await reader!.blockedUntil('ws_a', '203.0.113.7', T0 + 10 * SECOND)).to.equal(null);

    await recorder!.recordFailure('ws_a', '203.0.113.7', POLICY, T0 + 20 * SECOND);
    expect(await reader!.blockedUntil('ws_a', '203.0.113.7', T0 + 20 * SECOND)).to.equal(T0 + 320 * SECOND);
    expect(await reader!.blockedUntil('ws_b', '203.0.113.7', T0 + 20 * SECOND)).to.equal(null);
    expect(await reader!.blockedUntil('ws_a', '203.0.113.8', T0 + 20 * SECOND)).to.equal(null);
  });

  it('does not block failures spread wider than the window', async () => {
    const [tracker] = await backend.failureTrackers(1);
    for (const at of [0, 40, 80, 120]) {
      await tracker!.recordFailure('ws_a', '2001:db8::1', POLICY, T0 + at * SECOND);
      expect(await tracker!.blockedUntil('ws_a', '2001:db8::1', T0 + at * SECOND), `after the failure at ${at}s`).to.equal(null);
    }
    // 80s, 120s and 130s all fall within the 60 s before 130s.
    await tracker!.recordFailure('ws_a', '2001:db8::1', POLICY, T0 + 130 * SECOND);
    expect(await tracker!.blockedUntil('ws_a', '2001:db8::1', T0 + 130 * SECOND)).to.equal(T0 + 430 * SECOND);
  });

  it('lifts the block when it ends', async () => {
    const [tracker] = await backend.failureTrackers(1);
    for (let i = 0; i < 3; i++) await tracker!.recordFailure('ws_a', '198.51.100.1', POLICY, T0);
    const until = T0 + 300 * SECOND;
    expect(await tracker!.blockedUntil('ws_a', '198.51.100.1', until - 1)).to.equal(until);
    expect(await tracker!.blockedUntil('ws_a', '198.51.100.1', until)).to.equal(null);
  });
});

describe('Local failure tracker memory', () => {
  it('tracks at most maxTrackedIps, forgetting the least recently failing first', () => {
    const tracker = new LocalFailureTracker(100);
    const policy: FailedAuthPolicy = { maxFailures: 1, windowSeconds: 60, blockSeconds: 300 };
    tracker.recordFailure('ws_a', '10.0.0.0', policy, T0);
    for (let i = 1; i <= 150; i++) tracker.recordFailure('ws_a', `10.0.1.${i}`, policy, T0);
    expect(tracker.size).to.equal(100);
    expect(tracker.blockedUntil('ws_a', '10.0.0.0', T0)).to.equal(null);
    expect(tracker.blockedUntil('ws_a', '10.0.1.150', T0)).to.equal(T0 + 300 * SECOND);
  });
});
