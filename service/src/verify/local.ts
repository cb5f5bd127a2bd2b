import type {
  FailedAuthPolicy,
  FailureTracker,
  Invalidation,
  InvalidationBus,
  LimitOutcome,
  RateLimiter,
  WindowCheck,
} from './ports';

/**
 * In-process shared state, for a single instance: the default without Redis, and what the Redis
 * implementations fall back to while Redis is unreachable. They answer at once: the verifier calls the
 * limiter on every request, and a hot verification waits for nothing.
 */

/** Start of the fixed window that `now` falls in (epoch ms). */
export function windowStartOf(now: number, windowMs: number): number {
  return Math.floor(now / windowMs) * windowMs;
}

/**
 * The answer to a `consume` (`take`) or a `peek`, from each window's count before the call. Both the local
 * and the Redis limiter build their answer here, so they agree on what "room" and "remaining" mean.
 * A window has room while its count is below its limit; a peek reports the windows as they are, since it
 * leaves them so.
 */
export function limitOutcome(checks: WindowCheck[], countsBefore: number[], now: number, take: boolean): LimitOutcome {
  let deniedIndex: number | null = null;
  for (let i = 0; i < checks.length && deniedIndex === null; i++) {
    if (countsBefore[i]! >= checks[i]!.limit) deniedIndex = i;
  }
  const taken = take && deniedIndex === null ? 1 : 0;
  const states = checks.map((check, i) => ({
    limit: check.limit,
    remaining: Math.max(0, check.limit - countsBefore[i]! - taken),
    resetAt: windowStartOf(now, check.windowMs) + check.windowMs,
  }));
  return { allowed: deniedIndex === null, deniedIndex, states };
}

interface CountedWindow {
  count: number;
  endsAt: number;
}

/** Windows kept before the first sweep of ended ones; after a sweep, twice what survived it. */
const MIN_SWEEP_THRESHOLD = 10_000;

/**
 * Fixed-window counters in a map keyed by counter id and window start. Ended windows are dropped by a
 * sweep that runs when the map has doubled since the last one, so memory stays within twice the live
 * windows and the sweep costs O(1) per call amortised.
 */
export class LocalRateLimiter implements RateLimiter {
  private readonly windows = new Map<string, CountedWindow>();
  private sweepThreshold = MIN_SWEEP_THRESHOLD;

  /** How many windows are held, ended ones not yet swept included. */
  get size(): number {
    return this.windows.size;
  }

  consume(checks: WindowCheck[], now: number): LimitOutcome {
    const windows = checks.map((check) => this.windowFor(check, now));
    const outcome = limitOutcome(checks, windows.map((window) => window.count), now, true);
    if (outcome.allowed) for (const window of windows) window.count++;
    return outcome;
  }

  peek(checks: WindowCheck[], now: number): LimitOutcome {
    const counts = checks.map((check) => this.windows.get(windowKey(check, now))?.count ?? 0);
    return limitOutcome(checks, counts, now, false);
  }

  refund(checks: WindowCheck[], now: number): void {
    for (const check of checks) {
      const window = this.windows.get(windowKey(check, now));
      if (window && window.count > 0) window.count--;
    }
  }

  private windowFor(check: WindowCheck, now: number): CountedWindow {
    const key = windowKey(check, now);
    let window = this.windows.get(key);
    if (!window) {
      if (this.windows.size >= this.sweepThreshold) this.sweepEnded(now);
      window = { count: 0, endsAt: windowStartOf(now, check.windowMs) + check.windowMs };
      this.windows.set(key, window);
    }
    return window;
  }

  private sweepEnded(now: number): void {
    for (const [key, window] of this.windows) {
      if (window.endsAt <= now) this.windows.delete(key);
    }
    this.sweepThreshold = Math.max(MIN_SWEEP_THRESHOLD, this.windows.size * 2);
  }
}

/** The window start is a number, so `@` cannot make two (id, window) pairs collide. */
function windowKey(check: WindowCheck, now: number): string {
  return `${check.id}@${windowStartOf(now, check.windowMs)}`;
}

interface FailureLog {
  /** Times of the latest failures, oldest first; at most the policy's `maxFailures`. */
  failures: number[];
  /** Epoch ms; 0 when never blocked. */
  blockedUntil: number;
}

/**
 * Failed attempts per (workspace, IP), as a sliding log of failure times. The number of tracked IPs is
 * capped, the least recently failing one evicted first: an attacker spraying addresses can make us forget
 * an old block, but never exhaust memory.
 */
export class LocalFailureTracker implements FailureTracker {
  private readonly logs = new Map<string, FailureLog>();

  constructor(private readonly maxTrackedIps = 100_000) {}

  /** How many (workspace, IP) pairs are tracked. */
  get size(): number {
    return this.logs.size;
  }

  blockedUntil(workspaceId: string, ip: string, now: number): number | null {
    const until = this.logs.get(failureKey(workspaceId, ip))?.blockedUntil ?? 0;
    return until > now ? until : null;
  }

  recordFailure(workspaceId: string, ip: string, policy: FailedAuthPolicy, now: number): void {
    const log = this.takeLog(failureKey(workspaceId, ip));
    const windowOpensAfter = now - policy.windowSeconds * 1000;
    const failures = log.failures.filter((at) => at > windowOpensAfter);
    failures.push(now);
    if (failures.length > policy.maxFailures) failures.splice(0, failures.length - policy.maxFailures);
    log.failures = failures;
    if (failures.length >= policy.maxFailures) {
      log.blockedUntil = Math.max(log.blockedUntil, now + policy.blockSeconds * 1000);
    }
  }

  /** The log of `key`, moved to the most recent end of the map (creating it, and evicting, as needed). */
  private takeLog(key: string): FailureLog {
    const log = this.logs.get(key) ?? { failures: [], blockedUntil: 0 };
    this.logs.delete(key);
    if (this.logs.size >= this.maxTrackedIps) this.logs.delete(this.logs.keys().next().value as string);
    this.logs.set(key, log);
    return log;
  }
}

/** Workspace ids never contain a space. */
function failureKey(workspaceId: string, ip: string): string {
  return `${workspaceId} ${ip}`;
}

/**
 * Delivers each event to this instance's subscribers synchronously, in subscription order. One throwing
 * subscriber does not keep the event from the others; the first error is rethrown after all have run.
 */
export class LocalInvalidationBus implements InvalidationBus {
  private listeners: Array<(event: Invalidation) => void> = [];

  publish(event: Invalidation): void {
    let failure: { error: unknown } | null = null;
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        failure ??= { error };
      }
    }
    if (failure) throw failure.error;
  }

  subscribe(listener: (event: Invalidation) => void): void {
    this.listeners.push(listener);
  }

  /** Drops the subscribers: nothing is delivered after close. */
  close(): Promise<void> {
    this.listeners = [];
    return Promise.resolve();
  }
}
