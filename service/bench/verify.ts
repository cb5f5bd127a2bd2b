/**
 * `POST /v1/verify` throughput and latency over real HTTP on loopback, against MySQL, compared with a bare
 * Hapi route measured in the same run. Seeds a fresh `keysmith_bench` database directly, starts the
 * service and the bare server as child processes, loads them with autocannon, prints a table and the
 * targets, and writes bench/results/latest.json. Bounded in time (about 5 minutes by default).
 *
 *   npm run bench [-- --duration 8]
 *
 * MySQL: KEYSMITH_BENCH_MYSQL_URL, else KEYSMITH_TEST_MYSQL_URL, else mysql://root@127.0.0.1:3306/test (the
 * database in the URL only serves to connect; the bench creates and drops its own). Redis (optional, one
 * extra row): KEYSMITH_BENCH_REDIS_URL, else KEYSMITH_TEST_REDIS_URL.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { PepperRing } from '../src/domain/pepper';
import { Bench, BenchFailure, bodyOf, garbage, progress } from './bench';
import { killAllChildren, startChild, type Child } from './children';
import { LOOKUP_SERIES } from './metrics';
import { findDatabaseServer } from './proc';
import { baselineOf, publish, type Target } from './report';
import { createBenchDatabase, dropBenchDatabase, KeySeeder, seedWorkspace, waitForDatabaseQuiet } from './seed';

const { values } = parseArgs({
  options: { duration: { type: 'string', default: '8' }, keys: { type: 'string', default: '100000' } },
});
const DURATION_S = Number(values.duration);
const TOTAL_KEYS = Number(values.keys);
if (!Number.isInteger(DURATION_S) || DURATION_S < 1 || DURATION_S > 60) throw new Error(`--duration must be 1–60 seconds, got ${values.duration}`);
if (!Number.isInteger(TOTAL_KEYS) || TOTAL_KEYS < 25_000 || TOTAL_KEYS > 1_000_000) throw new Error(`--keys must be 25000–1000000, got ${values.keys}`);

const CONNECTIONS = 50;
const SMALL_TABLE_KEYS = 1_000;
const COLD_SERIAL_KEYS = 2_000;
const COLD_PARALLEL_KEYS = 20_000;
const GARBAGE_PROBE_REQUESTS = 5_000;

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
    await seeder.seed('filler keys', SMALL_TABLE_KEYS - 1, { keepSecrets: false });

    const dist = resolve(__dirname, '..');
    const serviceEnv = (redisUrl: string | null): NodeJS.ProcessEnv => {
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        KEYSMITH_DATABASE_URL: databaseUrl,
        KEYSMITH_PEPPER: peppers,
        KEYSMITH_LOG_LEVEL: 'warn',
      };
      delete env.KEYSMITH_REDIS_URL;
      if (redisUrl) env.KEYSMITH_REDIS_URL = redisUrl;
      return env;
    };
    const startService = async (redisUrl: string | null, workers = 1): Promise<Child> => {
      const env = { ...serviceEnv(redisUrl), KEYSMITH_WORKERS: String(workers) };
      const child = await startChild('keysmith serve', [resolve(dist, 'src', 'cli', 'main.js'), 'serve'], env);
      children.push(child);
      return child;
    };
    const bare = await startChild('bare server', [resolve(dist, 'bench', 'bare.js')], process.env);
    children.push(bare);
    let service = await startService(null);
    progress(`service on ${service.uri}, bare route on ${bare.uri}`);

    const database = findDatabaseServer(MYSQL_URL);
    const databaseCpuNote =
      database.pid === null
        ? `DB CPU per answer: unknown (–), ${database.reason}`
        : `DB CPU per answer: ${database.command} (pid ${database.pid}), user + system, from a run's first request until the service has ` +
          'written its request logs (nothing buffered and no verification query for 1 s; 2.5 s after the last answer with 2 workers), ' +
          'so the flush of the run is in it; for the bare server, the run alone: what other clients of the database cost meanwhile';
    progress(databaseCpuNote);
    const bench = new Bench(workspace, database);
    await bench.probe(service, hotKey!);
    const hotBody = bodyOf(hotKey!);
    const hot = { connections: CONNECTIONS, durationSeconds: DURATION_S, requests: [{ kind: 'hot', expect: 'VALID', body: hotBody }] };

    const bareSerial = await bench.bare(bare, 'bare, 1 connection', { ...hot, connections: 1, amount: COLD_SERIAL_KEYS });
    const small = await bench.pairs(bare, service, `hot VALID, ${SMALL_TABLE_KEYS.toLocaleString('en')} keys in table`, hot);
    // The same hot key through two worker processes (KEYSMITH_WORKERS=2), against the same one-process bare server.
    const twoWorkers = await startService(null, 2);
    await bench.probe(twoWorkers, hotKey!);
    const workers = await bench.pairs(bare, twoWorkers, `hot VALID, 2 workers, ${SMALL_TABLE_KEYS.toLocaleString('en')} keys in table`, hot, { metrics: false });
    await twoWorkers.stop();

    const coldSerialKeys = await seeder.seed('cold keys (serial)', COLD_SERIAL_KEYS, { keepSecrets: true });
    const coldParallelKeys = await seeder.seed('cold keys (parallel)', COLD_PARALLEL_KEYS, { keepSecrets: true });
    await seeder.seed('filler keys', TOTAL_KEYS - seeder.count, { keepSecrets: false });
    await waitForDatabaseQuiet(db);

    const large = await bench.pairs(bare, service, `hot VALID, ${TOTAL_KEYS.toLocaleString('en')} keys in table`, hot);
    const coldKey = { kind: 'cold', expect: 'VALID' };
    const coldSerial = await bench.service(service, 'cold key (first sight)', {
      connections: 1,
      durationSeconds: DURATION_S,
      amount: coldSerialKeys.length,
      requests: [{ ...coldKey, body: eachKeyOnce(coldSerialKeys) }],
    });
    await bench.service(service, 'cold key (first sight)', {
      connections: CONNECTIONS,
      durationSeconds: DURATION_S,
      amount: coldParallelKeys.length,
      requests: [{ ...coldKey, body: eachKeyOnce(coldParallelKeys) }],
    });
    const garbageRequest = { kind: 'garbage', expect: 'INVALID', body: () => bodyOf(garbage()) };
    const mix = await bench.service(service, 'mix 50/50 valid + garbage', {
      ...hot,
      requests: [{ kind: 'valid', expect: 'VALID', body: hotBody }, garbageRequest],
    });
    const garbageOnly = await bench.service(
      service,
      'garbage only',
      { connections: CONNECTIONS, durationSeconds: DURATION_S, amount: GARBAGE_PROBE_REQUESTS, requests: [garbageRequest] },
      { informational: true },
    );

    if (REDIS_URL) {
      await service.stop();
      service = await startService(REDIS_URL);
      progress(`service restarted with Redis (${redact(REDIS_URL)}) on ${service.uri}`);
      await bench.probe(service, hotKey!);
      await bench.service(service, 'hot VALID, with Redis', hot, { informational: true });
    } else {
      progress('hot VALID, with Redis: skipped (set KEYSMITH_BENCH_REDIS_URL or KEYSMITH_TEST_REDIS_URL to include it)');
    }

    const baseline = baselineOf([...small.bare, ...large.bare]);
    const serialBaseline = baselineOf([bareSerial.result]);
    const mixLookups = mix.metrics?.[LOOKUP_SERIES] ?? 0;
    const garbageLookups = garbageOnly.metrics?.[LOOKUP_SERIES] ?? 0;
    const sizeRatio = large.throughputRatio / small.throughputRatio;
    const targets: Target[] = [
      { name: 'hot VALID ≥ 0.8× bare req/s (median of paired rounds)', value: small.throughputRatio.toFixed(2), met: small.throughputRatio >= 0.8 },
      { name: 'hot p99 ≤ 2× bare p99 (median of paired rounds)', value: `${small.p99Ratio.toFixed(2)}×`, met: small.p99Ratio <= 2 },
      { name: 'cold p50 < 3 ms', value: `${coldSerial.result.p50Ms} ms`, met: coldSerial.result.p50Ms < 3 },
      {
        name: 'garbage lookups = 0',
        value: `${garbageLookups} over ${garbageOnly.result.responses.toLocaleString('en')} garbage requests`,
        met: garbageLookups === 0,
      },
      {
        name: `${TOTAL_KEYS / 1000}k vs 1k within 10% (ratio of their ratios to bare)`,
        value: `${sizeRatio.toFixed(2)} (${large.throughputRatio.toFixed(2)} vs ${small.throughputRatio.toFixed(2)})`,
        met: Math.abs(1 - sizeRatio) <= 0.1,
      },
    ];
    const mixQueries = mix.dbQueries!;
    const notes = [
      databaseCpuNote,
      `mix: ${mix.result.responses.toLocaleString('en')} requests, lookup queries Δ ${mixLookups}, ` +
        `all verification DB queries ${mixQueries.total} (${(mixQueries.total / mix.result.responses).toFixed(4)} per request; ${JSON.stringify(mixQueries.byPurpose)})`,
      `answer codes in the mix: ${JSON.stringify(mix.result.codes)}`,
      ...(
        [
          [SMALL_TABLE_KEYS, small],
          [TOTAL_KEYS, large],
        ] as const
      )
        .filter(([, paired]) => paired.cpuRatio !== null)
        .map(([keys, paired]) => `server CPU per answer, hot VALID ÷ bare (median of rounds), ${keys.toLocaleString('en')} keys: ${paired.cpuRatio!.toFixed(2)}`),
      `hot VALID, 2 workers ÷ 1 worker: ${(workers.throughputRatio / small.throughputRatio).toFixed(2)}× req/s (each the median of its rounds' ratios to bare: ` +
        `${workers.throughputRatio.toFixed(2)} vs ${small.throughputRatio.toFixed(2)}); p99 ratio to bare ${workers.p99Ratio.toFixed(2)} vs ${small.p99Ratio.toFixed(2)}; ` +
        `server CPU per answer ÷ bare ${workers.cpuRatio?.toFixed(2) ?? '–'} vs ${small.cpuRatio?.toFixed(2) ?? '–'} (all processes of the service, primary included; no DB query count: /metrics is per worker)`,
    ];
    const file = publish({
      options: { durationSeconds: DURATION_S, connections: CONNECTIONS, totalKeys: TOTAL_KEYS, coldSerialKeys: COLD_SERIAL_KEYS, coldParallelKeys: COLD_PARALLEL_KEYS },
      database: redact(MYSQL_URL),
      redis: REDIS_URL ? redact(REDIS_URL) : null,
      baselines: [baseline, serialBaseline],
      cases: bench.cases,
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
