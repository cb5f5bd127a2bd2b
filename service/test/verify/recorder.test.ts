import { expect } from 'chai';
import type { Database } from '../../src/db/database';
import { createLogger } from '../../src/logger';
import type { RequestLogEntry } from '../../src/repositories/requestLogBatch';
import { Metrics } from '../../src/verify/metrics';
import { Recorder, type RecorderOptions } from '../../src/verify/recorder';
import { forEachDialect } from '../helpers/databases';
import { Harness } from '../helpers/harness';
import { readLogs } from '../helpers/requestLogs';

const DAY_MS = 24 * 60 * 60 * 1000;

/** The request-log recorder against a real database that fails when told to: retries write each log and count once. */
forEachDialect('Request-log flushes that fail', (dialect) => {
  let h: Harness;
  let recorder: Recorder | undefined;
  let keyId: string;
  let metrics: Metrics;
  const failures: unknown[] = [];
  /** What the next transactions do: fail before they start, or fail after their COMMIT went through. */
  let faults: Array<'before' | 'after commit'> = [];

  beforeEach(async () => {
    h = await Harness.start(dialect);
    keyId = (await h.createKey()).key.id as string;
    metrics = new Metrics();
    failures.length = 0;
    faults = [];
  });
  afterEach(async () => {
    await recorder?.close();
    recorder = undefined;
    await h?.stop();
  });

  const start = (options: Partial<RecorderOptions> = {}): Recorder => {
    const real = h.app.db;
    const flaky = Object.create(real) as Database;
    flaky.transaction = async (work, config) => {
      const fault = faults.shift();
      if (fault === 'before') throw new Error('connection refused');
      const result = await real.transaction(work, config);
      if (fault === 'after commit') throw new Error('connection lost after COMMIT');
      return result;
    };
    recorder = new Recorder(
      { db: flaky, logger: createLogger('silent'), metrics, health: { reportFailure: (err) => failures.push(err) }, now: () => h.clock.now().getTime() },
      { flushMs: 60_000, batch: 1_000, maxBuffered: 1_000, ...options },
    );
    return recorder;
  };
  const record = (from: number, to: number): void => {
    for (let i = from; i < to; i++) recorder!.record(entry(h.tenants.acme.workspaceId, keyId, i, h.clock.now().getTime()), true);
  };
  const written = async (): Promise<{ endpoints: string[]; usageCount: number }> => {
    const rows = await readLogs(h.app.db.knex, { keyId });
    const key = (await h.app.db.knex('api_keys').where({ id: keyId }).first()) as { usage_count: number | string };
    return { endpoints: rows.map((row) => row.endpoint ?? ''), usageCount: Number(key.usage_count) };
  };
  const endpoints = (from: number, to: number): string[] => Array.from({ length: to - from }, (_, i) => `/${from + i}`);

  it('writes a flush whose COMMIT went through, though it seemed to fail, once: the retry finds its id', async () => {
    start();
    record(0, 3);
    faults = ['after commit'];
    await recorder!.flush();
    expect(failures, 'the failure is reported').to.have.length(1);
    expect(recorder!.pending, 'kept, since it may not be there').to.equal(3);
    record(3, 5);
    await recorder!.flush();
    expect(recorder!.pending).to.equal(0);
    expect(await written()).to.deep.equal({ endpoints: endpoints(0, 5), usageCount: 5 });
  });

  it('writes a flush that failed before its transaction on the next try, once', async () => {
    start();
    record(0, 3);
    faults = ['before'];
    await recorder!.flush();
    expect(await written()).to.deep.equal({ endpoints: [], usageCount: 0 });
    await recorder!.flush();
    expect(await written()).to.deep.equal({ endpoints: endpoints(0, 3), usageCount: 3 });
  });

  it('keeps what comes while the database is away in one batch behind the failed one, and drops the oldest logs beyond maxBuffered but no count', async () => {
    start({ maxBuffered: 5 });
    record(0, 4);
    faults = ['after commit', 'before', 'before'];
    await recorder!.flush();
    record(4, 8);
    await recorder!.flush();
    record(8, 10);
    await recorder!.flush();
    expect(failures).to.have.length(3);
    expect(recorder!.pending, 'maxBuffered').to.equal(5);
    expect(metrics.value('keysmith_request_logs_dropped_total', '')).to.equal(3 + 2);
    await recorder!.flush();
    expect(recorder!.pending).to.equal(0);
    // The first flush did commit, before it lost its logs to the limit: they are there, once.
    expect(await written()).to.deep.equal({ endpoints: [...endpoints(0, 4), ...endpoints(5, 10)], usageCount: 10 });
    expect(await h.count('request_log_flushes'), 'two flushes: the first, and all that waited behind it').to.equal(2);
  });

  it('forgets the ids of flushes older than a day', async () => {
    const now = h.clock.now().getTime();
    await h.app.db.knex('request_log_flushes').insert([
      { id: 'two-days-old', created_at: now - 2 * DAY_MS },
      { id: 'an-hour-old', created_at: now - DAY_MS / 24 },
    ]);
    start();
    record(0, 1);
    await recorder!.flush();
    const ids = ((await h.app.db.knex('request_log_flushes').select('id')) as Array<{ id: string }>).map((row) => row.id);
    expect(ids).to.have.length(2);
    expect(ids).to.include('an-hour-old');
    expect(ids).not.to.include('two-days-old');
  });
});

function entry(workspaceId: string, keyId: string, i: number, createdAt: number): RequestLogEntry {
  return { workspaceId, keyId, endpoint: `/${i}`, code: 'VALID', durationMicros: i, clientIp: null, creditsSpent: 0, createdAt };
}
