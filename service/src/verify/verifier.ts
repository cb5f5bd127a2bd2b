import { isoTime, type Clock } from '../clock';
import { UnavailableError } from '../domain/errors';
import { fingerprint, parseSecret, sameFingerprint } from '../domain/secrets';
import { ipAllowed, normaliseIp, permitted, type VerifyCode, type VerifyRequest, type VerifyResult } from '../domain/verification';
import { attempt, then, type Maybe } from '../maybe';
import { markFirstUse } from '../repositories/verification';
import type { Database } from '../db/database';
import type { BalanceLeases } from './balance';
import type { DbHealth } from './dbHealth';
import { Deadline } from './deadline';
import type { KeyDirectory, VerifiableKey } from './directory';
import type { Leases, Reservation } from './leases';
import { countDbQuery, type Metrics } from './metrics';
import type { FailedAuthPolicy, FailureTracker, LimitOutcome, RateLimiter } from './ports';
import type { Recorder } from './recorder';

export interface VerifierDeps {
  db: Database;
  clock: Clock;
  directory: KeyDirectory;
  leases: Leases;
  balances: BalanceLeases;
  limiter: RateLimiter;
  failures: FailureTracker;
  recorder: Recorder;
  health: DbHealth;
  metrics: Metrics;
  /** How long one verification may wait on the database before it answers 503. */
  timeoutMs: number;
}

/** Compared against when no key matched, so an unknown key and a wrong one take the same path. */
const NO_FINGERPRINT = fingerprint('');

interface Decision {
  result: VerifyResult;
  key: VerifiableKey | null;
  creditsSpent: number;
}

/**
 * `POST /v1/verify`: answers whether a key is good for a request, checking in SPEC's order and consuming
 * limits all-or-nothing. The hot path (a cached key with room in its lease) makes no database call; every
 * answer is counted and logged through the write-behind recorder. What needs the database waits for it at
 * most `timeoutMs`, and not at all while it is known to be down: then the answer is 503, nothing consumed.
 */
export class Verifier {
  constructor(private readonly deps: VerifierDeps) {}

  /**
   * The answer, at once when nothing needs waiting for (a cached key, room in its lease, this instance's
   * own rate limits), else as a promise. It throws or rejects only with `UnavailableError`.
   */
  verify(workspaceId: string, request: VerifyRequest): Maybe<VerifyResult> {
    const started = performance.now();
    const deadline = new Deadline(this.deps.timeoutMs);
    const now = this.deps.clock.now().getTime();
    // One spelling per address, for the checks and in the request log alike.
    const ip = request.ip === undefined ? undefined : normaliseIp(request.ip);
    return then(this.decide(workspaceId, ip === undefined ? request : { ...request, ip }, now, deadline), ({ result, key, creditsSpent }) => {
      this.deps.metrics.count('keysmith_verifications_total', 'Verifications answered, by result code', `code="${result.code}"`);
      this.deps.recorder.record(
        {
          workspaceId,
          keyId: key?.id ?? null,
          endpoint: request.endpoint ?? null,
          code: result.code,
          durationMicros: Math.round((performance.now() - started) * 1000),
          clientIp: ip ?? null,
          creditsSpent,
          createdAt: now,
        },
        result.valid,
      );
      return result;
    });
  }

  /** The checks in SPEC's order, each step taken at once when it can be. */
  private decide(workspaceId: string, request: VerifyRequest, now: number, deadline: Deadline): Maybe<Decision> {
    return then(this.find(request.key, now, deadline), (key) => {
      if (!key || key.workspaceId !== workspaceId || (key.secretExpiresAt !== null && key.secretExpiresAt <= now)) {
        if (request.ip === undefined) return INVALID;
        return then(this.recordFailure(workspaceId, request.ip, now, deadline), () => INVALID);
      }
      if (key.state === 'revoked') return denied(key, 'REVOKED');
      if (key.state === 'disabled') return denied(key, 'DISABLED');
      if (key.expiresAt !== null && key.expiresAt <= now) return denied(key, 'EXPIRED');
      if (request.ip === undefined) return this.decideAccess(key, request, now, deadline);
      return then(this.deps.failures.blockedUntil(workspaceId, request.ip, now), (until) =>
        until !== null && until > now ? denied(key, 'IP_BLOCKED') : this.decideAccess(key, request, now, deadline),
      );
    });
  }

