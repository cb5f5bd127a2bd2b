/**
 * `POST /v1/verify` throughput, latency and cost over real HTTP on loopback, against MySQL, compared with a
 * bare `node:http` server measured in the same run. Seeds a fresh `keysmith_bench` database directly,
 * starts the service and the bare server as child processes, loads them with autocannon, prints one table
 * and the targets, and writes bench/results/latest.json. Bounded in time (about 7 minutes by default).
 *
 *   npm run bench [-- --duration 5 --keys 100000]
 *
 * MySQL: KEYSMITH_BENCH_MYSQL_URL, else KEYSMITH_TEST_MYSQL_URL, else mysql://root@127.0.0.1:3306/test (the
 * database in the URL only serves to connect; the bench creates and drops its own). Redis (optional, one
 * extra row): KEYSMITH_BENCH_REDIS_URL, else KEYSMITH_TEST_REDIS_URL.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config';
import { PepperRing } from '../src/domain/pepper';
import { generateSecret } from '../src/domain/secrets';
import { Bench, BenchFailure, bodyOf, garbage, PAIRED_ROUNDS, progress, type PairedRuns } from './bench';
import { killAllChildren, startChild, type Child } from './children';
import { findDatabaseServer, type DatabaseServer } from './proc';
import { publish, rowOf, type CaseReport, type Row } from './report';
import { createBenchDatabase, dropBenchDatabase, KeySeeder, seedWorkspace, waitForDatabaseQuiet } from './seed';
import { targetsOf, type PairedCase } from './targets';

const { values } = parseArgs({
  options: { duration: { type: 'string', default: '5' }, keys: { type: 'string', default: '100000' } },
});
const DURATION_S = Number(values.duration);
const TOTAL_KEYS = Number(values.keys);
if (!Number.isInteger(DURATION_S) || DURATION_S < 1 || DURATION_S > 60) throw new Error(`--duration must be 1–60 seconds, got ${values.duration}`);
if (!Number.isInteger(TOTAL_KEYS) || TOTAL_KEYS < 25_000 || TOTAL_KEYS > 1_000_000) throw new Error(`--keys must be 25000–1000000, got ${values.keys}`);

const CONNECTIONS = 50;
const COLD_SERIAL_KEYS = 2_000;
const COLD_PARALLEL_KEYS = 20_000;
/** Well-formed secrets of the bench's workspace that exist nowhere, sent in turn. */
const UNKNOWN_KEYS = 1_000;
/** Distinct garbage bodies, sent in turn. */
const GARBAGE_BODIES = 1_000;

const MYSQL_URL = process.env.KEYSMITH_BENCH_MYSQL_URL || process.env.KEYSMITH_TEST_MYSQL_URL || 'mysql://root@127.0.0.1:3306/test';
const REDIS_URL = process.env.KEYSMITH_BENCH_REDIS_URL || process.env.KEYSMITH_TEST_REDIS_URL || null;

/** One body per key, then null: each request carries a key never sent before. */
function eachKeyOnce(keys: string[]): () => string | null {
  let next = 0;
  return () => (next < keys.length ? bodyOf(keys[next++]!) : null);
}


function redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

/** What the DB CPU column is, or why it is empty; printed once, under the table. */
function databaseCpuLegend(database: DatabaseServer): string {
  if (database.pid === null) return `DB CPU µs/ans: unknown (–): ${database.reason}.`;
  return (
    `DB CPU µs/ans: ${database.command} (pid ${database.pid}), user + system, over the same window as the server's CPU: from a run's ` +
    'first request until the service has written that run\'s request logs (nothing buffered and no verification query for 1 s, ' +
    'on every worker). Page writes InnoDB does later are not in it. ' +
    'On the baseline rows (the bare server writes nothing): what other clients of the same database server cost meanwhile, the floor.'
  );
}

