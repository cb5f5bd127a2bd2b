/**
 * Reading the service's `GET /metrics` (Prometheus text format) around a load run, to tell what the run
 * cost in database round trips.
 */

/** Every sample line as `name{labels}` → value; the series of several workers (`worker="N"`) added up. */
export type MetricSample = Map<string, number>;

export const LOOKUP_SERIES = 'keysmith_verify_db_queries_total{purpose="lookup"}';

export async function readMetrics(baseUri: string): Promise<MetricSample> {
  const res = await fetch(`${baseUri}/metrics`);
  const text = await res.text();
  if (!res.ok) throw new Error(`GET /metrics answered ${res.status}: ${text.slice(0, 200)}`);
  const samples: MetricSample = new Map();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    const value = Number(line.slice(space + 1));
    if (space <= 0 || !Number.isFinite(value)) continue;
    const series = line.slice(0, space).replace(/\{worker="\d+"\}$/, '').replace(/\{worker="\d+",/, '{');
    samples.set(series, (samples.get(series) ?? 0) + value);
  }
  return samples;
}

/** What grew between two readings; series that did not move are left out. */
export function metricsDelta(before: MetricSample, after: MetricSample): Record<string, number> {
  const delta: Record<string, number> = {};
  for (const [series, value] of after) {
    const grown = value - (before.get(series) ?? 0);
    if (grown !== 0) delta[series] = grown;
  }
  return delta;
}

/** Verification's database round trips in a delta: per purpose, and all together. */
export function dbQueries(delta: Record<string, number>): { byPurpose: Record<string, number>; total: number } {
  const byPurpose: Record<string, number> = {};
  let total = 0;
  for (const [series, value] of Object.entries(delta)) {
    const match = /^keysmith_verify_db_queries_total\{purpose="([^"]+)"\}$/.exec(series);
    if (!match) continue;
    byPurpose[match[1]!] = value;
    total += value;
  }
  return { byPurpose, total };
}

const BUFFERED_LOGS_SERIES = 'keysmith_verify_buffered_logs';
const QUIET_MS = 1_000;
const MAX_SETTLE_MS = 20_000;

/**
 * Waits until the service holds no request log in memory and has made no verification database query for
 * a second (at most 20 s): the leases of the last run returned and its logs flushed (the recorder writes
 * them behind, every second), so a run's aftermath is measured with it and not in the next one.
 */
export async function settle(baseUri: string): Promise<void> {
  const total = (m: MetricSample): number => dbQueries(Object.fromEntries(m)).total;
  const deadline = performance.now() + MAX_SETTLE_MS;
  let last = total(await readMetrics(baseUri));
  while (performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, QUIET_MS));
    const now = await readMetrics(baseUri);
    if (total(now) === last && (now.get(BUFFERED_LOGS_SERIES) ?? 0) === 0) return;
    last = total(now);
  }
}