  /** The key is good and its client not blocked: the IP allowlist, the scopes, then the limits. */
  private decideAccess(key: VerifiableKey, request: VerifyRequest, now: number, deadline: Deadline): Maybe<Decision> {
    if (!ipAllowed(key.ip, request.ip)) return denied(key, 'IP_NOT_ALLOWED');
    if (!permitted({ scopes: key.scopeSet, resources: key.resources }, request)) return denied(key, 'FORBIDDEN');
    const cost = request.cost ?? 1;
    // A workspace with a credit balance: the cost is taken from it too, all-or-nothing with the key's limits.
    const reserving = key.workspaceBalance
      ? this.deps.balances.reserve(key.leased, key.workspaceId, cost, deadline)
      : this.deps.leases.reserve(key.leased, cost, deadline);
    return then(reserving, (reserved) => {
      if (!reserved.ok) {
        return then(this.deps.limiter.peek(key.rateChecks, now), (rate) =>
          rate.allowed ? denied(key, 'QUOTA_EXCEEDED', { window: reserved.window, ratelimit: rateState(rate) }) : denied(key, rateCode(key, rate), { ratelimit: rateState(rate) }),
        );
      }
      const { reservation } = reserved;
      return then(this.consumeRate(key, reservation, now), (rate) => {
        if (!rate.allowed) {
          reservation.undo();
          return denied(key, rateCode(key, rate), { ratelimit: rateState(rate), ...limitsOf(reservation) });
        }
        // A key without quotas or credits records its first use here; a leased one already has usage rows.
        if (key.used || reservation.fromLease) return admitted(key, rate, reservation, cost);
        return then(this.markUsed(key, now, reservation, deadline), () => admitted(key, rate, reservation, cost));
      });
    });
  }

  /** The key the secret belongs to: checksum first (no lookup for garbage), then the cache by fingerprint, then the database. */
  private find(secret: string, now: number, deadline: Deadline): Maybe<VerifiableKey | null> {
    const parsed = parseSecret(secret);
    if (!parsed || parsed.env === 'root') return null;
    const { directory } = this.deps;
    const name = fingerprint(secret);
    const cached = directory.cached(name);
    // A secret known to match no key is answered from memory only while the database is up: in an outage it
    // is a 503 like any key that needs the database, so an outage never counts a failed attempt or blocks an IP.
    if (cached === undefined || (cached === null && !this.deps.health.healthy)) {
      return this.fromDatabase(deadline, () => directory.load(secret, name, now)).then((key) => matching(name, key));
    }
    return matching(name, cached);
  }

  /** The key's rate limits, after its quota units were reserved: those go back if the limiter fails. */
  private consumeRate(key: VerifiableKey, reservation: Reservation, now: number): Maybe<LimitOutcome> {
    return attempt(
      () => this.deps.limiter.consume(key.rateChecks, now),
      (err) => {
        reservation.undo();
        throw err;
      },
    );
  }

  /**
   * The key's first verification on this instance writes `last_used_at` before answering (once per key
   * ever, in effect): from then on it has history and cannot be deleted, even before the logs are flushed.
   */
  private async markUsed(key: VerifiableKey, now: number, reservation: Reservation, deadline: Deadline): Promise<void> {
    try {
      await this.fromDatabase(deadline, () => {
        countDbQuery(this.deps.metrics, 'first_use');
        return markFirstUse(this.deps.db.knex, key.id, now);
      });
    } catch (err) {
      // A 503 consumes nothing: give back what this request took (it got this far, so the rate limit admitted it).
      reservation.undo();
      await this.deps.limiter.refund(key.rateChecks, now);
      throw err;
    }
  }

