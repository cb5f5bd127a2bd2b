import type { Logger } from '../logger';
import { LocalFailureTracker, LocalInvalidationBus, LocalRateLimiter } from './local';
import type {
  FailedAuthPolicy,
  FailureTracker,
  InvalidationBus,
  LimitOutcome,
  RateLimiter,
  WindowCheck,
} from './ports';
import {
  closeRedis,
  connectRedis,
  RedisFailureTracker,
  RedisHealth,
  RedisInvalidationBus,
  RedisRateLimiter,
} from './redis';

/** The shared-state ports the verifier gets, and how they are backed. */
export interface SharedState {
  limiter: RateLimiter;
  failures: FailureTracker;
  bus: InvalidationBus;
  /** `redis` when a URL was given, even while Redis is out (see `redisHealthy`). */
  mode: 'local' | 'redis';
  /** Whether limits and failure counters are shared right now; always false in `local` mode. */
  redisHealthy(): boolean;
  /** Closes the bus and the Redis connections. */
  close(): Promise<void>;
}

export interface SharedStateOptions {
  /** Redis to share state through; null for a single instance. */
  redisUrl: string | null;
  logger: Logger;
  /** Start of every Redis key. @default 'ks:' */
  prefix?: string;
  /** The pub/sub channel of invalidations. @default 'keysmith:invalidate' */
  channel?: string;
}

/**
 * The shared state of this instance. With a Redis URL it never waits for Redis: it connects in the
 * background, and while Redis is unreachable or a call fails the limiter and failure tracker answer from
 * in-process state (limits are then per instance), going back to Redis once it answers again.
 */
export function createSharedState(options: SharedStateOptions): SharedState {
  return options.redisUrl ? redisSharedState(options.redisUrl, options) : localSharedState();
}

function localSharedState(): SharedState {
  const bus = new LocalInvalidationBus();
  return {
    limiter: new LocalRateLimiter(),
    failures: new LocalFailureTracker(),
    bus,
    mode: 'local',
    redisHealthy: () => false,
    close: () => bus.close(),
  };
}

function redisSharedState(url: string, options: SharedStateOptions): SharedState {
  const commands = connectRedis(url, 'commands');
  const subscriber = connectRedis(url, 'subscriber');
  const health = new RedisHealth(commands, options.logger);
  const prefix = options.prefix ?? 'ks:';
  const bus = new RedisInvalidationBus({
    publisher: commands,
    subscriber,
    ...(options.channel !== undefined ? { channel: options.channel } : {}),
    onError: (error) => options.logger.debug({ reason: error.message }, 'invalidation bus: redis call failed'),
  });
  return {
    limiter: new FallbackRateLimiter(new RedisRateLimiter({ client: commands, prefix }), new LocalRateLimiter(), health),
    failures: new FallbackFailureTracker(new RedisFailureTracker({ client: commands, prefix }), new LocalFailureTracker(), health),
    bus,
    mode: 'redis',
    redisHealthy: () => health.healthy,
    close: async () => {
      health.stop();
      await bus.close();
      await closeRedis(commands);
    },
  };
}

/** Redis's limiter while Redis answers; this instance's own counters while it does not. */
class FallbackRateLimiter implements RateLimiter {
  constructor(
    private readonly shared: RedisRateLimiter,
    private readonly local: LocalRateLimiter,
    private readonly health: RedisHealth,
  ) {}

  consume(checks: WindowCheck[], now: number): Promise<LimitOutcome> {
    return this.health.attempt(() => this.shared.consume(checks, now), () => this.local.consume(checks, now));
  }

  peek(checks: WindowCheck[], now: number): Promise<LimitOutcome> {
    return this.health.attempt(() => this.shared.peek(checks, now), () => this.local.peek(checks, now));
  }

  refund(checks: WindowCheck[], now: number): Promise<void> {
    return this.health.attempt(() => this.shared.refund(checks, now), () => this.local.refund(checks, now));
  }
}

/** Redis's failure tracker while Redis answers; this instance's own while it does not. */
class FallbackFailureTracker implements FailureTracker {
  constructor(
    private readonly shared: RedisFailureTracker,
    private readonly local: LocalFailureTracker,
    private readonly health: RedisHealth,
  ) {}

  /** Blocks made locally during an outage stay in force on this instance after Redis is back. */
  async blockedUntil(workspaceId: string, ip: string, now: number): Promise<number | null> {
    const shared = await this.health.attempt(() => this.shared.blockedUntil(workspaceId, ip, now), () => null);
    const local = this.local.blockedUntil(workspaceId, ip, now);
    return shared === null || (local !== null && local > shared) ? local : shared;
  }

  recordFailure(workspaceId: string, ip: string, policy: FailedAuthPolicy, now: number): Promise<void> {
    return this.health.attempt(
      () => this.shared.recordFailure(workspaceId, ip, policy, now),
      () => this.local.recordFailure(workspaceId, ip, policy, now),
    );
  }
}
