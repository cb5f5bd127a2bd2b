import { expect } from 'chai';
import type { Database } from '../../src/db/database';
import { UnavailableError } from '../../src/domain/errors';
import { Deadline } from '../../src/verify/deadline';
import { Leases, type LeasedLimits } from '../../src/verify/leases';
import { Metrics } from '../../src/verify/metrics';
import { forEachDialect } from '../helpers/databases';
import { Harness } from '../helpers/harness';
import { waitFor } from '../helpers/redis';

/**
 * Lease grants and returns that the database may have applied although this side stopped waiting: a grant
 * given up at a verification's deadline, a return whose COMMIT got no answer. None may over-admit or lose units.
 */
forEachDialect('Leases when the database answers late or not at all', (dialect) => {
  let h: Harness;
  let leases: Leases | null = null;
  beforeEach(async () => {
    h = await Harness.start(dialect);
  });
  afterEach(async () => {
    await leases?.close();
    leases = null;
    await h.stop();
  });

  const health = { healthy: true, failures: 0, reportFailure: () => health.failures++ };
  beforeEach(() => {
    health.healthy = true;
    health.failures = 0;
  });

  const limitsOf = (keyId: string, daily: number): LeasedLimits => ({ keyId, signature: `daily ${daily}`, quota: { daily }, credits: null });
  /** Requests the database counts as used today (leased, whether used or not). */
  const usedToday = async (keyId: string): Promise<number> => {
    const rows = (await h.app.db.knex('key_usage').where({ key_id: keyId }).where('bucket_start', '>=', 0).select('requests')) as Array<{ requests: number }>;
    return rows.reduce((sum, row) => sum + Number(row.requests), 0);
  };
  /** `h.app.db` with some of its calls replaced. */
  const databaseWith = (overrides: Partial<Pick<Database, 'readThenWrite' | 'transaction'>>): Database => Object.assign(Object.create(h.app.db) as Database, overrides);
  const start = (db: Database, idleMs = 60_000): Leases =>
    (leases = new Leases({ db, metrics: new Metrics(), now: () => h.clock.now().getTime(), health }, { maxBlock: 10_000, idleMs, maxAgeMs: 60_000, exhaustedMs: 1000 }));

  it('a grant given up at the deadline lands in the lease when it arrives: later requests use it, nothing is counted twice', async () => {
    const { key } = await h.createKey({ quota: { daily: 100 } });
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    let grants = 0;
    const real = h.app.db;
    const late = start(
      databaseWith({
        readThenWrite: async (reads, decide) => {
          grants++;
          await gate;
          return real.readThenWrite(reads, decide);
        },
      }),
    );
    const limits = limitsOf(key.id, 100);
    const error = await Promise.resolve(late.reserve(limits, 1, new Deadline(50))).then(
      () => null,
      (err: unknown) => err,
    );
    expect(error).to.be.instanceOf(UnavailableError);
    expect(health.failures, 'the deadline is reported to the health check').to.equal(1);
    open();
    await waitFor('the late grant to be written', () => grants === 1);
    const leased = 16;
    let counted = 0;
    await waitFor(`${leased} requests leased`, () => {
      void usedToday(key.id).then((n) => (counted = n));
      return counted === leased;
    });
    for (let i = 0; i < leased; i++) expect((await late.reserve(limits, 1, new Deadline(50))).ok).to.equal(true);
    expect(grants, 'served from the late grant').to.equal(1);
    await late.close();
    expect(await usedToday(key.id), 'all 16 used, none given back twice').to.equal(leased);
  });

  for (const [when, applied, retried] of [
    ['before its COMMIT', false, true],
    ['on its COMMIT, after the database applied it', true, false],
  ] as const) {
    it(`a return that fails ${when} is ${retried ? 'tried again' : 'not repeated'}: the unused units go back exactly once`, async () => {
      const { key } = await h.createKey({ quota: { daily: 100 } });
      const real = h.app.db;
      let returns = 0;
      let fail = true;
      const lossy = start(
        databaseWith({
          readThenWrite: (reads, decide) => real.readThenWrite(reads, decide),
          transaction: async (work, config) => {
            returns++;
            if (!fail) return real.transaction(work, config);
            fail = false;
            if (applied) await real.transaction(work, config);
            throw Object.assign(new Error('connection lost'), { code: 'ETIMEDOUT' });
          },
        }),
        50,
      );
      const limits = limitsOf(key.id, 100);
      expect((await lossy.reserve(limits, 1)).ok).to.equal(true);
      expect(await usedToday(key.id), 'one lease of 16').to.equal(16);
      // Unused for longer than idleMs: the sweep gives the 15 back; its first attempt fails.
      await waitFor('the return to be attempted', () => returns >= 1);
      await waitFor('the sweeps after it', () => returns >= (retried ? 2 : 1), 2000);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(returns, 'attempts').to.equal(retried ? 2 : 1);
      expect(await usedToday(key.id), 'the one request used').to.equal(1);
    });
  }
});