  private recordFailure(workspaceId: string, ip: string, now: number, deadline: Deadline): Maybe<void> {
    // A database error is never counted as a failed attempt.
    const { directory } = this.deps;
    const record = (policy: FailedAuthPolicy): Maybe<void> => this.deps.failures.recordFailure(workspaceId, ip, policy, now);
    const policy = directory.cachedFailedAuthPolicy(workspaceId);
    return policy ? record(policy) : this.fromDatabase(deadline, () => directory.failedAuthPolicy(workspaceId)).then(record);
  }

  /**
   * A database call of this verification: refused at once while the database is known to be down, and
   * abandoned at the deadline (which marks it down: a database that does not answer is not there).
   */
  private async fromDatabase<T>(deadline: Deadline, work: () => Promise<T>): Promise<T> {
    if (!this.deps.health.healthy) throw unavailable();
    try {
      return await deadline.race(work());
    } catch (err) {
      throw this.dbFailure(err);
    }
  }

  private dbFailure(err: unknown): UnavailableError {
    if (err instanceof UnavailableError) return err;
    this.deps.health.reportFailure(err);
    return unavailable();
  }
}

/** Frozen: every INVALID answer is this one object. */
const INVALID: Decision = Object.freeze({ result: Object.freeze({ valid: false, code: 'INVALID' as const }), key: null, creditsSpent: 0 });

/** `key` when its fingerprint is `name`; compared against a fingerprint even when no key matched, so both take the same time. */
function matching(name: string, key: VerifiableKey | null): VerifiableKey | null {
  return sameFingerprint(name, key ? key.fingerprint : NO_FINGERPRINT) ? key : null;
}

/** The VALID answer; from now on the key counts as used. */
function admitted(key: VerifiableKey, rate: LimitOutcome, reservation: Reservation, cost: number): Decision {
  key.used = true;
  return {
    result: {
      valid: true,
      code: 'VALID',
      ...identity(key),
      scopes: key.scopes,
      metadata: key.metadata,
      expiresAt: key.expiresAt === null ? null : isoTime(key.expiresAt),
      ratelimit: rateState(rate),
      ...limitsOf(reservation),
    },
    key,
    creditsSpent: key.leased.credits || key.workspaceBalance ? cost : 0,
  };
}

function denied(key: VerifiableKey, code: VerifyCode, extra: Partial<VerifyResult> = {}): Decision {
  return { result: { valid: false, code, ...identity(key), ...extra }, key, creditsSpent: 0 };
}

const unavailable = (): UnavailableError => new UnavailableError('the key database cannot be reached; nothing was consumed, try again shortly');

function identity(key: VerifiableKey): Pick<VerifyResult, 'keyId' | 'name' | 'environment'> {
  return { keyId: key.id, name: key.name, environment: key.environment };
}

function rateCode(key: VerifiableKey, rate: LimitOutcome): VerifyCode {
  return rate.deniedIndex !== null && rate.deniedIndex < key.planChecks ? 'PLAN_RATE_LIMITED' : 'RATE_LIMITED';
}

/** The window that denied the request, else the key's own (the last check). */
function rateState(rate: LimitOutcome): VerifyResult['ratelimit'] {
  const own = rate.states[rate.deniedIndex ?? rate.states.length - 1]!;
  return { limit: own.limit, remaining: own.remaining, resetAt: isoTime(own.resetAt) };
}

function limitsOf(reservation: Reservation): Pick<VerifyResult, 'quota' | 'credits'> {
  const quota = reservation.quota();
  const credits = reservation.credits();
  return { ...(quota ? { quota } : {}), ...(credits !== undefined ? { credits } : {}) };
}
