import { expect } from 'chai';
import { BURST_VERIFY_TIMEOUT_MS, call, describeCluster, killAll, serviceEnv, SharedDatabase, sleep, startServices, waitForRedis, type ServiceProcess } from '../helpers/processes';
import { readLogs } from '../helpers/requestLogs';

type Tally = Record<string, number>;

/** Rate limits high enough that only the balance can deny. */
const UNLIMITED_RATE = { limit: 1_000_000, windowSeconds: 60 };

/**
 * The workspace credit balance across three `keysmith serve` processes on one MySQL database and one
 * Redis: exact under concurrency, a new balance reaches every process, and what they leased and did not
 * spend is back in the database after a graceful stop.
 */
describeCluster('the workspace credit balance across a cluster', (redis) => {
  let database: SharedDatabase;
  let services: ServiceProcess[] = [];
  before(async function () {
    this.timeout(40_000);
    database = await SharedDatabase.create();
    services = await startServices(3, serviceEnv(database.url(), { KEYSMITH_REDIS_URL: redis.url, KEYSMITH_REDIS_PREFIX: redis.namespace(), KEYSMITH_VERIFY_TIMEOUT_MS: String(BURST_VERIFY_TIMEOUT_MS) }));
    await Promise.all(services.map((service) => waitForRedis(service)));
  });
  after(async () => {
    await killAll(services);
    await database?.dispose();
  });
  afterEach(function () {
    if (this.currentTest?.state === 'failed') for (const service of services) console.log(service.diagnostics());
  });

  const setBalance = async (on: ServiceProcess, creditBalance: number | null): Promise<void> => {
    const res = await call(on, database.rootKey, 'PATCH', '/v1/workspace', { creditBalance });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
  };

  /** What the database holds outside every process's lease. */
  const storedBalance = async (): Promise<number | null> => {
    const row = (await database.db.knex('workspaces').first('credit_balance')) as { credit_balance: number | string | null };
    return row.credit_balance === null ? null : Number(row.credit_balance);
  };

  const keys = async (n: number): Promise<string[]> => {
    const made: string[] = [];
    for (let i = 0; i < n; i++) made.push((await database.createKey(services[i % services.length]!, { rateLimit: UNLIMITED_RATE })).secret);
    return made;
  };

  /** `total` verifications round-robin over the processes and `secrets`, 100 in flight; answers by code and window. */
  const load = async (total: number, secrets: string[]): Promise<Tally> => {
    const tally: Tally = {};
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < total) {
        const i = next++;
        const res = await call(services[i % services.length]!, database.rootKey, 'POST', '/v1/verify', { key: secrets[i % secrets.length] });
        const code = res.status !== 200 ? `HTTP_${res.status}` : res.body.window ? `${res.body.code}:${res.body.window}` : res.body.code;
        tally[code] = (tally[code] ?? 0) + 1;
      }
    };
    await Promise.all(Array.from({ length: 100 }, worker));
    return tally;
  };

  it('1,000 concurrent cost-1 calls over the three processes and five keys admit exactly a balance of 100', async function () {
    this.timeout(30_000);
    await setBalance(services[0]!, 100);
    expect(await load(1000, await keys(5))).to.deep.equal({ VALID: 100, 'QUOTA_EXCEEDED:balance': 900 });
    expect(await storedBalance()).to.equal(0);
  });

  it('a balance set through one process applies on the others within a second, exactly', async function () {
    this.timeout(30_000);
    await setBalance(services[0]!, null);
    const secrets = await keys(3);
    // Every process caches the keys with an unlimited balance.
    expect(await load(30, secrets)).to.deep.equal({ VALID: 30 });
    await setBalance(services[1]!, 40);
    await sleep(1000);
    expect(await load(600, secrets)).to.deep.equal({ VALID: 40, 'QUOTA_EXCEEDED:balance': 560 });
  });

  it('after SIGTERM the database holds exactly the balance left: unspent leases are given back', async function () {
    this.timeout(40_000);
    await setBalance(services[2]!, 1000);
    expect(await load(90, await keys(3))).to.deep.equal({ VALID: 90 });
    const leased = await storedBalance();
    console.log(`      the database held ${leased} of 910 while the processes held their leases`);
    expect(leased).to.be.at.most(910);
    const exitCodes = await Promise.all(services.map((service) => service.stop('SIGTERM')));
    expect(exitCodes, 'graceful exit codes').to.deep.equal([0, 0, 0]);
    expect(await storedBalance()).to.equal(910);
    const spent = (await readLogs(database.db.knex)).filter((log) => log.code === 'VALID').reduce((sum, log) => sum + log.creditsSpent, 0);
    expect(spent, 'credits spent in the request logs of every VALID answer so far').to.equal(100 + 40 + 90);
  });
});
