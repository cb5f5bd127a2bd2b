import { randomBytes } from 'node:crypto';
import { isCluster, type RedisClient } from './connection';
import type { FailedAuthPolicy, FailureTracker } from '../ports';
import { defineScript, type BoundScript } from './script';

/**
 * Records one failure and blocks when the window holds `maxFailures`, atomically.
 * KEYS[1]: the failure log, a sorted set of failure times; KEYS[2]: the blocked-until time.
 * ARGV: failures at or before this time are out of the window; now; a unique member for this failure;
 * maxFailures; the blocked-until time a block would set; the log's lifetime (ms); the block's lifetime (ms).
 * Times arrive as strings computed by the caller: Lua numbers would print large epochs inexactly.
 */
const RECORD_FAILURE_LUA = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
local maxFailures = tonumber(ARGV[4])
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -maxFailures - 1)
redis.call('PEXPIRE', KEYS[1], ARGV[6])
if redis.call('ZCARD', KEYS[1]) < maxFailures then return 0 end
if tonumber(redis.call('GET', KEYS[2]) or '0') < tonumber(ARGV[5]) then
  redis.call('SET', KEYS[2], ARGV[5], 'PX', ARGV[7])
end
return 1
`;

/** How long the keys outlive what they record, so a slightly fast clock elsewhere still sees them. */
const KEY_GRACE_MS = 1000;

export interface RedisFailureTrackerOptions {
  client: RedisClient;
  /** @default 'ks:' */
  prefix?: string;
}

/**
 * Failed-attempt blocking shared by every instance: the log `{prefix}fail:{ws}:{ip}` and the block
 * `{prefix}block:{ws}:{ip}`. A block is compared with the caller's `now`, not left to the key's expiry
 * alone, so an injected clock decides when it ends. On a Redis Cluster both keys carry `{ws}:{ip}` as one
 * hash tag (`{prefix}fail:{{ws}:{ip}}`), so they share a slot and the script that touches both stays atomic.
 */
export class RedisFailureTracker implements FailureTracker {
  private readonly prefix: string;
  private readonly client: RedisClient;
  private readonly recordScript: BoundScript;
  private readonly cluster: boolean;
  /** Tells this tracker's failures apart from another instance's failures in the same millisecond. */
  private readonly memberTag = randomBytes(6).toString('base64url');
  private sequence = 0;

  constructor(options: RedisFailureTrackerOptions) {
    this.prefix = options.prefix ?? 'ks:';
    this.client = options.client;
    this.cluster = isCluster(options.client);
    this.recordScript = defineScript(options.client, 'keysmithRecordFailure', RECORD_FAILURE_LUA);
  }

  async blockedUntil(workspaceId: string, ip: string, now: number): Promise<number | null> {
    const stored = await this.client.get(this.key('block', workspaceId, ip));
    const until = stored === null ? 0 : Number(stored);
    return until > now ? until : null;
  }

  async recordFailure(workspaceId: string, ip: string, policy: FailedAuthPolicy, now: number): Promise<void> {
    const windowMs = policy.windowSeconds * 1000;
    const blockMs = policy.blockSeconds * 1000;
    await this.recordScript(
      [this.key('fail', workspaceId, ip), this.key('block', workspaceId, ip)],
      [
        String(now - windowMs),
        String(now),
        `${now}:${this.memberTag}:${++this.sequence}`,
        policy.maxFailures,
        String(now + blockMs),
        windowMs + KEY_GRACE_MS,
        blockMs + KEY_GRACE_MS,
      ],
    );
  }

  private key(kind: 'fail' | 'block', workspaceId: string, ip: string): string {
    return this.cluster ? `${this.prefix}${kind}:{${workspaceId}:${ip}}` : `${this.prefix}${kind}:${workspaceId}:${ip}`;
  }
}
