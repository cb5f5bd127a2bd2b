import { expect } from 'chai';
import {
  call,
  describeCluster,
  killAll,
  BURST_VERIFY_TIMEOUT_MS,
  serviceEnv,
  SharedDatabase,
  sleep,
  startServices,
  waitForRedis,
  type ServiceProcess,
} from '../helpers/processes';
import { readLogs } from '../helpers/requestLogs';

type Tally = Record<string, number>;

/** Rate limits high enough that only the limit under test can deny. */
const UNLIMITED_RATE = { limit: 1_000_000, windowSeconds: 60 };

/**
 * Several `keysmith serve` processes on one MySQL database and one Redis, as behind a load balancer: limits
 * stay exact across them, what they record adds up after a graceful stop, a crash never over-admits, and a
 * change made through one is seen by the others within a second (within the cache TTL without Redis).
 */
describeCluster('a cluster of service processes', (redis) => {
  let database: SharedDatabase;
  before(async function () {
    this.timeout(30_000);
    database = await SharedDatabase.create();
  });
  after(async () => {
    await database?.dispose();
  });

  /** One verification's code; `HTTP_503` and the like for other answers, `NO_ANSWER` when the connection failed. */
  const verifyCode = async (on: ServiceProcess, payload: Record<string, unknown>): Promise<string> => {
    try {
      const res = await call(on, database.rootKey, 'POST', '/v1/verify', payload);
      return res.status === 200 ? (res.body.code as string) : `HTTP_${res.status}`;
    } catch {
      return 'NO_ANSWER';
    }
  };

  /** `total` verifications, round-robin over `services`, `concurrency` in flight; the answers by code. */
  const load = async (
    services: ServiceProcess[],
    total: number,
    payload: Record<string, unknown>,
    options: { concurrency?: number; onAnswer?: (code: string, tally: Tally) => void } = {},
  ): Promise<Tally> => {
    const tally: Tally = {};
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < total) {
        const i = next++;
        const code = await verifyCode(services[i % services.length]!, payload);
        tally[code] = (tally[code] ?? 0) + 1;
        options.onAnswer?.(code, tally);
      }
    };
    await Promise.all(Array.from({ length: options.concurrency ?? 100 }, worker));
    return tally;
  };

  /** Milliseconds until `service` answers `expected` for `payload`, polling every 25 ms; fails after 5 s. */
  const timeUntil = async (service: ServiceProcess, payload: Record<string, unknown>, expected: string, since: number): Promise<number> => {
    for (;;) {
      const code = await verifyCode(service, payload);
      const elapsed = performance.now() - since;
      if (code === expected) return Math.round(elapsed);
      if (elapsed > 5000) throw new Error(`${service.name} still answers ${code} (not ${expected}) ${Math.round(elapsed)} ms later`);
      await sleep(25);
    }
  };

  const printDiagnosticsOnFailure = (services: () => ServiceProcess[]) =>
    afterEach(function () {
      if (this.currentTest?.state === 'failed') for (const service of services()) console.log(service.diagnostics());
    });

  describe('three processes sharing MySQL and Redis', () => {
    let services: ServiceProcess[] = [];
    let env: NodeJS.ProcessEnv;
    before(async function () {
      this.timeout(30_000);
      env = serviceEnv(database.url(), { KEYSMITH_REDIS_URL: redis.url, KEYSMITH_REDIS_PREFIX: redis.namespace(), KEYSMITH_VERIFY_TIMEOUT_MS: String(BURST_VERIFY_TIMEOUT_MS) });
      services = await startServices(3, env);
      await Promise.all(services.map((service) => waitForRedis(service)));
    });
    after(() => killAll(services));
    printDiagnosticsOnFailure(() => services);

    describe('1,000 concurrent verifications over the three', () => {
      /** What each load run answered, per key, for the check after the graceful stop. */
      const answered = new Map<string, Tally>();
      const run = async (settings: Record<string, unknown>): Promise<Tally> => {
        const { id, secret } = await database.createKey(services[0]!, settings);
        const tally = await load(services, 1000, { key: secret });
        answered.set(id, tally);
        return tally;
      };

      it('admit exactly a daily quota of 100', async () => {
        expect(await run({ quota: { daily: 100 }, rateLimit: UNLIMITED_RATE })).to.deep.equal({ VALID: 100, QUOTA_EXCEEDED: 900 });
      });

      it('admit exactly 100 credits', async () => {
        expect(await run({ credits: { remaining: 100 }, rateLimit: UNLIMITED_RATE })).to.deep.equal({ VALID: 100, QUOTA_EXCEEDED: 900 });
      });

      it('admit exactly a rate limit of 100 per hour, counted in Redis', async () => {
        // A fixed window that ended mid-run would rightly admit a second 100: start well inside one.
        const toNextHour = 3_600_000 - (Date.now() % 3_600_000);
        if (toNextHour < 5000) await sleep(toNextHour + 100);
        expect(await run({ rateLimit: { limit: 100, windowSeconds: 3600 } })).to.deep.equal({ VALID: 100, RATE_LIMITED: 900 });
      });

      it('after SIGTERM, usage counts and request logs add up to exactly what was answered', async function () {
        this.timeout(30_000);
        expect(answered.size, 'the load runs above ran').to.equal(3);
        const exitCodes = await Promise.all(services.map((service) => service.stop('SIGTERM')));
        expect(exitCodes, 'graceful exit codes').to.deep.equal([0, 0, 0]);
        const knex = database.db.knex;
        for (const [keyId, tally] of answered) {
          const key = (await knex('api_keys').where({ id: keyId }).first('usage_count')) as { usage_count: number | string };
          const logged: Record<string, number> = {};
          for (const { code } of await readLogs(knex, { keyId })) logged[code] = (logged[code] ?? 0) + 1;
          expect(Number(key.usage_count), `usageCount of ${keyId}`).to.equal(tally.VALID);
          expect(logged, `request logs of ${keyId} by code`).to.deep.equal(tally);
        }
      });
    });

    describe('a process killed mid-run', () => {
      before(async function () {
        this.timeout(30_000);
        await Promise.all(services.filter((service) => !service.running).map((service) => service.restart()));
        await Promise.all(services.map((service) => waitForRedis(service)));
      });

      it('never lets the cluster admit more than the quota, across the crash and the restart', async function () {
        this.timeout(40_000);
        const [, victim] = services as [ServiceProcess, ServiceProcess, ServiceProcess];
        const { secret } = await database.createKey(services[0]!, { quota: { daily: 100 }, rateLimit: UNLIMITED_RATE });
        let killed: Promise<number | null> | null = null;
        const during = await load(services, 1000, { key: secret }, {
          onAnswer: (_code, tally) => {
            if (!killed && (tally.VALID ?? 0) >= 20) killed = victim.stop('SIGKILL');
          },
        });
        expect(killed, 'the victim was killed while the load ran').not.to.equal(null);
        expect(await killed, 'SIGKILL leaves no exit code').to.equal(null);
        await victim.restart();

        const after: Tally = {};
        const deadline = Date.now() + 20_000;
        for (;;) {
          const round = await Promise.all(services.map((service) => verifyCode(service, { key: secret })));
          for (const code of round) after[code] = (after[code] ?? 0) + 1;
          if (round.every((code) => code === 'QUOTA_EXCEEDED')) break;
          expect(Date.now(), `still answering ${round.join(', ')} after 20 s`).to.be.below(deadline);
        }
        const admitted = (during.VALID ?? 0) + (after.VALID ?? 0);
        console.log(`      admitted ${during.VALID ?? 0} during the run (${during.NO_ANSWER ?? 0} unanswered), ${after.VALID ?? 0} after the restart`);
        expect(admitted, 'admitted in all').to.be.at.most(100);
        expect(Object.keys(during).concat(Object.keys(after))).to.satisfy((codes: string[]) =>
          codes.every((code) => ['VALID', 'QUOTA_EXCEEDED', 'NO_ANSWER'].includes(code)),
        );
      });
    });

    describe('a change made through one process', () => {
      /** A key every process has verified, and so caches. */
      const cachedEverywhere = async (): Promise<{ id: string; secret: string }> => {
        const key = await database.createKey(services[0]!, { rateLimit: UNLIMITED_RATE });
        expect(await Promise.all(services.map((service) => verifyCode(service, { key: key.secret })))).to.deep.equal(['VALID', 'VALID', 'VALID']);
        return key;
      };

      /** Applies `change` through A; A answers `expected` at once, B and C within a second (printed). */
      const propagates = async (what: string, change: (keyId: string) => Promise<string>, expected: string): Promise<void> => {
        const [a, b, c] = services as [ServiceProcess, ServiceProcess, ServiceProcess];
        const { id, secret } = await cachedEverywhere();
        const since = performance.now();
        const fresh = await change(id);
        expect(await verifyCode(a, { key: secret }), 'on A, at once').to.equal(expected);
        const [onB, onC] = await Promise.all([timeUntil(b, { key: secret }, expected, since), timeUntil(c, { key: secret }, expected, since)]);
        console.log(`      ${what}: B answered ${expected} after ${onB} ms, C after ${onC} ms`);
        expect(onB, `${what} seen on B (ms)`).to.be.below(1000);
        expect(onC, `${what} seen on C (ms)`).to.be.below(1000);
        if (fresh) expect(await Promise.all(services.map((service) => verifyCode(service, { key: fresh }))), 'the new secret').to.deep.equal(['VALID', 'VALID', 'VALID']);
      };

      const action = (name: string, body?: Record<string, unknown>) => async (keyId: string): Promise<string> => {
        const res = await call(services[0]!, database.rootKey, 'POST', `/v1/keys/${keyId}/${name}`, body);
        expect(res.status, JSON.stringify(res.body)).to.equal(200);
        return (res.body.secret as string | undefined) ?? '';
      };

      it('revoke: the others answer REVOKED within 1 s', async () => {
        await propagates('revoke', action('revoke'), 'REVOKED');
      });

      it('disable: the others answer DISABLED within 1 s', async () => {
        await propagates('disable', action('disable'), 'DISABLED');
      });

      it('rotate without overlap: the others answer INVALID for the old secret within 1 s, and take the new one', async () => {
        await propagates('rotate', action('rotate', {}), 'INVALID');
      });

      it('a root key revoked over HTTP through A is refused by A at once, and by B and C through the bus, long before their cache TTL', async () => {
        const [a, b, c] = services as [ServiceProcess, ServiceProcess, ServiceProcess];
        const created = await call(a, database.rootKey, 'POST', '/v1/root-keys', { name: `reader ${Math.random()}`, scopes: ['keys:read'] });
        expect(created.status, JSON.stringify(created.body)).to.equal(201);
        const { rootKey, secret } = created.body as { rootKey: { id: string }; secret: string };
        // Each process authenticates it once, and so caches it.
        expect(await Promise.all(services.map(async (service) => (await call(service, secret, 'GET', '/v1/keys?limit=1')).status))).to.deep.equal([200, 200, 200]);
        const since = performance.now();
        expect((await call(a, database.rootKey, 'POST', `/v1/root-keys/${rootKey.id}/revoke`)).status).to.equal(200);
        expect((await call(a, secret, 'GET', '/v1/keys?limit=1')).status, 'on A, at once').to.equal(401);
        const refusedAfter = async (service: ServiceProcess): Promise<number> => {
          for (;;) {
            if ((await call(service, secret, 'GET', '/v1/keys?limit=1')).status === 401) return Math.round(performance.now() - since);
            expect(performance.now() - since, 'still accepted after 5 s').to.be.below(5000);
            await sleep(25);
          }
        };
        const [onB, onC] = await Promise.all([refusedAfter(b), refusedAfter(c)]);
        // These processes cache a root key for 30 s: a refusal within 5 s came through the invalidation bus.
        console.log(`      root key revoke: B refused it after ${onB} ms, C after ${onC} ms`);
      });
    });
  });

  describe('two processes without Redis, cache TTL 1 s', () => {
    let services: ServiceProcess[] = [];
    before(async function () {
      this.timeout(30_000);
      services = await startServices(2, serviceEnv(database.url(), { KEYSMITH_CACHE_TTL_SECONDS: '1' }));
    });
    after(() => killAll(services));
    printDiagnosticsOnFailure(() => services);

    it('a revoke through A is seen by B within the cache TTL', async () => {
      const [a, b] = services as [ServiceProcess, ServiceProcess];
      const { id, secret } = await database.createKey(a, { rateLimit: UNLIMITED_RATE });
      expect(await verifyCode(a, { key: secret })).to.equal('VALID');
      // B caches the key just before the revoke: the longest it can go on trusting it.
      expect(await verifyCode(b, { key: secret })).to.equal('VALID');
      const since = performance.now();
      expect((await call(a, database.rootKey, 'POST', `/v1/keys/${id}/revoke`)).status).to.equal(200);
      expect(await verifyCode(a, { key: secret }), 'on A, at once').to.equal('REVOKED');
      const onB = await timeUntil(b, { key: secret }, 'REVOKED', since);
      console.log(`      without Redis: B answered REVOKED after ${onB} ms (cache TTL 1000 ms)`);
      expect(onB, 'revoke seen on B (ms)').to.be.at.most(1500);
    });
  });
});
