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

    it('serves what its caches and leases hold, answers 503 quickly for the rest, blocks no IP, consumes nothing, and recovers by itself', async function () {
      this.timeout(40_000);
      const [service] = services as [ServiceProcess];
      const cached = await database.createKey(service, { rateLimit: UNLIMITED_RATE });
      const leased = await database.createKey(service, { quota: { daily: 5 }, rateLimit: UNLIMITED_RATE });
      const untouched = await database.createKey(service, { quota: { daily: 5 }, rateLimit: UNLIMITED_RATE });
      const uncached = await database.createKey(service, { rateLimit: UNLIMITED_RATE });
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
      // A key never verified here needs the database to be found.
      const first = await during({ key: untouched.secret });
      const failedClosedMs = Math.round(performance.now() - cutAt);
      expect(first.status, JSON.stringify(first.body)).to.equal(503);
      expect(first.body.error.code).to.equal('UNAVAILABLE');
      expect(first.headers['retry-after']).to.equal('1');
      // A cached key that has been used needs no database. The leased key's lease holds 2 of its 5 (a quarter
      // of what was left, rounded up), one used: the other is served, then a new lease needs the database.
      expect(codeOf(await during({ key: cached.secret })), 'cached').to.equal('VALID');
      expect(await Promise.all([during({ key: leased.secret }), during({ key: leased.secret })]).then((answers) => answers.map(codeOf).sort()), 'leased').to.deep.equal([
        'HTTP_503',
        'VALID',
      ]);
      expect(codeOf(await during({ key: untouched.secret })), 'untouched').to.equal('HTTP_503');
      // Text failing the checksum is invalid whatever the database says; a well-formed unknown key is a 503, never counted.
      for (const key of invalidKeys) {
        expect(codeOf(await during({ key, ip: '198.51.100.2' })), key).to.equal(key.includes('garbage') ? 'INVALID' : 'HTTP_503');
      }
      // Long enough for idle leases to be swept (their return fails) and for flushes to be retried.
      while (performance.now() - cutAt < 3500) {
        expect(codeOf(await during({ key: leased.secret }))).to.equal('HTTP_503');
        expect(codeOf(await during({ key: cached.secret }))).to.equal('VALID');
        await sleep(100);
      }
      expect(slowest.ms, 'slowest answer during the outage (ms)').to.be.below(3000);

      await proxy.restore();
      const recoveredMs = await timeUntil(service, { key: uncached.secret }, 'VALID', performance.now(), 10_000);
      console.log(`      503 ${failedClosedMs} ms after the cut (slowest answer ${Math.round(slowest.ms)} ms); VALID again ${recoveredMs} ms after the restore`);
      expect(failedClosedMs, 'first 503 after the cut (ms)').to.be.below(3000);
      expect(recoveredMs, 'VALID again after the restore (ms)').to.be.below(5000);

      expect(count(invalidKeys.map((key) => String(key.includes('garbage'))), 'true'), 'failed attempts counted during the outage').to.be.below(MAX_FAILURES);
      expect(await codes(service, 1, { key: cached.secret, ip: '198.51.100.2' }), 'the IP that sent invalid keys during the outage').to.deep.equal(['VALID']);
      const untouchedCodes = await codes(service, 8, { key: untouched.secret });
      expect(count(untouchedCodes, 'VALID'), `untouched (quota 5): ${untouchedCodes.join(' ')}`).to.equal(5);
      const leasedCodes = await codes(service, 8, { key: leased.secret });
      // A lease held when the outage began must not lose its units (e.g. to an idle sweep whose return failed).
      expect(count(leasedCodes, 'VALID'), `leased (quota 5, 1 used before the outage, 1 during it): ${leasedCodes.join(' ')}`).to.equal(3);
    });
  });

  describe('MySQL stops answering', () => {
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

    it('answers every verification within the timeout, serves caches and leases, over-admits nothing, and recovers by itself', async function () {
      this.timeout(40_000);
      const [service] = services as [ServiceProcess];
      await awayFromHourBoundary();
      const hot = await database.createKey(service, { rateLimit: UNLIMITED_RATE });
      const hotQuota = await database.createKey(service, { quota: { daily: 1000 }, rateLimit: UNLIMITED_RATE });
      const cold = await database.createKey(service, { rateLimit: UNLIMITED_RATE });
      // Quota 4: its first lease holds the one unit it uses, so its next request needs a grant.
      const granting = await database.createKey(service, { quota: { daily: 4 }, rateLimit: UNLIMITED_RATE });
      expect(await codes(service, 1, { key: hot.secret }), 'hot').to.deep.equal(['VALID']);
      expect(await codes(service, 1, { key: hotQuota.secret }), 'hot with a quota').to.deep.equal(['VALID']);
      expect(await codes(service, 1, { key: granting.secret }), 'granting').to.deep.equal(['VALID']);

      proxy.hold();
      const heldAt = performance.now();
      const answers: Array<Answer & { ms: number; what: string }> = [];
      const during = async (what: string, payload: Record<string, unknown>): Promise<Answer & { ms: number }> => {
        const answer = await verify(service, payload);
        answers.push({ ...answer, what });
        return answer;
      };
      // From memory: no database call, so the hold is not noticed.
      expect(codeOf(await during('hot', { key: hot.secret }))).to.equal('VALID');
      for (let i = 0; i < 5; i++) expect(codeOf(await during('hot with a quota', { key: hotQuota.secret }))).to.equal('VALID');
      // A lookup and a lease grant wait for the database until the timeout (1 s by default), not for the database.
      const [coldAnswer, grantAnswer] = await Promise.all([during('cold', { key: cold.secret }), during('granting', { key: granting.secret })]);
      for (const answer of [coldAnswer, grantAnswer]) {
        expect(answer.status, JSON.stringify(answer.body)).to.equal(503);
        expect(answer.body.error.code).to.equal('UNAVAILABLE');
        expect(answer.headers['retry-after']).to.equal('1');
      }
      // Now known down: what needs the database fails at once, what memory holds is still served.
      expect(codeOf(await during('unknown', { key: generateSecret('acme', 'live') }))).to.equal('HTTP_503');
      expect(codeOf(await during('cold again', { key: cold.secret }))).to.equal('HTTP_503');
      expect(codeOf(await during('hot', { key: hot.secret }))).to.equal('VALID');
      expect(codeOf(await during('hot with a quota', { key: hotQuota.secret }))).to.equal('VALID');

      // Management calls fail too, within the statement timeout (5 s), not when the database answers again.
      const managementStarted = performance.now();
      const management = await call(service, database.rootKey, 'GET', `/v1/keys/${cold.id}`);
      const managementMs = Math.round(performance.now() - managementStarted);
      expect(management.status, JSON.stringify(management.body)).to.equal(503);
      while (performance.now() - heldAt < 8000) {
        expect(codeOf(await during('hot with a quota', { key: hotQuota.secret }))).to.equal('VALID');
        await sleep(1000);
      }
      const slowest = answers.reduce((a, b) => (b.ms > a.ms ? b : a));
      const heldMs = Math.round(performance.now() - heldAt);

      proxy.release();
      const recoveredMs = await timeUntil(service, { key: cold.secret }, 'VALID', performance.now(), 10_000);
      console.log(
        `      held ${heldMs} ms: ${answers.length} verifications, slowest ${Math.round(slowest.ms)} ms (${slowest.what}); management 503 after ${managementMs} ms; VALID again ${recoveredMs} ms after the release`,
      );
      expect(slowest.ms, `slowest verification while held (${slowest.what})`).to.be.below(3000);
      expect(managementMs, 'management call while held (ms)').to.be.below(heldMs);
      expect(recoveredMs, 'VALID again after the release (ms)').to.be.below(5000);
      // The grant abandoned at the timeout either landed in the lease or was rolled back: of quota 4, exactly 3 remain.
      const after = await codes(service, 6, { key: granting.secret });
      expect(count(after, 'VALID'), `granting (quota 4, 1 used before the hold): ${after.join(' ')}`).to.equal(3);
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
