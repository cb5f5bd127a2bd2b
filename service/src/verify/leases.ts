import { isoTime } from '../clock';
import type { Database } from '../db/database';
import type { Maybe } from '../maybe';
import { UnavailableError } from '../domain/errors';
import type { Quota, QuotaWindow } from '../domain/model';
import type { ExhaustedWindow, QuotaState } from '../domain/verification';
import { bucketOf, grantLease, purgeOldBuckets, returnLease, type CreditTerms, type LeaseGrant, type LeaseReturn, type WindowUsage } from '../repositories/usage';
import type { DbHealth } from './dbHealth';
import { NO_DEADLINE, waitForDatabase, type Deadline } from './deadline';
import { countDbQuery, type Metrics } from './metrics';

/** What a key's limits need from the lease: its quotas and its credit terms. */
export interface LeasedLimits {
  keyId: string;
  /** Equal for equal settings: a lease outlives a cache entry rebuilt with the same limits. */
  signature: string;
  quota: Quota;
  credits: CreditTerms | null;
}

/** Units taken for one request; `undo` puts them back (a later check denied the request). */
export interface Reservation {
  /** True when the units came from a lease: its grant wrote the key's usage rows, which give it history. */
  fromLease: boolean;
  undo(): void;
  quota: () => QuotaState[] | undefined;
  credits: () => number | undefined;
}

export type ReserveOutcome = { ok: true; reservation: Reservation } | { ok: false; window: ExhaustedWindow };

export interface LeaseOptions {
  /** Largest block of requests (and of cost units) one lease may hold. */
  maxBlock: number;
  /** A lease unused this long goes back to the database. */
  idleMs: number;
  /** And any lease this old, so reservations are never attributed far from when they were used. */
  maxAgeMs: number;
  /** How long a "no room left" answer is believed before the database is asked again. */
  exhaustedMs: number;
}

export const DEFAULT_LEASE_OPTIONS: LeaseOptions = { maxBlock: 10_000, idleMs: 2_000, maxAgeMs: 30_000, exhaustedMs: 1_000 };

class Lease {
  requests = 0;
  credits = 0;
  bucketStart = 0;
  windows: WindowUsage[] = [];
  creditTerms: { remaining: number; source: string; refilledAt: number } | null = null;
  wanted = 16;
  grantedAt = 0;
  usedAt = 0;
  /** Until when (clock ms) the last grant's "no room" stands, for which window, and for what cost or more. */
  exhausted: { window: ExhaustedWindow; until: number; cost: number } | null = null;
  pending: Promise<void> | null = null;
  released = false;

  constructor(readonly limits: LeasedLimits) {}

  get needsRequests(): boolean {
    return hasQuota(this.limits.quota) && this.requests < 1;
  }

  /** Credits must be fetched when the lease holds too few, or has never seen the balance (even at cost 0, whose answer shows it). */
  needsCredits(cost: number): boolean {
    return this.limits.credits !== null && (this.creditTerms === null || this.credits < cost);
  }

  hasRoom(cost: number): boolean {
    return !this.needsRequests && !this.needsCredits(cost);
  }

  /**
   * Whether the last grant's "no room" still answers a request of `cost`. A credits shortfall is only
   * the answer while the lease holds a quota unit: otherwise a quota window may be the one to name.
   */
  stillExhausted(cost: number, now: number): ExhaustedWindow | null {
    const { exhausted } = this;
    if (!exhausted || now >= exhausted.until) return null;
    if (exhausted.window === 'credits' && (cost < exhausted.cost || this.needsRequests)) return null;
    return exhausted.window;
  }
}

const hasQuota = (quota: Quota): boolean => Object.keys(quota).length > 0;

/**
 * Quota and credit leases of this instance. A request takes its units from the key's local lease; when
 * the lease runs short, one grant transaction (per key at a time: concurrent requests wait for it)
 * reserves the next block in the database. Blocks grow while a lease is used up in under a second, and
 * never exceed a quarter of what is left, so near a limit instances hold little each.
 */
export class Leases {
  private readonly leases = new Map<string, Lease>();
  private readonly sweeper: NodeJS.Timeout;
  private readonly purger: NodeJS.Timeout;
  /** Returns on their way to the database, by key. */
  private readonly returning = new Map<string, Promise<void>>();
  /** Returns that failed (the database was down), to be tried again. */
  private readonly unreturned: LeaseReturn[] = [];

