import type { Maybe } from '../maybe';

/**
 * The shared-state ports of verification. Each has an in-process implementation (one instance) and a
 * Redis one (several instances behind a load balancer); the verifier sees only these interfaces. The
 * in-process ones answer at once (`Maybe`), so a verification that needs nothing else waits for nothing.
 */

/** One fixed-window counter to check: a key's rate limit, or a workspace's plan limit. */
export interface WindowCheck {
  /** Counter identity, e.g. `key:key_abc` or `plan-s:ws_abc`. */
  id: string;
  limit: number;
  windowMs: number;
}

export interface WindowState {
  limit: number;
  remaining: number;
  /** Epoch milliseconds at which the current window ends. */
  resetAt: number;
}

export interface LimitOutcome {
  allowed: boolean;
  /** Index in `checks` of the first window without room; null when allowed. */
  deniedIndex: number | null;
  /** The windows after this call, in the order of `checks`. */
  states: WindowState[];
}

/**
 * Fixed-window rate limits. A window starts at `floor(now / windowMs) * windowMs`.
 * `consume` is all-or-nothing: it takes one unit from every window only when every window has room.
 */
export interface RateLimiter {
  consume(checks: WindowCheck[], now: number): Maybe<LimitOutcome>;
  /** What `consume` would answer, without taking anything. */
  peek(checks: WindowCheck[], now: number): Maybe<LimitOutcome>;
  /** Gives back one unit to every window `consume` took it from (a later check denied the request). */
  refund(checks: WindowCheck[], now: number): Maybe<void>;
}

export interface FailedAuthPolicy {
  maxFailures: number;
  windowSeconds: number;
  blockSeconds: number;
}

/** Failed-attempt blocking of client IPs, per workspace. */
export interface FailureTracker {
  /** Epoch ms until which `ip` is blocked in `workspaceId`, or null. */
  blockedUntil(workspaceId: string, ip: string, now: number): Maybe<number | null>;
  /**
   * Records one invalid key from `ip`; when that makes `maxFailures` within `windowSeconds`, blocks the
   * IP for `blockSeconds`.
   */
  recordFailure(workspaceId: string, ip: string, policy: FailedAuthPolicy, now: number): Maybe<void>;
}

/** What changed, so every instance drops what it cached about it. */
export type Invalidation =
  | { kind: 'key'; id: string }
  | { kind: 'policy'; id: string }
  | { kind: 'workspace'; id: string }
  | { kind: 'root_key'; id: string }
  /** Everything: sent to ourselves after a gap in which messages may have been missed. */
  | { kind: 'all' };

export interface InvalidationBus {
  /** Delivers to this instance's subscribers at once, and to the other instances' when shared. */
  publish(event: Invalidation): void;
  subscribe(listener: (event: Invalidation) => void): void;
  close(): Promise<void>;
}

/** How services announce a committed change (the bus's `publish`). */
export type Publish = (event: Invalidation) => void;
