/**
 * Management-call latency over real HTTP on loopback: creates, then list pages, on the embedded SQLite
 * database and (when KEYSMITH_TEST_MYSQL_URL is set) on MySQL. Bounded in count; prints progress and a
 * table, and writes bench/results/management.json.
 *
 *   npm run bench:management [-- --keys 500 --lists 500]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import knexFactory from 'knex';
import { buildApp } from '../src/app';
import { Database, type DatabaseTarget } from '../src/db/database';
import { migrateToLatest } from '../src/db/migrate';
import { PepperRing } from '../src/domain/pepper';
import { createServer } from '../src/http/server';
import { createLogger } from '../src/logger';

interface Row {
  database: string;
  call: string;
  count: number;
  p50Ms: number;
  p99Ms: number;
  perSecond: number;
}

const { values } = parseArgs({ options: { keys: { type: 'string', default: '500' }, lists: { type: 'string', default: '500' } } });
const KEYS = Math.min(Number(values.keys), 10_000);
const LISTS = Math.min(Number(values.lists), 10_000);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function timed(label: string, count: number, call: (i: number) => Promise<Response>): Promise<Omit<Row, 'database'>> {
  const samples: number[] = [];
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    const res = await call(i);
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`${label} #${i} answered ${res.status}`);
    samples.push(performance.now() - t0);
    if ((i + 1) % Math.max(1, Math.floor(count / 5)) === 0) process.stderr.write(`  ${label}: ${i + 1}/${count}\n`);
  }
  const seconds = (performance.now() - started) / 1000;
  samples.sort((a, b) => a - b);
  const round = (n: number) => Math.round(n * 100) / 100;
  return { call: label, count, p50Ms: round(percentile(samples, 50)), p99Ms: round(percentile(samples, 99)), perSecond: Math.round(count / seconds) };
}

async function measure(name: string, target: DatabaseTarget): Promise<Row[]> {
  process.stderr.write(`${name}:\n`);
  const db = Database.open(target);
  await migrateToLatest(db);
  const app = buildApp({ db, peppers: PepperRing.parse(PepperRing.generateText()), logger: createLogger('silent') });
  const server = await createServer(app, { port: 0 });
  await server.start();
  try {
    const { secret } = await app.services.rootKeys.bootstrap({ workspaceSlug: 'bench', rootKeyName: 'bench' }, { type: 'system', id: 'bench' });
    const headers = { authorization: `Bearer ${secret}`, 'content-type': 'application/json' };
    const base = server.info.uri;
    const rows = [
      await timed('POST /v1/keys', KEYS, (i) =>
        fetch(`${base}/v1/keys`, { method: 'POST', headers, body: JSON.stringify({ name: `bench ${i}`, scopes: ['a:b'], tags: ['bench'], quota: { daily: 1000 } }) }),
      ),
      await timed('GET /v1/keys?limit=20', LISTS, () => fetch(`${base}/v1/keys?limit=20`, { headers })),
      await timed('GET /v1/keys?limit=100&tag=bench', LISTS, () => fetch(`${base}/v1/keys?limit=100&tag=bench`, { headers })),
    ];
    return rows.map((r) => ({ database: name, ...r }));
  } finally {
    await server.stop();
    await db.close();
  }
}

async function main(): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), 'keysmith-bench-'));
  const rows: Row[] = [];
  try {
    rows.push(...(await measure('sqlite', { dialect: 'sqlite', location: join(scratch, 'bench.db') })));
    const mysqlUrl = process.env.KEYSMITH_TEST_MYSQL_URL;
    if (mysqlUrl) {
      const admin = knexFactory({ client: 'mysql2', connection: mysqlUrl });
      const name = `keysmith_bench_${process.pid}`;
      await admin.raw(`create database \`${name}\``);
      try {
        const url = new URL(mysqlUrl);
        url.pathname = `/${name}`;
        rows.push(...(await measure('mysql', { dialect: 'mysql', location: url.toString() })));
      } finally {
        await admin.raw(`drop database \`${name}\``);
        await admin.destroy();
      }
    } else {
      process.stderr.write('mysql: skipped (set KEYSMITH_TEST_MYSQL_URL to include it)\n');
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  console.table(rows);
  const out = resolve(__dirname, '..', '..', '..', 'bench', 'results'); // the repository's bench/results
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'management.json'), `${JSON.stringify({ measuredAt: new Date().toISOString(), keys: KEYS, lists: LISTS, rows }, null, 2)}\n`);
}

void main();
