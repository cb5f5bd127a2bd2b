import { expect } from 'chai';
import { generateSecret } from '../../src/domain/secrets';
import {
  call,
  describeCluster,
  killAll,
  serviceEnv,
  SharedDatabase,
  sleep,
  startServices,
  waitForRedis,
  type Answer,
  type ServiceProcess,
} from '../helpers/processes';
import { CuttableProxy } from '../helpers/redis';

const UNLIMITED_RATE = { limit: 1_000_000, windowSeconds: 60 };
/** The workspace default: this many invalid keys from one IP within 5 minutes block it. */
const MAX_FAILURES = 20;

/**
 * Outages of what a service process depends on, played with a TCP proxy between it and MySQL or Redis:
 * without the database verification fails closed and quickly, and comes back by itself; without Redis it
 * goes on with per-instance limits, says so once, and keeps quotas exact.
 */
describeCluster('verification when a dependency is down', (redis) => {
  let database: SharedDatabase;
  before(async function () {
    this.timeout(30_000);
    database = await SharedDatabase.create();
  });
  after(async () => {
    await database?.dispose();
  });

  /** A verification, and how long its answer took. */
  const verify = async (on: ServiceProcess, payload: Record<string, unknown>): Promise<Answer & { ms: number }> => {
    const started = performance.now();
    const answer = await call(on, database.rootKey, 'POST', '/v1/verify', payload);
    return { ...answer, ms: performance.now() - started };
  };
  /** The code of a 200, else `HTTP_<status>`. */
  const codeOf = (answer: Answer): string => (answer.status === 200 ? (answer.body.code as string) : `HTTP_${answer.status}`);
  const codes = async (on: ServiceProcess, n: number, payload: Record<string, unknown>): Promise<string[]> => {
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(codeOf(await verify(on, payload)));
    return out;
  };
  const count = (list: string[], code: string): number => list.filter((c) => c === code).length;

  /** Milliseconds from `since` until `on` answers `expected`; fails after `timeoutMs`. */
  const timeUntil = async (on: ServiceProcess, payload: Record<string, unknown>, expected: string, since: number, timeoutMs: number): Promise<number> => {
    for (;;) {
      const code = codeOf(await verify(on, payload));
      const elapsed = performance.now() - since;
      if (code === expected) return Math.round(elapsed);
      if (elapsed > timeoutMs) throw new Error(`${on.name} still answers ${code} (not ${expected}) after ${Math.round(elapsed)} ms`);
      await sleep(50);
    }
  };

  /** A fixed window ending mid-test would rightly admit again: start well inside the hour. */
  const awayFromHourBoundary = async (): Promise<void> => {
    const toNextHour = 3_600_000 - (Date.now() % 3_600_000);
    if (toNextHour < 15_000) await sleep(toNextHour + 100);
  };

  const printDiagnosticsOnFailure = (services: () => ServiceProcess[]) =>
    afterEach(function () {
      if (this.currentTest?.state === 'failed') for (const service of services()) console.log(service.diagnostics());
    });

  describe('MySQL unreachable', () => {
    let proxy: CuttableProxy;
    let services: ServiceProcess[] = [];
    before(async function () {
      this.timeout(30_000);
      proxy = await CuttableProxy.start(process.env.KEYSMITH_TEST_MYSQL_URL!);
      services = await startServices(1, serviceEnv(database.url(proxy.url)));
    });
    after(async () => {
      await killAll(services);
      await proxy?.cut();
    });
    printDiagnosticsOnFailure(() => services);

    it('answers 503 quickly, blocks no IP, consumes nothing, and recovers by itself', async function () {
      this.timeout(40_000);
      const [service] = services as [ServiceProcess];
      const cached = await database.createKey(service, { rateLimit: UNLIMITED_RATE });
      const leased = await database.createKey(service, { quota: { daily: 5 }, rateLimit: UNLIMITED_RATE });
      const untouched = await database.createKey(service, { quota: { daily: 5 }, rateLimit: UNLIMITED_RATE });
      expect(await codes(service, 1, { key: cached.secret })).to.deep.equal(['VALID']);
      expect(await codes(service, 1, { key: leased.secret }), 'leased: one of its 5 before the outage').to.deep.equal(['VALID']);
      const invalidKeys = Array.from({ length: MAX_FAILURES + 5 }, (_, i) => (i % 2 ? generateSecret('acme', 'live') : `acme_live_garbage${i}`));

      // The control: these invalid keys do block an IP while the database is up.
      for (const key of invalidKeys.slice(0, MAX_FAILURES)) expect(codeOf(await verify(service, { key, ip: '198.51.100.1' }))).to.equal('INVALID');
      expect(await codes(service, 1, { key: cached.secret, ip: '198.51.100.1' }), 'control IP').to.deep.equal(['IP_BLOCKED']);

      await proxy.cut();
      const cutAt = performance.now();
      const slowest = { ms: 0 };
      const during = async (payload: Record<string, unknown>): Promise<Answer> => {
        const answer = await verify(service, payload);
        slowest.ms = Math.max(slowest.ms, answer.ms);
        return answer;
      };
      // A cached key needs no database until something is written or leased: how long until it says 503.
      let first: Answer;
      do first = await during({ key: cached.secret });
      while (first.status === 200 && performance.now() - cutAt < 5000);
      const failedClosedMs = Math.round(performance.now() - cutAt);
      expect(first.status, JSON.stringify(first.body)).to.equal(503);
      expect(first.body.error.code).to.equal('UNAVAILABLE');
      for (const payload of [{ key: cached.secret }, { key: leased.secret }, { key: untouched.secret }]) {
        expect(codeOf(await during(payload)), JSON.stringify(payload)).to.equal('HTTP_503');
      }
      for (const key of invalidKeys) expect(codeOf(await during({ key, ip: '198.51.100.2' })), key).to.equal('HTTP_503');
      // Long enough for idle leases to be swept (their return fails) and for flushes to be retried.
      while (performance.now() - cutAt < 3500) {
        expect(codeOf(await during({ key: leased.secret }))).to.equal('HTTP_503');
        await sleep(100);
      }
      expect(slowest.ms, 'slowest answer during the outage (ms)').to.be.below(3000);

      await proxy.restore();
      const recoveredMs = await timeUntil(service, { key: cached.secret }, 'VALID', performance.now(), 10_000);
      console.log(`      503 ${failedClosedMs} ms after the cut (slowest answer ${Math.round(slowest.ms)} ms); VALID again ${recoveredMs} ms after the restore`);
      expect(failedClosedMs, 'first 503 after the cut (ms)').to.be.below(3000);
      expect(recoveredMs, 'VALID again after the restore (ms)').to.be.below(5000);

      expect(await codes(service, 1, { key: cached.secret, ip: '198.51.100.2' }), 'the IP that sent invalid keys during the outage').to.deep.equal(['VALID']);
      const untouchedCodes = await codes(service, 8, { key: untouched.secret });
      expect(count(untouchedCodes, 'VALID'), `untouched (quota 5): ${untouchedCodes.join(' ')}`).to.equal(5);
      const leasedCodes = await codes(service, 8, { key: leased.secret });
      // A lease held when the outage began must not lose its units (e.g. to an idle sweep whose return failed).
      expect(count(leasedCodes, 'VALID'), `leased (quota 5, 1 used before the outage): ${leasedCodes.join(' ')}`).to.equal(4);
    });
  });

  describe('Redis unreachable', () => {
    let proxy: CuttableProxy;
    let services: ServiceProcess[] = [];
    before(async function () {
      this.timeout(30_000);
      proxy = await CuttableProxy.start(redis.url);
      services = await startServices(2, serviceEnv(database.url(), { KEYSMITH_REDIS_URL: proxy.url, KEYSMITH_REDIS_PREFIX: redis.namespace() }));
      await Promise.all(services.map((service) => waitForRedis(service)));
    });
    after(async () => {
      await killAll(services);
      await proxy?.cut();
    });
    printDiagnosticsOnFailure(() => services);

    const redisWarnings = (service: ServiceProcess) => service.logs().filter((line) => /redis/i.test(String(line.msg)) && line.level >= 40);

    it('keeps answering with per-instance rate limits and exact quotas, warns once, and shares limits again when it is back', async function () {
      this.timeout(40_000);
      const [a, b] = services as [ServiceProcess, ServiceProcess];
      await awayFromHourBoundary();
      const open = await database.createKey(a, { rateLimit: UNLIMITED_RATE });
      const limited = await database.createKey(a, { rateLimit: { limit: 5, windowSeconds: 3600 } });
      const quota = await database.createKey(a, { quota: { daily: 10 }, rateLimit: UNLIMITED_RATE });
      const sharedAgain = await database.createKey(a, { rateLimit: { limit: 5, windowSeconds: 3600 } });
      expect(redisWarnings(a).concat(redisWarnings(b)), 'no warning while Redis is up').to.deep.equal([]);

      await proxy.cut();
      for (const service of services) {
        const answers = await Promise.all(Array.from({ length: 5 }, () => verify(service, { key: open.secret })));
        expect(answers.map(codeOf), `${service.name}: a key without limits`).to.deep.equal(Array(5).fill('VALID'));
        expect(Math.max(...answers.map((answer) => answer.ms)), `${service.name}: slowest answer (ms)`).to.be.below(1000);
      }
      expect(await codes(a, 6, { key: limited.secret }), 'limit 5 on A').to.deep.equal(['VALID', 'VALID', 'VALID', 'VALID', 'VALID', 'RATE_LIMITED']);
      expect(await codes(b, 6, { key: limited.secret }), 'limit 5 on B, counted apart').to.deep.equal(['VALID', 'VALID', 'VALID', 'VALID', 'VALID', 'RATE_LIMITED']);
      const quotaCodes = await Promise.all(Array.from({ length: 30 }, (_, i) => verify(services[i % 2]!, { key: quota.secret }).then(codeOf)));
      expect({ VALID: count(quotaCodes, 'VALID'), QUOTA_EXCEEDED: count(quotaCodes, 'QUOTA_EXCEEDED') }, 'quota 10 over A and B').to.deep.equal({ VALID: 10, QUOTA_EXCEEDED: 20 });
      await sleep(1500); // reconnection attempts fail meanwhile; none may warn again
      for (const service of services) {
        const warnings = redisWarnings(service);
        expect(warnings.map((line) => line.msg), `${service.name}: Redis warnings`).to.have.length(1);
        expect(warnings[0]!.level, 'logged as a warning').to.equal(40);
      }

      await proxy.restore();
      const restoredAt = performance.now();
      await Promise.all(services.map((service) => waitForRedis(service)));
      console.log(`      limits shared again ${Math.round(performance.now() - restoredAt)} ms after Redis came back`);
      const alternating: string[] = [];
      for (let i = 0; i < 8; i++) alternating.push(codeOf(await verify(services[i % 2]!, { key: sharedAgain.secret })));
      expect(alternating, 'limit 5 over A and B, shared').to.deep.equal(['VALID', 'VALID', 'VALID', 'VALID', 'VALID', 'RATE_LIMITED', 'RATE_LIMITED', 'RATE_LIMITED']);
      for (const service of services) expect(redisWarnings(service), `${service.name}: still one warning`).to.have.length(1);
    });
  });
});
