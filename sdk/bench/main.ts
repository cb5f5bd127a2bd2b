/**
 * `npm run bench -w sdk`: what the SDK and the Hapi plugin cost, measured against their bare equivalents
 * in the same run.
 *
 * 1. `keysmith.verify()` against a raw `fetch` of the same `POST /v1/verify`, one call at a time and 16
 *    at once. Each round alternates the two call by call, so both meet the same load; the ratio is the
 *    median over rounds of the SDK's median call time ÷ fetch's (target: at most 1.10), shown next to
 *    this process's CPU time per call.
 * 2. A Hapi route behind the plugin against the same route without auth, and against one whose handler
 *    calls `verify` itself, loaded with autocannon in rounds that rotate the order.
 *
 * It starts its own Keysmith (`keysmith serve` on 127.0.0.1, embedded database in a temporary directory)
 * and the protected app as child processes, prints progress to stderr and the figures to stdout, and stops
 * everything by itself; a deadline ends a stuck run.
 *
 *   npm run bench -w sdk [-- --seconds 2 --rounds 5]
 */
import autocannon from 'autocannon';
import { parseArgs } from 'node:util';
import { Keysmith } from '../src';
import { startKeysmith, startProtectedApp, stopAll } from './children';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '2' }, rounds: { type: 'string', default: '5' } } });
const SECONDS = Number(values.seconds);
const ROUNDS = Number(values.rounds);
if (!Number.isInteger(SECONDS) || SECONDS < 1 || SECONDS > 30) throw new Error(`--seconds must be 1–30, got ${values.seconds}`);
if (!Number.isInteger(ROUNDS) || ROUNDS < 1 || ROUNDS > 15) throw new Error(`--rounds must be 1–15, got ${values.rounds}`);
const CONCURRENCIES = [1, 16];
const TARGET_RATIO = 1.1;
/** Every timed run, a warm-up per case and the start of two processes, with room to spare. */
const DEADLINE_MS = (CONCURRENCIES.length + 3) * (ROUNDS + 1) * SECONDS * 1000 + 60_000;