  constructor(
    private readonly deps: {
      db: Database;
      metrics: Metrics;
      now: () => number;
      /** Told of database failures; while it is not `healthy`, leases are kept rather than swept (a return would fail). */
      health: Pick<DbHealth, 'healthy' | 'reportFailure'>;
    },
    private readonly options: LeaseOptions = DEFAULT_LEASE_OPTIONS,
  ) {
    this.sweeper = setInterval(() => void this.sweep(), Math.min(1000, options.idleMs));
    this.sweeper.unref();
    this.purger = setInterval(() => void this.purge(), PURGE_EVERY_MS);
    this.purger.unref();
  }

  get size(): number {
    return this.leases.size;
  }

  /**
   * Takes one request and `cost` credits from the key's lease, leasing more from the database as needed,
   * waiting for it no longer than `deadline` (then `UnavailableError`; a grant still in flight lands in the
   * lease for later requests). While the database is down, only what the lease holds is served. When the
   * lease can answer by itself, the answer is given at once, not as a promise.
   */
  reserve(limits: LeasedLimits, cost: number, deadline: Pick<Deadline, 'race'> = NO_DEADLINE): Maybe<ReserveOutcome> {
    return this.reserveNow(limits, cost) ?? this.reserveWaiting(limits, cost, deadline);
  }

  /** `reserve` when the lease cannot answer by itself: a grant, a return or a new lease first. */
  private async reserveWaiting(limits: LeasedLimits, cost: number, deadline: Pick<Deadline, 'race'>): Promise<ReserveOutcome> {
    for (let fetched = false; ; ) {
      const lease = this.leaseFor(limits);
      const now = this.deps.now();
      if (lease.pending) {
        await this.wait(lease.pending, deadline);
        continue;
      }
      if (lease.requests > 0 && lease.bucketStart !== bucketOf(now)) {
        // Units reserved in an earlier hour would leave the rolling windows too early if used now.
        lease.pending = this.dropRequests(lease).finally(() => (lease.pending = null));
        continue;
      }
      if (lease.hasRoom(cost)) return { ok: true, reservation: this.take(lease, cost) };
      const exhausted = fetched ? lease.exhausted?.window : lease.stillExhausted(cost, now);
      if (exhausted) return { ok: false, window: exhausted };
      if (!this.deps.health.healthy) throw unreachable();
      lease.pending = this.refill(lease, cost, now).finally(() => (lease.pending = null));
      await this.wait(lease.pending, deadline);
      fetched = true;
    }
  }

  /** Waits for the lease's grant or return in flight, until `deadline` at most; at once fails while the database is down. */
  private wait(pending: Promise<void>, deadline: Pick<Deadline, 'race'>): Promise<void> {
    return waitForDatabase(pending, deadline, this.deps.health, unreachable);
  }

  private async dropRequests(lease: Lease): Promise<void> {
    const unused = lease.requests;
    lease.requests = 0;
    await this.returnUnused(lease, unused, 0);
  }

  private leaseFor(limits: LeasedLimits): Lease {
    let lease = this.leases.get(limits.keyId);
    if (!lease || lease.limits.signature !== limits.signature) {
      if (lease) this.release(lease);
      lease = new Lease(limits);
      this.leases.set(limits.keyId, lease);
    }
    return lease;
  }

  private take(lease: Lease, cost: number): Reservation {
    const requests = hasQuota(lease.limits.quota) ? 1 : 0;
    const credits = lease.limits.credits === null ? 0 : cost;
    lease.requests -= requests;
    lease.credits -= credits;
    lease.usedAt = performance.now();
    return {
      fromLease: true,
      undo: () => {
        lease.requests += requests;
        lease.credits += credits;
      },
      quota: () => quotaStates(lease),
      credits: () => (lease.creditTerms ? lease.creditTerms.remaining + lease.credits : undefined),
    };
  }

