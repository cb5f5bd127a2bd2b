import { isCluster, type RedisClient } from './connection';
import { limitOutcome, windowStartOf } from '../local';
import type { LimitOutcome, RateLimiter, WindowCheck } from '../ports';
import { defineScript, type BoundScript } from './script';

/**
 * Reads every window's count and, when asked to take and every window has room, increments them all, in
 * one atomic step. Returns the counts before the call; `limitOutcome` turns them into the answer.
 * KEYS: one counter per window. ARGV[i]: its limit; ARGV[n + i]: its lifetime in ms; ARGV[2n + 1]: '1' to take.
 * A counter gets its expiry when created, so it outlives its window by a second and then goes.
 */
const COUNT_WINDOWS_LUA = `
local n = #KEYS
local counts = {}
local room = true
for i = 1, n do
  counts[i] = tonumber(redis.call('GET', KEYS[i]) or '0')
  if counts[i] >= tonumber(ARGV[i]) then room = false end
end
if room and ARGV[2 * n + 1] == '1' then
  for i = 1, n do
    if redis.call('INCR', KEYS[i]) == 1 then redis.call('PEXPIRE', KEYS[i], ARGV[n + i]) end
  end
end
return counts
`;

/** Gives back one unit to every counter that has one; never creates a counter nor goes below zero. */
const REFUND_LUA = `
for i = 1, #KEYS do
  if tonumber(redis.call('GET', KEYS[i]) or '0') > 0 then redis.call('DECR', KEYS[i]) end
end
return 0
`;

/** How long a counter outlives its window: enough for a late refund, not enough to matter for memory. */
const COUNTER_GRACE_MS = 1000;

export interface RedisRateLimiterOptions {
  client: RedisClient;
  /** Start of every key, so tests and deployments sharing one Redis stay apart. @default 'ks:' */
  prefix?: string;
}

/**
 * Fixed windows shared by every instance: counter `{prefix}rl:{id}:{windowStart}`. Time is the caller's
 * `now`, never Redis's clock, so every instance and every test agrees on which window a call falls in.
 *
 * On one Redis, all counters of one call are read and taken by one script: all or nothing, atomically.
 * On a Redis Cluster, a script may only touch keys of one slot, so each counter carries its id as a hash
 * tag (`{prefix}rl:{{id}}:{windowStart}`, every window of one counter in one slot) and a call runs the
 * script once per counter. Each counter stays exact on its own (it never admits past its limit); a call
 * with several counters (plan limits, then the key's own) takes from each in turn and gives back what it
 * took when a later one has no room, so under contention a call may be refused that one atomic step would
 * have admitted (a unit was held by a call that was then refused), never the reverse.
 */
export class RedisRateLimiter implements RateLimiter {
  private readonly prefix: string;
  private readonly cluster: boolean;
  private readonly countWindows: BoundScript;
  private readonly refundWindows: BoundScript;

  constructor(options: RedisRateLimiterOptions) {
    this.prefix = options.prefix ?? 'ks:';
    this.cluster = isCluster(options.client);
    this.countWindows = defineScript(options.client, 'keysmithCountWindows', COUNT_WINDOWS_LUA);
    this.refundWindows = defineScript(options.client, 'keysmithRefundWindows', REFUND_LUA);
  }

  consume(checks: WindowCheck[], now: number): Promise<LimitOutcome> {
    return this.count(checks, now, true);
  }

  peek(checks: WindowCheck[], now: number): Promise<LimitOutcome> {
    return this.count(checks, now, false);
  }

  async refund(checks: WindowCheck[], now: number): Promise<void> {
    if (checks.length === 0) return;
    if (!this.cluster || checks.length === 1) {
      await this.refundWindows(this.keys(checks, now), []);
      return;
    }
    await Promise.all(checks.map((check) => this.refundWindows(this.keys([check], now), [])));
  }

  private async count(checks: WindowCheck[], now: number, take: boolean): Promise<LimitOutcome> {
    if (checks.length === 0) return limitOutcome(checks, [], now, take);
    if (!this.cluster || checks.length === 1) return limitOutcome(checks, await this.countTogether(checks, now, take), now, take);
    if (!take) return limitOutcome(checks, await Promise.all(checks.map((check) => this.countOne(check, now, false))), now, false);
    // One slot per counter: take from each in turn; when one has no room, give back what the earlier ones
    // gave and read the later ones without taking. Only a call that got past every earlier counter holds a
    // unit of a later one, so a refused call holds units as briefly and as rarely as possible.
    const counts: number[] = [];
    for (const check of checks) {
      const count = await this.countOne(check, now, true);
      counts.push(count);
      if (count < check.limit) continue;
      const taken = checks.slice(0, counts.length - 1);
      const [, rest] = await Promise.all([
        Promise.all(taken.map((one) => this.refundWindows(this.keys([one], now), []))),
        Promise.all(checks.slice(counts.length).map((one) => this.countOne(one, now, false))),
      ]);
      counts.push(...rest);
      break;
    }
    return limitOutcome(checks, counts, now, true);
  }

  private async countOne(check: WindowCheck, now: number, take: boolean): Promise<number> {
    return (await this.countTogether([check], now, take))[0]!;
  }

  /** Runs the script on `checks`, which must all live in one slot on a cluster. */
  private async countTogether(checks: WindowCheck[], now: number, take: boolean): Promise<number[]> {
    const args = [
      ...checks.map((check) => check.limit),
      ...checks.map((check) => check.windowMs + COUNTER_GRACE_MS),
      take ? '1' : '0',
    ];
    return (await this.countWindows(this.keys(checks, now), args)) as number[];
  }

  private keys(checks: WindowCheck[], now: number): string[] {
    return checks.map((check) => {
      const id = this.cluster ? `{${check.id}}` : check.id;
      return `${this.prefix}rl:${id}:${windowStartOf(now, check.windowMs)}`;
    });
  }
}
