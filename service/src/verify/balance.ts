import type { Database } from '../db/database';
import { UnavailableError } from '../domain/errors';
import { grantBalance, returnBalance, type BalanceGrant, type BalanceReturn } from '../repositories/workspaceBalance';
import type { DbHealth } from './dbHealth';
import { NO_DEADLINE, waitForDatabase, type Deadline } from './deadline';
import type { LeasedLimits, LeaseOptions, Leases, ReserveOutcome } from './leases';
import { countDbQuery, type Metrics } from './metrics';

/** This instance's share of one workspace's credit balance. */
class BalanceLease {
  /** Units held and not spent, of `generation` of the balance. */
  units = 0;
  generation = -1;
  /** The database says the workspace has no balance: nothing to take until the lease is dropped. */
  unlimited = false;
  wanted = 16;
  grantedAt = 0;
  usedAt = 0;
  /** Until when (clock ms) the last grant's "not enough left" stands, for what cost or more. */
  exhausted: { until: number; cost: number } | null = null;
  pending: Promise<void> | null = null;
  released = false;

  constructor(readonly workspaceId: string) {}

  stillExhausted(cost: number, now: number): boolean {
    return this.exhausted !== null && now < this.exhausted.until && cost >= this.exhausted.cost;
  }
}

/**
 * Leases of workspace credit balances: one per workspace, shared by all its keys. A request's cost is taken
 * from this instance's lease; when it runs short, one grant (per workspace at a time: concurrent requests
 * wait for it) takes the next block out of the database. Blocks grow while a lease is spent in under a
 * second, up to `maxBlock`, and never exceed an eighth of what is left (see `balanceShare`), so near the
 * end every instance holds little. Unspent units go back when a lease idles, ages, is invalidated (the
 * workspace changed) or the instance shuts down.
 */
export class BalanceLeases {
  private readonly leases = new Map<string, BalanceLease>();
  private readonly sweeper: NodeJS.Timeout;
  /** Returns on their way to the database, by workspace. */
  private readonly returning = new Map<string, Promise<void>>();
  /** Returns that failed (the database was down), to be tried again. */
  private readonly unreturned: BalanceReturn[] = [];

  constructor(
    private readonly deps: {
      db: Database;
      metrics: Metrics;
      now: () => number;
      health: Pick<DbHealth, 'healthy' | 'reportFailure'>;
      /** The keys' own quota and credit leases, taken from together with the balance. */
      keys: Pick<Leases, 'reserve'>;
    },
    private readonly options: LeaseOptions,
  ) {
    this.sweeper = setInterval(() => void this.sweep(), Math.min(1000, options.idleMs));
    this.sweeper.unref();
  }

  get size(): number {
    return this.leases.size;
  }

  /**
   * Reserves a request against its key's own limits (the key's lease) and `cost` units of the workspace's
   * balance, all-or-nothing: when either has no room nothing is taken anywhere, and the key's window is
   * named before the balance. Both are taken in one synchronous step once both leases are ready, so a
   * request never holds units of one while it waits for a grant of the other (held units would look used
   * to concurrent requests, and a limit with room could answer "full"). Cost 0 takes nothing here.
   */
  async reserve(limits: LeasedLimits, workspaceId: string, cost: number, deadline: Pick<Deadline, 'race'> = NO_DEADLINE): Promise<ReserveOutcome> {
    if (cost <= 0) return this.deps.keys.reserve(limits, cost, deadline);
    for (;;) {
      const exhausted = await this.ready(workspaceId, cost, deadline);
      const reserving = this.deps.keys.reserve(limits, cost, deadline);
      // Awaited only when it waits: taken at once, the key's units and the balance's are taken in one step.
      const own = reserving instanceof Promise ? await reserving : reserving;
      if (!own.ok) return own;
      const undo = exhausted ? null : this.takeNow(workspaceId, cost);
      if (undo) {
        const reservation = own.reservation;
        return {
          ok: true,
          reservation: {
            ...reservation,
            undo: () => {
              reservation.undo();
              undo();
            },
          },
        };
      }
      own.reservation.undo();
      if (exhausted) return { ok: false, window: 'balance' };
      // Concurrent requests spent the lease while this one waited for the key's grant: make it ready again.
    }
  }

  /** Units this instance holds unspent of the workspace's balance, when they are of `generation`. */
  unspent(workspaceId: string, generation: number): number {
    const lease = this.leases.get(workspaceId);
    return lease && !lease.unlimited && lease.generation === generation ? lease.units : 0;
  }

  /**
   * Waits until the workspace's lease can cover `cost` (granting from the database as needed) or the
   * balance is known to be too low; true in the latter case. Takes nothing.
   */
  private async ready(workspaceId: string, cost: number, deadline: Pick<Deadline, 'race'>): Promise<boolean> {
    for (let fetched = false; ; ) {
      const lease = this.leaseFor(workspaceId);
      if (lease.pending) {
        await waitForDatabase(lease.pending, deadline, this.deps.health, unreachable);
        continue;
      }
      if (lease.unlimited || lease.units >= cost) return false;
      const now = this.deps.now();
      if (fetched ? lease.exhausted !== null : lease.stillExhausted(cost, now)) return true;
      lease.pending = this.refill(lease, cost, now).finally(() => (lease.pending = null));
      await waitForDatabase(lease.pending, deadline, this.deps.health, unreachable);
      fetched = true;
    }
  }

  /** Takes `cost` units if the lease holds them now; the function returned puts them back. */
  private takeNow(workspaceId: string, cost: number): (() => void) | null {
    const lease = this.leases.get(workspaceId);
    if (!lease || lease.pending) return null;
    if (lease.unlimited) return NOTHING_TAKEN;
    return lease.units >= cost ? this.spend(lease, cost) : null;
  }

