import { expect } from 'chai';
import type { WindowCheck } from '../../src/verify/ports';
import { closeRedis, connectRedis, RedisFailureTracker, RedisRateLimiter, type RedisClient } from '../../src/verify/redis';
import { describeRedisCluster, type LocalRedisCluster } from '../helpers/redisCluster';
import { waitFor } from '../helpers/redis';
import {
  BURST_VERIFY_TIMEOUT_MS,
  call,
  killAll,
  serviceEnv,
  SharedDatabase,
  sleep,
  startServices,
  waitForRedis,
  type ServiceProcess,
} from '../helpers/processes';

type Tally = Record<string, number>;

/**
 * Two `keysmith serve` processes on one MySQL database and a Redis Cluster of three masters that the suite
 * starts on loopback ports: rate limits are shared exactly through the cluster, a revocation reaches the
 * other process within a second through cluster pub/sub, and a master lost mid-run leaves rate limits per
 * instance (said once) and quotas exact, and sharing comes back by itself with the master.
 */
describeRedisCluster('shared verification state', (cluster) => {
  describe('the limiter and failure tracker of two instances on the cluster', () => {
    const prefix = `kstest${process.pid}:ports:`;
    let clients: RedisClient[] = [];
    before(async () => {
      clients = [connectRedis(cluster().url, 'test-a'), connectRedis(cluster().url, 'test-b')];
      for (const client of clients) client.on('error', () => undefined);
      await waitFor('both cluster connections ready', () => clients.every((client) => client.status === 'ready'), 10_000);
    });
    after(() => Promise.all(clients.map((client) => closeRedis(client))));

    it('a plan limit and a key limit in different slots: exactly the smaller is admitted, and refused calls give back what they took', async () => {
      const now = Date.now();
      const checks: WindowCheck[] = [
        { id: 'plan-s:ws_cluster', limit: 30, windowMs: 3_600_000 },
        { id: 'key:key_cluster', limit: 50, windowMs: 3_600_000 },
      ];
      const limiters = clients.map((client) => new RedisRateLimiter({ client, prefix }));
      const outcomes = await Promise.all(Array.from({ length: 200 }, (_, i) => limiters[i % 2]!.consume(checks, now)));
      expect(outcomes.filter((outcome) => outcome.allowed)).to.have.length(30);
      const after = await limiters[1]!.peek(checks, now);
      expect(after.states.map((state) => state.remaining), 'plan, key remaining').to.deep.equal([0, 20]);
    });

    it('failures recorded through both block the (workspace, IP) on both: the log and the block share a slot', async () => {
      const now = Date.now();
      const trackers = clients.map((client) => new RedisFailureTracker({ client, prefix }));
      const policy = { maxFailures: 3, windowSeconds: 60, blockSeconds: 60 };
      await trackers[0]!.recordFailure('ws_cluster', '203.0.113.7', policy, now);
      await trackers[1]!.recordFailure('ws_cluster', '203.0.113.7', policy, now + 1);
      expect(await trackers[0]!.blockedUntil('ws_cluster', '203.0.113.7', now + 2)).to.equal(null);
      await trackers[0]!.recordFailure('ws_cluster', '203.0.113.7', policy, now + 2);
      expect(await trackers[1]!.blockedUntil('ws_cluster', '203.0.113.7', now + 3)).to.equal(now + 2 + 60_000);
      expect(await trackers[1]!.blockedUntil('ws_cluster', '198.51.100.1', now + 3)).to.equal(null);
    });
  });

  describe('two service processes', () => {
    servicesOnCluster(cluster);
  });
});