  private async refill(lease: Lease, cost: number, now: number): Promise<void> {
    const { limits } = lease;
    const quick = lease.grantedAt > 0 && performance.now() - lease.grantedAt < 1000;
    lease.wanted = Math.min(this.options.maxBlock, quick ? lease.wanted * 2 : Math.max(16, Math.floor(lease.wanted / 2)));
    // Units this instance is still giving back would otherwise count as used in the grant's eyes.
    await this.returning.get(limits.keyId);
    let grant: LeaseGrant;
    try {
      countDbQuery(this.deps.metrics, 'lease');
      grant = await grantLease(this.deps.db, {
        keyId: limits.keyId,
        now,
        quota: limits.quota,
        requests: lease.needsRequests ? { wanted: lease.wanted, needed: 1 } : { wanted: 0, needed: 0 },
        credits:
          limits.credits && lease.needsCredits(cost)
            ? { ...limits.credits, wanted: lease.wanted * Math.max(1, cost), needed: Math.max(0, cost - lease.credits) }
            : null,
      });
    } catch (err) {
      // A grant cut short on its COMMIT may still have been applied: its units then stay counted as used.
      this.deps.health.reportFailure(err);
      throw unreachable();
    }
    if (lease.released) {
      // Invalidated while the grant was in flight: its units go straight back.
      void this.giveBack(lease, grant);
      return;
    }
    this.absorb(lease, grant, now, cost);
  }

  private absorb(lease: Lease, grant: LeaseGrant, now: number, cost: number): void {
    if (grant.requests > 0) {
      // Units left in an older bucket go back there first: one lease holds one bucket.
      if (lease.requests > 0 && lease.bucketStart !== grant.bucketStart) void this.returnUnused(lease, lease.requests, 0);
      lease.requests = (lease.bucketStart === grant.bucketStart ? lease.requests : 0) + grant.requests;
      lease.bucketStart = grant.bucketStart;
    }
    if (grant.windows.length > 0) lease.windows = grant.windows;
    if (grant.credits) {
      const sameBalance = lease.creditTerms?.source === grant.credits.source && lease.creditTerms.refilledAt === grant.credits.refilledAt;
      if (!sameBalance && lease.credits > 0) void this.returnUnused(lease, 0, lease.credits);
      lease.credits = (sameBalance ? lease.credits : 0) + grant.credits.granted;
      lease.creditTerms = { remaining: grant.credits.remaining, source: grant.credits.source, refilledAt: grant.credits.refilledAt };
    }
    lease.grantedAt = performance.now();
    lease.usedAt = lease.grantedAt;
    const window: ExhaustedWindow | null = grant.exhausted ?? (grant.credits && lease.credits < cost ? 'credits' : null);
    lease.exhausted = window ? { window, until: now + this.options.exhaustedMs, cost } : null;
  }

  /**
   * What `reserve` answers without waiting: a reservation when the key's lease has room, the window its
   * last grant found full, or null when only the database can tell.
   */
  private reserveNow(limits: LeasedLimits, cost: number): ReserveOutcome | null {
    if (!hasQuota(limits.quota) && limits.credits === null) return { ok: true, reservation: NO_LIMITS };
    const lease = this.leases.get(limits.keyId);
    if (!lease || lease.pending || lease.limits.signature !== limits.signature) return null;
    const now = this.deps.now();
    if (lease.requests > 0 && lease.bucketStart !== bucketOf(now)) return null;
    if (lease.hasRoom(cost)) return { ok: true, reservation: this.take(lease, cost) };
    const exhausted = lease.stillExhausted(cost, now);
    return exhausted ? { ok: false, window: exhausted } : null;
  }

  /** Drops the key's lease (its settings changed, or it was disabled): unused units go back. */
  invalidate(keyId: string): void {
    const lease = this.leases.get(keyId);
    if (lease) this.release(lease);
  }

  invalidateAll(): void {
    for (const lease of [...this.leases.values()]) this.release(lease);
  }

  private release(lease: Lease): void {
    lease.released = true;
    if (this.leases.get(lease.limits.keyId) === lease) this.leases.delete(lease.limits.keyId);
    void this.returnUnused(lease, lease.requests, lease.credits);
    lease.requests = 0;
    lease.credits = 0;
  }

  private giveBack(lease: Lease, grant: LeaseGrant): Promise<void> {
    return this.send(lease.limits.keyId, grant.requests, grant.bucketStart, grant.credits ? { amount: grant.credits.granted, ...grant.credits } : null);
  }