async function main(): Promise<void> {
  const started = performance.now();
  const peppers = PepperRing.generateText();
  progress(`database: ${redact(MYSQL_URL)} → keysmith_bench (fresh)`);
  const { db, url: databaseUrl } = await createBenchDatabase(MYSQL_URL);
  const children: Child[] = [];
  try {
    const workspace = await seedWorkspace(db, PepperRing.parse(peppers));
    const seeder = new KeySeeder(db, PepperRing.parse(peppers), workspace, progress);
    const [hotKey] = await seeder.seed('hot key', 1, { keepSecrets: true });
    const coldSerialKeys = await seeder.seed('cold keys (serial)', COLD_SERIAL_KEYS, { keepSecrets: true });
    const coldParallelKeys = await seeder.seed('cold keys (parallel)', COLD_PARALLEL_KEYS, { keepSecrets: true });
    await seeder.seed('filler keys', TOTAL_KEYS - seeder.count, { keepSecrets: false });
    await waitForDatabaseQuiet(db);
    const unknownKeys = Array.from({ length: UNKNOWN_KEYS }, () => generateSecret(workspace.slug, 'live'));
    // Bodies made up front: built per request, they made the load generator, not the servers, the limit.
    const garbageBodies = Array.from({ length: GARBAGE_BODIES }, () => bodyOf(garbage()));

    const dist = resolve(__dirname, '..');
    const serviceEnv = (redisUrl: string | null, workers: number): NodeJS.ProcessEnv => {
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        KEYSMITH_DATABASE_URL: databaseUrl,
        KEYSMITH_PEPPER: peppers,
        KEYSMITH_LOG_LEVEL: 'warn',
        KEYSMITH_WORKERS: String(workers),
      };
      // With workers, the primary's metrics port answers for all of them (the service port for one process).
      delete env.KEYSMITH_METRICS_PORT;
      if (workers > 1) env.KEYSMITH_METRICS_PORT = '0';
      delete env.KEYSMITH_REDIS_URL;
      if (redisUrl) env.KEYSMITH_REDIS_URL = redisUrl;
      return env;
    };
    const startService = async (redisUrl: string | null, workers = 1): Promise<Child> => {
      const child = await startChild('keysmith serve', [resolve(dist, 'src', 'cli', 'main.js'), 'serve'], serviceEnv(redisUrl, workers));
      children.push(child);
      return child;
    };
    // The key cache's TTL as the service reads it from this environment: the period unknown keys are judged over.
    const cacheTtlSeconds = loadConfig(serviceEnv(null, 1)).cacheTtlMs / 1000;
    const bare = await startChild('bare server', [resolve(dist, 'bench', 'bare.js')], process.env);
    children.push(bare);
    let service = await startService(null);
    progress(`service on ${service.uri}, bare node:http server on ${bare.uri}`);

    const database = findDatabaseServer(MYSQL_URL);
    const databaseLegend = databaseCpuLegend(database);
    progress(databaseLegend);
    const bench = new Bench(workspace, database);
    await bench.probe(service, hotKey!);
    const timed = { connections: CONNECTIONS, durationSeconds: DURATION_S };
    const hot = { ...timed, requests: [{ kind: 'hot', expect: 'VALID', body: bodyOf(hotKey!) }] };

    const hotOne = await bench.pairs(bare, service, 'hot VALID, 1 worker', hot);
    // The same hot key through two worker processes (KEYSMITH_WORKERS=2), against the same one-process bare server.
    const twoWorkers = await startService(null, 2);
    await bench.probe(twoWorkers, hotKey!);
    const hotTwo = await bench.pairs(bare, twoWorkers, 'hot VALID, 2 workers', hot);
    await twoWorkers.stop();
    const garbageRuns = await bench.pairs(bare, service, 'garbage (bad checksum)', {
      ...timed,
      requests: [{ kind: 'garbage', expect: 'INVALID', body: garbageBodies }],
    });
    const unknownRuns = await bench.pairs(bare, service, 'unknown well-formed keys', {
      ...timed,
      requests: [{ kind: 'unknown', expect: 'INVALID', body: unknownKeys.map(bodyOf) }],
    });

    // Timed, not one request per cold key: a run of a fraction of a second is too short for its CPU times.
    const bareSerial = await bench.bare(bare, 'bare, 1 connection', { ...hot, connections: 1 });
    const coldKey = { kind: 'cold', expect: 'VALID' };
    const coldSerial = await bench.service(service, 'cold keys (first sight)', {
      connections: 1,
      durationSeconds: DURATION_S,
      amount: coldSerialKeys.length,
      requests: [{ ...coldKey, body: eachKeyOnce(coldSerialKeys) }],
    });
    const coldParallel = await bench.service(service, 'cold keys (first sight)', {
      ...timed,
      amount: coldParallelKeys.length,
      requests: [{ ...coldKey, body: eachKeyOnce(coldParallelKeys) }],
    });

    let withRedis: CaseReport | null = null;
    if (REDIS_URL) {
      await service.stop();
      service = await startService(REDIS_URL);
      progress(`service restarted with Redis (${redact(REDIS_URL)}) on ${service.uri}`);
      await bench.probe(service, hotKey!);
      withRedis = await bench.service(service, 'hot VALID, 1 worker, with Redis', hot, { informational: true });
    } else {
      progress('hot VALID, with Redis: skipped (set KEYSMITH_BENCH_REDIS_URL or KEYSMITH_TEST_REDIS_URL to include it)');
    }

    const paired = [hotOne, hotTwo, garbageRuns, unknownRuns];
    const bareRuns = paired.flatMap((p) => p.bare);
    const baseline = rowOf('baseline: bare node:http', bareRuns, null);
    const serialBaseline = rowOf('baseline: bare node:http', [bareSerial], null);
    const pairedCase = (name: string, runs: PairedRuns): PairedCase => ({
      row: rowOf(name, runs.service, runs.bare),
      bare: rowOf(`bare, paired with ${name}`, runs.bare, null),
      runs: runs.service,
    });
    const hotOneCase = pairedCase('hot VALID, 1 worker', hotOne);
    const hotTwoCase = pairedCase('hot VALID, 2 workers', hotTwo);
    const garbageCase = pairedCase('garbage (bad checksum)', garbageRuns);
    const unknownCase = pairedCase('unknown well-formed keys', unknownRuns);
    const coldSerialRow = rowOf('cold keys (first sight)', [coldSerial], serialBaseline);
    const rows: Row[] = [
      baseline,
      serialBaseline,
      hotOneCase.row,
      hotTwoCase.row,
      garbageCase.row,
      unknownCase.row,
      coldSerialRow,
      rowOf('cold keys (first sight)', [coldParallel], baseline),
      ...(withRedis ? [rowOf('hot VALID, 1 worker, with Redis', [withRedis], baseline)] : []),
    ];
    const targets = targetsOf({
      hot: hotOneCase,
      garbage: garbageCase,
      unknown: { ...unknownCase, distinctKeys: UNKNOWN_KEYS, cacheTtlSeconds },
      coldSerial: coldSerialRow,
    });
    const legend = [
      `${TOTAL_KEYS.toLocaleString('en')} keys in the table; every key's daily quota and rate limit are enforced, and too large to run out; ` +
        `request logs written behind. Timed runs last ${DURATION_S} s after a warm-up; cold runs send each key once.`,
      `Rows of ${PAIRED_ROUNDS} runs are paired cases: ${PAIRED_ROUNDS} rounds, each a bare run then the case's run, seconds apart. Their ` +
        `figures are the medians over the rounds, and their ratios (×) the medians of each round's own ratio to its bare run. The first ` +
        `baseline row is the median over all ${bareRuns.length} bare runs at ${CONNECTIONS} connections; a row of 1 run is compared with ` +
        'the baseline row at its connections.',
      'CPU µs/ans: the server\'s processes (workers and primary included), user + system, per answer, from the first request until the ' +
        'run\'s request logs are written (the bare server: until the last answer). DB q/ans: verification\'s database round trips from ' +
        'GET /metrics (lookups, leases, first use, request-log flushes; with 2 workers, from KEYSMITH_METRICS_PORT, every worker added up).',
      databaseLegend,
    ];
    const notes = [
      `2 workers ÷ 1 worker on ${CONNECTIONS} connections: ${(hotTwoCase.row.reqPerSec / hotOneCase.row.reqPerSec).toFixed(2)}× req/s ` +
        `(${hotTwoCase.row.reqPerSec.toLocaleString('en')} vs ${hotOneCase.row.reqPerSec.toLocaleString('en')}), p99 ${hotTwoCase.row.p99Ms} vs ${hotOneCase.row.p99Ms} ms, ` +
        `server CPU ${hotTwoCase.row.cpuMicrosPerResponse ?? '–'} vs ${hotOneCase.row.cpuMicrosPerResponse ?? '–'} µs per answer (medians of their rounds).`,
      ...(database.pid === null
        ? []
        : [
            `Database CPU per answer: hot VALID ${hotOneCase.row.dbCpuMicrosPerResponse ?? '–'} µs with 1 worker, ${hotTwoCase.row.dbCpuMicrosPerResponse ?? '–'} µs ` +
              `with 2; garbage ${garbageCase.row.dbCpuMicrosPerResponse ?? '–'} µs (no lookup: its request logs alone); ` +
              `bare ${baseline.dbCpuMicrosPerResponse ?? '–'} µs (other clients of the server meanwhile).`,
          ]),
    ];
    const file = publish({
      options: {
        durationSeconds: DURATION_S,
        connections: CONNECTIONS,
        pairedRounds: PAIRED_ROUNDS,
        totalKeys: TOTAL_KEYS,
        coldSerialKeys: COLD_SERIAL_KEYS,
        coldParallelKeys: COLD_PARALLEL_KEYS,
        unknownKeys: UNKNOWN_KEYS,
        cacheTtlSeconds,
      },
      database: redact(MYSQL_URL),
      databaseCpu: database.pid === null ? { reason: database.reason } : { pid: database.pid, command: database.command },
      redis: REDIS_URL ? redact(REDIS_URL) : null,
      rows,
      runs: bench.runs,
      legend,
      targets,
      notes,
      details: { seedingSeconds: seeder.seconds, totalSeconds: Math.round((performance.now() - started) / 1000) },
    });
    progress(`wrote ${file} (${Math.round((performance.now() - started) / 1000)} s in all)`);
  } finally {
    await Promise.all(children.map((child) => child.stop()));
    await db.close();
    await dropBenchDatabase(MYSQL_URL).catch((err: unknown) => progress(`could not drop keysmith_bench: ${String(err)}`));
  }
}

process.on('SIGINT', () => {
  killAllChildren();
  process.exit(130);
});

main().catch((err: unknown) => {
  killAllChildren();
  process.stderr.write(`\nbench failed: ${err instanceof Error ? (err instanceof BenchFailure ? err.message : (err.stack ?? err.message)) : String(err)}\n`);
  process.exit(1);
});