  private spend(lease: BalanceLease, cost: number): () => void {
    lease.units -= cost;
    lease.usedAt = performance.now();
    const { generation } = lease;
    return () => {
      // A lease dropped meanwhile has already given back what it held: these units follow it.
      if (lease.released) void this.send({ workspaceId: lease.workspaceId, units: cost, generation });
      else if (lease.generation === generation) lease.units += cost;
    };
  }

  private leaseFor(workspaceId: string): BalanceLease {
    let lease = this.leases.get(workspaceId);
    if (!lease) {
      lease = new BalanceLease(workspaceId);
      this.leases.set(workspaceId, lease);
    }
    return lease;
  }

  private async refill(lease: BalanceLease, cost: number, now: number): Promise<void> {
    const quick = lease.grantedAt > 0 && performance.now() - lease.grantedAt < 1000;
    lease.wanted = Math.min(this.options.maxBlock, quick ? lease.wanted * 2 : Math.max(16, Math.floor(lease.wanted / 2)));
    // Units this instance is still giving back would otherwise look spent to the grant.
    await this.returning.get(lease.workspaceId);
    let grant: BalanceGrant;
    try {
      countDbQuery(this.deps.metrics, 'lease');
      grant = await grantBalance(this.deps.db, {
        workspaceId: lease.workspaceId,
        wanted: Math.min(this.options.maxBlock, lease.wanted * cost),
        needed: cost - lease.units,
      });
    } catch (err) {
      this.deps.health.reportFailure(err);
      throw unreachable();
    }
    if (lease.released) {
      // Invalidated while the grant was in flight: its units go straight back.
      if (grant.granted) void this.send({ workspaceId: lease.workspaceId, units: grant.granted, generation: grant.generation });
      return;
    }
    this.absorb(lease, grant, cost, now);
  }

  private absorb(lease: BalanceLease, grant: BalanceGrant, cost: number, now: number): void {
    const sameGeneration = lease.generation === grant.generation;
    // Units of an older generation cannot be spent any more: the balance was set anew since.
    if (!sameGeneration && lease.units > 0) void this.send({ workspaceId: lease.workspaceId, units: lease.units, generation: lease.generation });
    lease.unlimited = grant.granted === null;
    lease.units = (sameGeneration ? lease.units : 0) + (grant.granted ?? 0);
    lease.generation = grant.generation;
    lease.grantedAt = performance.now();
    lease.usedAt = lease.grantedAt;
    // Only a grant of nothing means "not enough left": a grant that replaced a stale generation's units may
    // fall short of `cost` and is simply followed by another.
    lease.exhausted = grant.granted === 0 ? { until: now + this.options.exhaustedMs, cost } : null;
  }

  /** Drops the workspace's lease (its settings or balance changed): unspent units go back. */
  invalidate(workspaceId: string): void {
    const lease = this.leases.get(workspaceId);
    if (lease) this.release(lease);
  }

  invalidateAll(): void {
    for (const lease of [...this.leases.values()]) this.release(lease);
  }

  private release(lease: BalanceLease): Promise<void> {
    lease.released = true;
    if (this.leases.get(lease.workspaceId) === lease) this.leases.delete(lease.workspaceId);
    const units = lease.units;
    lease.units = 0;
    return this.send({ workspaceId: lease.workspaceId, units, generation: lease.generation });
  }

  /** Returns of one workspace run one after another, and a grant for it waits for them (see `refill`). */
  private async send(unspent: BalanceReturn): Promise<void> {
    if (unspent.units <= 0) return;
    const previous = this.returning.get(unspent.workspaceId);
    const sending = (async () => {
      await previous;
      await this.returnOrKeep(unspent);
    })();
    this.returning.set(unspent.workspaceId, sending);
    await sending;
    if (this.returning.get(unspent.workspaceId) === sending) this.returning.delete(unspent.workspaceId);
  }

  /** A return that fails is kept and tried again once the database is back; until then its units stay spent (never over-admits). */
  private async returnOrKeep(unspent: BalanceReturn): Promise<void> {
    try {
      countDbQuery(this.deps.metrics, 'lease_return');
      await returnBalance(this.deps.db.knex, unspent);
    } catch (err) {
      this.deps.health.reportFailure(err);
      if (this.unreturned.length < MAX_UNRETURNED) this.unreturned.push(unspent);
    }
  }

  private retryReturns(): Promise<unknown> {
    return Promise.all(this.unreturned.splice(0).map((unspent) => this.returnOrKeep(unspent)));
  }

  private async sweep(): Promise<void> {
    if (!this.deps.health.healthy) return;
    if (this.unreturned.length > 0) await this.retryReturns();
    const t = performance.now();
    const due = [...this.leases.values()].filter((l) => !l.pending && (t - l.usedAt > this.options.idleMs || t - l.grantedAt > this.options.maxAgeMs));
    for (const lease of due) void this.release(lease);
  }

  /** Gives every unspent unit back (at shutdown), after the grants in flight have landed. */
  async close(): Promise<void> {
    clearInterval(this.sweeper);
    await Promise.allSettled([...this.leases.values()].map((l) => l.pending));
    await Promise.all([...[...this.leases.values()].map((lease) => this.release(lease)), ...this.returning.values(), this.retryReturns()]);
  }
}

const MAX_UNRETURNED = 10_000;

const NOTHING_TAKEN = (): void => undefined;

const unreachable = (): UnavailableError => new UnavailableError("the database cannot be reached to check the workspace's credit balance; nothing was consumed");