function servicesOnCluster(cluster: () => LocalRedisCluster): void {
  if (!process.env.KEYSMITH_TEST_MYSQL_URL) {
    before(function () {
      if (process.env.CI === 'true') throw new Error('KEYSMITH_TEST_MYSQL_URL is not set: CI must run the MySQL suites');
      console.log('      (skipped: set KEYSMITH_TEST_MYSQL_URL=mysql://root@127.0.0.1:3306/test to run the Redis Cluster suite)');
      this.skip();
    });
    it('runs against MySQL and a Redis Cluster', () => undefined);
    return;
  }

  let database: SharedDatabase;
  let services: ServiceProcess[] = [];
  before(async function () {
    this.timeout(30_000);
    database = await SharedDatabase.create();
    const env = serviceEnv(database.url(), {
      KEYSMITH_REDIS_URL: cluster().url,
      KEYSMITH_REDIS_PREFIX: `kstest${process.pid}:`,
      KEYSMITH_VERIFY_TIMEOUT_MS: String(BURST_VERIFY_TIMEOUT_MS),
    });
    services = await startServices(2, env);
    await Promise.all(services.map((service) => waitForRedis(service)));
  });
  after(async () => {
    await killAll(services);
    await database?.dispose();
  });
  afterEach(function () {
    if (this.currentTest?.state === 'failed') for (const service of services) console.log(service.diagnostics());
  });

  const verifyCode = async (on: ServiceProcess, secret: string): Promise<string> => {
    try {
      const res = await call(on, database.rootKey, 'POST', '/v1/verify', { key: secret });
      return res.status === 200 ? (res.body.code as string) : `HTTP_${res.status}`;
    } catch {
      return 'NO_ANSWER';
    }
  };

  /** `total` verifications round-robin over the services, 100 in flight; the answers by code. */
  const load = async (total: number, secret: string): Promise<Tally> => {
    const tally: Tally = {};
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < total) {
        const code = await verifyCode(services[next++ % services.length]!, secret);
        tally[code] = (tally[code] ?? 0) + 1;
      }
    };
    await Promise.all(Array.from({ length: 100 }, worker));
    return tally;
  };

  /** A fixed window that ends mid-run would rightly admit a second batch: start well inside one hour. */
  const insideOneHour = async (): Promise<void> => {
    const toNextHour = 3_600_000 - (Date.now() % 3_600_000);
    if (toNextHour < 10_000) await sleep(toNextHour + 100);
  };

  const redisWarnings = (service: ServiceProcess) =>
    service.logs().filter((line) => /redis unavailable/.test(String(line.msg)) && (line.level as number) >= 40);

  it('1,000 concurrent verifications over the two admit exactly a rate limit of 100', async function () {
    this.timeout(30_000);
    await insideOneHour();
    const { secret } = await database.createKey(services[0]!, { rateLimit: { limit: 100, windowSeconds: 3600 } });
    expect(await load(1000, secret)).to.deep.equal({ VALID: 100, RATE_LIMITED: 900 });
  });

  /** Milliseconds until B answers REVOKED for a key cached on both and revoked through A; fails past 5 s. */
  const revocationDelay = async (): Promise<number> => {
    const [a, b] = services as [ServiceProcess, ServiceProcess];
    const { id, secret } = await database.createKey(a, {});
    expect([await verifyCode(a, secret), await verifyCode(b, secret)], 'cached on both').to.deep.equal(['VALID', 'VALID']);
    const since = performance.now();
    expect((await call(a, database.rootKey, 'POST', `/v1/keys/${id}/revoke`)).status).to.equal(200);
    expect(await verifyCode(a, secret), 'on A, at once').to.equal('REVOKED');
    let code = await verifyCode(b, secret);
    while (code !== 'REVOKED' && performance.now() - since < 5000) {
      await sleep(25);
      code = await verifyCode(b, secret);
    }
    expect(code, 'on B').to.equal('REVOKED');
    return Math.round(performance.now() - since);
  };

  it('a revocation through one reaches the other within 1 s', async () => {
    const elapsed = await revocationDelay();
    console.log(`      revoke: B answered REVOKED after ${elapsed} ms`);
    expect(elapsed, 'revocation seen on B (ms)').to.be.below(1000);
  });

  it('with a master killed, rate limits are per instance (one warning each) and quotas exact; sharing comes back with the master', async function () {
    this.timeout(50_000);
    await insideOneHour();
    const outage = await database.createKey(services[0]!, { quota: { daily: 150 }, rateLimit: { limit: 100, windowSeconds: 3600 } });
    await cluster().kill(0);
    // Past the node timeout the cluster refuses every slot (full coverage is required): wait until both
    // processes have noticed, one verification at a time, before the burst.
    const deadline = Date.now() + 15_000;
    const healthy = async (service: ServiceProcess): Promise<boolean> =>
      /^keysmith_redis_healthy 1$/m.test(await (await fetch(`${service.url}/metrics`)).text());
    const probe = await database.createKey(services[0]!, {});
    while ((await healthy(services[0]!)) || (await healthy(services[1]!))) {
      if (Date.now() > deadline) throw new Error('the processes still use Redis 15 s after a master was killed');
      await Promise.all(services.map((service) => verifyCode(service, probe.secret)));
      await sleep(100);
    }
    // Each process counts the rate limit of 100 on its own (up to 200 together); the daily quota of 150
    // lives in the database and still admits exactly 150.
    const tally = await load(400, outage.secret);
    expect(tally.VALID, JSON.stringify(tally)).to.equal(150);
    for (const service of services) expect(redisWarnings(service), `${service.name}: Redis warnings`).to.have.length(1);

    await cluster().restart(0);
    const back = Date.now() + 15_000;
    while (!(await healthy(services[0]!)) || !(await healthy(services[1]!))) {
      if (Date.now() > back) throw new Error('the processes did not go back to Redis within 15 s of the master restarting');
      await Promise.all(services.map((service) => verifyCode(service, probe.secret)));
      await sleep(100);
    }
    const { secret } = await database.createKey(services[0]!, { rateLimit: { limit: 100, windowSeconds: 3600 } });
    expect(await load(1000, secret), 'shared again').to.deep.equal({ VALID: 100, RATE_LIMITED: 900 });
    const elapsed = await revocationDelay();
    console.log(`      revoke after the master came back: B answered REVOKED after ${elapsed} ms`);
    expect(elapsed, 'revocation seen on B after recovery (ms)').to.be.below(1000);
    for (const service of services) expect(redisWarnings(service), `${service.name}: still one warning`).to.have.length(1);
  });
}
