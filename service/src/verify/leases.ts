import type { Database } from '../db/database';
import { UnavailableError } from '../domain/errors';
import type { Quota, QuotaWindow } from '../domain/model';
import type { ExhaustedWindow, QuotaState } from '../domain/verification';
import { grantLease, returnLease, type CreditTerms, type LeaseGrant, type WindowUsage } from '../repositories/usage';
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
  /** True when the units came from a database lease (which also recorded the key's first use). */
  granted: boolean;
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

  hasRoom(cost: number): boolean {
    const quotaOk = !hasQuota(this.limits.quota) || this.requests >= 1;
    return quotaOk && (this.limits.credits === null || this.credits >= cost);
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

  constructor(
    private readonly deps: { db: Database; metrics: Metrics; now: () => number; onDbFailure: (err: unknown) => void },
    private readonly options: LeaseOptions = DEFAULT_LEASE_OPTIONS,
  ) {
    this.sweeper = setInterval(() => void this.sweep(), Math.min(1000, options.idleMs));
    this.sweeper.unref();
  }

  get size(): number {
    return this.leases.size;
  }

  /** Takes one request and `cost` credits from the key's lease, leasing more from the database as needed. */
  async reserve(limits: LeasedLimits, cost: number): Promise<ReserveOutcome> {
    if (!hasQuota(limits.quota) && limits.credits === null) return { ok: true, reservation: NO_LIMITS };
    for (let fetched = false; ; ) {
      const lease = this.leaseFor(limits);
      if (lease.hasRoom(cost)) return { ok: true, reservation: this.take(lease, cost) };
      if (lease.pending) {
        await lease.pending;
        continue;
      }
      const now = this.deps.now();
      const { exhausted } = lease;
      if (exhausted && (fetched || (now < exhausted.until && (exhausted.window !== 'credits' || cost >= exhausted.cost)))) {
        return { ok: false, window: exhausted.window };
      }
      lease.pending = this.refill(lease, cost, now).finally(() => (lease.pending = null));
      await lease.pending;
      fetched = true;
    }
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
      granted: true,
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
    let grant: LeaseGrant;
    try {
      countDbQuery(this.deps.metrics, 'lease');
      grant = await grantLease(this.deps.db, {
        keyId: limits.keyId,
        now,
        quota: limits.quota,
        requests: { wanted: hasQuota(limits.quota) && lease.requests < 1 ? lease.wanted : 0, needed: hasQuota(limits.quota) && lease.requests < 1 ? 1 : 0 },
        credits:
          limits.credits && lease.credits < cost
            ? { ...limits.credits, wanted: Math.min(this.options.maxBlock * cost, lease.wanted * cost), needed: cost - lease.credits }
            : null,
      });
    } catch (err) {
      this.deps.onDbFailure(err);
      throw new UnavailableError('the database cannot be reached to check this key\'s quota; nothing was consumed');
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
    const window: ExhaustedWindow | null = grant.exhausted ?? (grant.credits && grant.credits.granted === 0 ? 'credits' : null);
    lease.exhausted = window ? { window, until: now + this.options.exhaustedMs, cost } : null;
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

  private async send(keyId: string, requests: number, bucketStart: number, credits: { amount: number; source: string; refilledAt: number } | null): Promise<void> {
    if (requests <= 0 && (!credits || credits.amount <= 0)) return;
    try {
      countDbQuery(this.deps.metrics, 'lease_return');
      await returnLease(this.deps.db.knex, { keyId, requests, bucketStart, credits });
    } catch {
      // Not given back: those units stay counted as used until their window passes. Never over-admits.
    }
  }

  private async sweep(): Promise<void> {
    const t = performance.now();
    const due = [...this.leases.values()].filter((l) => !l.pending && (t - l.usedAt > this.options.idleMs || t - l.grantedAt > this.options.maxAgeMs));
    for (const lease of due) this.release(lease);
  }

  /** Gives every unused unit back (at shutdown). */
  async close(): Promise<void> {
    clearInterval(this.sweeper);
    const pending = [...this.leases.values()].map((l) => l.pending).filter(Boolean);
    await Promise.allSettled(pending);
    const returns = [...this.leases.values()].map((lease) => {
      this.leases.delete(lease.limits.keyId);
      lease.released = true;
      return this.returnUnused(lease, lease.requests, lease.credits);
    });
    await Promise.all(returns);
  }
}

const NO_LIMITS: Reservation = { granted: false, undo: () => undefined, quota: () => undefined, credits: () => undefined };

function quotaStates(lease: Lease): QuotaState[] | undefined {
  if (lease.windows.length === 0) return undefined;
  return lease.windows.map((w) => ({
    window: w.window as QuotaWindow,
    limit: w.limit,
    remaining: Math.max(0, w.limit - w.used + lease.requests),
    resetAt: w.resetAt === null ? null : new Date(w.resetAt).toISOString(),
  }));
}
