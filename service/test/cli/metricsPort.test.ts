import { expect } from 'chai';
import { call, describeCluster, serviceEnv, SharedDatabase, ServiceProcess } from '../helpers/processes';

const METRICS_LINE = /Keysmith metrics on (http:\/\/127\.0\.0\.1:\d+)\/metrics/;

/** The whole service's metrics, from the port KEYSMITH_METRICS_PORT opened (its address is on stderr). */
async function scrapeMetricsPort(service: ServiceProcess): Promise<string> {
  const base = METRICS_LINE.exec(service.stderr)?.[1];
  if (!base) throw new Error(`no metrics line on stderr:\n${service.diagnostics()}`);
  const res = await fetch(`${base}/metrics`);
  expect(res.status).to.equal(200);
  expect(res.headers.get('content-type')).to.equal('text/plain; version=0.0.4');
  return res.text();
}

/** Every sample of `name` in a scrape, by its labels (`worker="1",code="VALID"`; '' for none). */
function samples(text: string, name: string): Map<string, number> {
  const found = new Map<string, number>();
  for (const match of text.matchAll(new RegExp(`^${name}(?:\\{([^}]*)\\})? (\\S+)$`, 'gm'))) found.set(match[1] ?? '', Number(match[2]));
  return found;
}

/**
 * KEYSMITH_METRICS_PORT: one scrape covers the whole service. With two workers the primary answers with
 * both workers' series, labelled; the service port's /metrics still reaches one worker at a time.
 */
describeCluster('GET /metrics on KEYSMITH_METRICS_PORT', () => {
  let database: SharedDatabase;
  const services: ServiceProcess[] = [];
  before(async function () {
    this.timeout(30_000);
    database = await SharedDatabase.create();
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed') for (const service of services) console.log(service.diagnostics());
    await Promise.all(services.splice(0).map((service) => service.stop('SIGKILL')));
  });
  after(async () => {
    await database?.dispose();
  });

  it('with two workers: every scrape shows both, labelled, and their VALID counts add up to the verifications made', async function () {
    this.timeout(40_000);
    const service = await ServiceProcess.start('metrics-workers', serviceEnv(database.url(), { KEYSMITH_WORKERS: '2', KEYSMITH_METRICS_PORT: '0' }));
    services.push(service);
    const before = samples(await scrapeMetricsPort(service), 'keysmith_verifications_total');
    const { secret } = await database.createKey(service, {});
    // Fresh connections, so node:cluster hands them to both workers.
    for (let i = 0; i < 30; i++) {
      const res = await fetch(`${service.url}/v1/verify`, {
        method: 'POST',
        headers: { authorization: `Bearer ${database.rootKey}`, 'content-type': 'application/json', connection: 'close' },
        body: JSON.stringify({ key: secret }),
      });
      expect(((await res.json()) as { code: string }).code).to.equal('VALID');
    }
    const text = await scrapeMetricsPort(service);
    const pids = service.logs().filter((line) => line.msg === 'worker ready').map((line) => `${line.pid as number}`);
    expect(samples(text, 'keysmith_workers').get('')).to.equal(2);
    expect(samples(text, 'keysmith_metrics_workers_missing').get('')).to.equal(0);
    const workerPids = samples(text, 'keysmith_worker_pid');
    expect([...workerPids.keys()].sort()).to.deep.equal(['worker="1"', 'worker="2"']);
    expect([...workerPids.values()].map(String).sort()).to.deep.equal([...pids].sort());
    const valid = (scrape: Map<string, number>): number[] => ['1', '2'].map((w) => scrape.get(`worker="${w}",code="VALID"`) ?? 0);
    const grown = valid(samples(text, 'keysmith_verifications_total')).map((count, i) => count - valid(before)[i]!);
    expect(grown[0]! + grown[1]!).to.equal(30);
    expect(grown.every((count) => count > 0), `both workers answered: ${grown.join(' + ')}`).to.equal(true);
    expect(text.match(/^# TYPE keysmith_verifications_total counter$/gm)).to.have.length(1);

    const base = METRICS_LINE.exec(service.stderr)![1]!;
    expect((await fetch(`${base}/v1/keys`)).status).to.equal(404);
    expect((await call(service, database.rootKey, 'GET', '/v1/keys')).status).to.equal(200);
  });

  it('with one process: the same port answers with its own metrics, and the service stops cleanly', async function () {
    this.timeout(20_000);
    const service = await ServiceProcess.start('metrics-single', serviceEnv(database.url(), { KEYSMITH_METRICS_PORT: '0' }));
    services.push(service);
    const text = await scrapeMetricsPort(service);
    expect(text).to.match(/^# TYPE keysmith_verify_buffered_logs gauge$/m);
    expect(samples(text, 'keysmith_database_healthy').get('')).to.equal(1);
    expect(await service.stop('SIGTERM')).to.equal(0);
  });
});