  private returnUnused(lease: Lease, requests: number, credits: number): Promise<void> {
    const terms = lease.creditTerms;
    return this.send(lease.limits.keyId, requests, lease.bucketStart, terms && credits > 0 ? { amount: credits, ...terms } : null);
  }

  /** Returns of one key run one after another, and a grant for the key waits for them (see `refill`). */
  private async send(keyId: string, requests: number, bucketStart: number, credits: LeaseReturn['credits']): Promise<void> {
    if (requests <= 0 && (!credits || credits.amount <= 0)) return;
    const previous = this.returning.get(keyId);
    const sending = (async () => {
      await previous;
      await this.returnOrKeep({ keyId, requests, bucketStart, credits });
    })();
    this.returning.set(keyId, sending);
    await sending;
    if (this.returning.get(keyId) === sending) this.returning.delete(keyId);
  }

  /**
   * A return runs in one transaction. One that fails before its COMMIT went out changed nothing: it is kept
   * and tried again once the database is back (while the database is down it is kept without trying). One
   * cut short on its COMMIT may have been applied, and applying it twice would hand its units out twice:
   * it is dropped, and its units stay counted as used. Either way a failure never over-admits.
   */
  private async returnOrKeep(unused: LeaseReturn): Promise<void> {
    if (!this.deps.health.healthy) return this.keep(unused);
    let committing = false;
    try {
      countDbQuery(this.deps.metrics, 'lease_return');
      await this.deps.db.transaction(async (tx) => {
        await returnLease(tx, unused);
        committing = true;
      });
    } catch (err) {
      this.deps.health.reportFailure(err);
      if (!committing) return this.keep(unused);
      this.deps.metrics.count('keysmith_lease_returns_abandoned_total', 'Lease returns whose COMMIT got no answer: their units stay counted as used', '');
    }
  }

  private keep(unused: LeaseReturn): void {
    if (this.unreturned.length < MAX_UNRETURNED) this.unreturned.push(unused);
  }

  private retryReturns(): Promise<unknown> {
    const due = this.unreturned.splice(0);
    return Promise.all(due.map((unused) => this.returnOrKeep(unused)));
  }

  private async sweep(): Promise<void> {
    if (!this.deps.health.healthy) return;
    if (this.unreturned.length > 0) await this.retryReturns();
    const t = performance.now();
    const due = [...this.leases.values()].filter((l) => !l.pending && (t - l.usedAt > this.options.idleMs || t - l.grantedAt > this.options.maxAgeMs));
    for (const lease of due) this.release(lease);
  }

  /** Drops hour buckets older than the longest window; every instance does it, which is harmless. */
  private async purge(): Promise<void> {
    try {
      await purgeOldBuckets(this.deps.db.knex, this.deps.now());
    } catch {
      // Housekeeping: the next round tries again.
    }
  }

  /** Gives every unused unit back (at shutdown). */
  async close(): Promise<void> {
    clearInterval(this.sweeper);
    clearInterval(this.purger);
    const pending = [...this.leases.values()].map((l) => l.pending).filter(Boolean);
    await Promise.allSettled(pending);
    const returns = [...this.leases.values()].map((lease) => {
      this.leases.delete(lease.limits.keyId);
      lease.released = true;
      return this.returnUnused(lease, lease.requests, lease.credits);
    });
    await Promise.all([...returns, this.retryReturns()]);
  }
}

const PURGE_EVERY_MS = 3600 * 1000;
const MAX_UNRETURNED = 100_000;

const unreachable = (): UnavailableError => new UnavailableError('the database cannot be reached to check this key\'s quota; nothing was consumed');

const NO_LIMITS: Reservation = { fromLease: false, undo: () => undefined, quota: () => undefined, credits: () => undefined };

function quotaStates(lease: Lease): QuotaState[] | undefined {
  if (lease.windows.length === 0) return undefined;
  return lease.windows.map((w) => ({
    window: w.window as QuotaWindow,
    limit: w.limit,
    remaining: Math.max(0, w.limit - w.used + lease.requests),
    resetAt: w.resetAt === null ? null : isoTime(w.resetAt),
  }));
}