const progress = (line: string): void => void process.stderr.write(`${line}\n`);
const median = (xs: number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const fixed = (n: number, digits = 2): string => n.toFixed(digits);

type Side = 'fetch' | 'sdk';

interface Mixed {
  calls: Record<Side, number>;
  /** Median wall time of one call (ms). */
  p50Ms: Record<Side, number>;
  /** This process's CPU time per call (µs), the client side's own cost; measured one call at a time only. */
  cpuMicros: Record<Side, number> | null;
}

/**
 * `concurrency` loops for `seconds`, each alternating a fetch call and an SDK call (half the loops start
 * with each), so both sides meet the same load at the same moments: a noisy neighbour slows both alike.
 * Every answer must be VALID.
 */
async function mixed(call: Record<Side, () => Promise<string>>, concurrency: number, seconds: number): Promise<Mixed> {
  const end = performance.now() + seconds * 1000;
  const latencies: Record<Side, number[]> = { fetch: [], sdk: [] };
  const cpu: Record<Side, number> = { fetch: 0, sdk: 0 };
  await Promise.all(
    Array.from({ length: concurrency }, async (_, lane) => {
      for (let turn = lane; performance.now() < end; turn++) {
        const side: Side = turn % 2 === 0 ? 'fetch' : 'sdk';
        const cpuBefore = concurrency === 1 ? process.cpuUsage() : null;
        const started = performance.now();
        const code = await call[side]();
        latencies[side].push(performance.now() - started);
        if (cpuBefore) {
          const used = process.cpuUsage(cpuBefore);
          cpu[side] += used.user + used.system;
        }
        if (code !== 'VALID') throw new Error(`a verification through ${side} answered ${code}, not VALID`);
      }
    }),
  );
  const calls = { fetch: latencies.fetch.length, sdk: latencies.sdk.length };
  return {
    calls,
    p50Ms: { fetch: median(latencies.fetch), sdk: median(latencies.sdk) },
    cpuMicros: concurrency === 1 ? { fetch: cpu.fetch / calls.fetch, sdk: cpu.sdk / calls.sdk } : null,
  };
}

async function sdkAgainstFetch(baseUrl: string, rootKey: string, key: string): Promise<string[]> {
  const keysmith = new Keysmith({ baseUrl, rootKey });
  const facts = { ip: '203.0.113.10', endpoint: 'GET /bench' };
  const body = JSON.stringify({ key, ...facts });
  const headers = { authorization: `Bearer ${rootKey}`, 'content-type': 'application/json' };
  const call: Record<Side, () => Promise<string>> = {
    fetch: async () => {
      const res = await fetch(`${baseUrl}/v1/verify`, { method: 'POST', headers, body });
      if (res.status !== 200) throw new Error(`POST /v1/verify answered ${res.status}: ${await res.text()}`);
      return ((await res.json()) as { code: string }).code;
    },
    sdk: async () => (await keysmith.verify(key, facts)).code,
  };

  const lines: string[] = [];
  for (const concurrency of CONCURRENCIES) {
    progress(`verify, ${concurrency} in flight: warm-up`);
    await mixed(call, concurrency, 1);
    const rounds: Mixed[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const r = await mixed(call, concurrency, SECONDS);
      rounds.push(r);
      progress(
        `  round ${round}: p50 fetch ${fixed(r.p50Ms.fetch, 3)} ms, sdk ${fixed(r.p50Ms.sdk, 3)} ms (${r.calls.fetch + r.calls.sdk} calls), ` +
          `ratio ${fixed(r.p50Ms.sdk / r.p50Ms.fetch, 3)}${r.cpuMicros ? `; CPU/call ${Math.round(r.cpuMicros.fetch)} vs ${Math.round(r.cpuMicros.sdk)} µs` : ''}`,
      );
    }
    const ratio = median(rounds.map((r) => r.p50Ms.sdk / r.p50Ms.fetch));
    const cpu = rounds[0]!.cpuMicros
      ? `; client CPU/call fetch ${Math.round(median(rounds.map((r) => r.cpuMicros!.fetch)))} µs, sdk ${Math.round(median(rounds.map((r) => r.cpuMicros!.sdk)))} µs ` +
        `(${fixed(median(rounds.map((r) => r.cpuMicros!.sdk / r.cpuMicros!.fetch)), 3)}×)`
      : '';
    lines.push(
      `verify, ${String(concurrency).padStart(2)} in flight: p50 fetch ${fixed(median(rounds.map((r) => r.p50Ms.fetch)), 3)} ms, ` +
        `sdk ${fixed(median(rounds.map((r) => r.p50Ms.sdk)), 3)} ms → SDK/fetch ${fixed(ratio, 3)} (${ratio <= TARGET_RATIO ? 'met' : 'NOT met'}: ≤ ${TARGET_RATIO})${cpu}`,
    );
  }
  return lines;
}

interface Load {
  requestsPerSecond: number;
  p50: number;
  p99: number;
}

function load(url: string, headers: Record<string, string>, seconds: number): Promise<Load> {
  return new Promise((resolve, reject) => {
    autocannon({ url, headers, connections: 16, duration: seconds, timeout: 10 }, (err: unknown, result: autocannon.Result) => {
      if (err) return reject(err instanceof Error ? err : new Error(String(err)));
      if (result.non2xx > 0 || result.errors > 0) {
        return reject(new Error(`${url}: ${result.non2xx} non-2xx answers, ${result.errors} errors of ${result.requests.total}`));
      }
      resolve({ requestsPerSecond: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 });
    });
  });
}

async function protectedAgainstOpen(appUri: string, key: string): Promise<string[]> {
  const routes = {
    open: (seconds: number) => load(`${appUri}/open`, {}, seconds),
    byHand: (seconds: number) => load(`${appUri}/by-hand`, { 'x-api-key': key }, seconds),
    plugin: (seconds: number) => load(`${appUri}/protected`, { 'x-api-key': key }, seconds),
  };
  const names = Object.keys(routes) as Array<keyof typeof routes>;
  progress('hapi route, 16 connections: warm-up');
  for (const name of names) await routes[name](1);
  const runs: Array<Record<keyof typeof routes, Load>> = [];
  for (let round = 1; round <= ROUNDS; round++) {
    // Each round starts with another route, so drift does not always favour the same one.
    const order = names.map((_, i) => names[(i + round) % names.length]!);
    const run = {} as Record<keyof typeof routes, Load>;
    for (const name of order) run[name] = await routes[name](SECONDS);
    runs.push(run);
    progress(`  round ${round}: ${names.map((n) => `${n} ${Math.round(run[n].requestsPerSecond)} req/s p50 ${run[n].p50} ms`).join(', ')}`);
  }
  const m = (pick: (r: Record<keyof typeof routes, Load>) => number) => median(runs.map(pick));
  const figures = (n: keyof typeof routes) =>
    `${Math.round(m((r) => r[n].requestsPerSecond))} req/s (p50 ${m((r) => r[n].p50)} ms, p99 ${m((r) => r[n].p99)} ms)`;
  return [
    `hapi route, 16 connections: open ${figures('open')}, protected by the plugin ${figures('plugin')} → ` +
      `protected/open throughput ${fixed(m((r) => r.plugin.requestsPerSecond / r.open.requestsPerSecond), 3)}`,
    `hapi route, 16 connections: verify called by hand in the handler ${figures('byHand')} → ` +
      `plugin/by-hand throughput ${fixed(m((r) => r.plugin.requestsPerSecond / r.byHand.requestsPerSecond), 3)}`,
  ];
}

async function main(): Promise<void> {
  const deadline = setTimeout(() => {
    progress(`the bench ran past its ${Math.round(DEADLINE_MS / 1000)} s deadline: stopping`);
    void stopAll().finally(() => process.exit(2));
  }, DEADLINE_MS);
  try {
    progress('starting Keysmith (embedded database in a temporary directory)…');
    const keysmith = await startKeysmith();
    const admin = new Keysmith({ baseUrl: keysmith.uri, rootKey: keysmith.rootKey });
    // A rate limit no run reaches, so every answer is VALID and counted like any other.
    const { secret } = await admin.keys.create({ name: 'sdk bench', rateLimit: { limit: 1_000_000_000, windowSeconds: 1 } });
    progress(`Keysmith at ${keysmith.uri}; ${ROUNDS} paired rounds of ${SECONDS} s per case`);
    const lines = await sdkAgainstFetch(keysmith.uri, keysmith.rootKey, secret);
    const app = await startProtectedApp(keysmith.uri, keysmith.rootKey);
    lines.push(...(await protectedAgainstOpen(app.uri, secret)));
    process.stdout.write(`\nNode ${process.version}, ${ROUNDS} paired rounds of ${SECONDS} s, medians:\n${lines.map((l) => `  ${l}`).join('\n')}\n`);
  } finally {
    clearTimeout(deadline);
    await stopAll();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
