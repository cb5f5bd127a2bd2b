/**
 * The verification benchmark's goals, each read from the table's rows (medians of paired rounds) and, for
 * key lookups, from each run's own counters. A missed goal is reported with its figures, never thrown: only
 * a broken run (wrong answers, no answers) fails the bench.
 */
import { LOOKUP_SERIES } from './metrics';
import type { CaseReport, Row, Target } from './report';

/** A paired case: its row, the row of the bare runs it was paired with, and its own runs. */
export interface PairedCase {
  row: Row;
  bare: Row;
  runs: CaseReport[];
}

export interface Measured {
  hot: PairedCase;
  garbage: PairedCase;
  unknown: PairedCase & { distinctKeys: number; cacheTtlSeconds: number };
  coldSerial: Row;
}

const HOT_MIN_THROUGHPUT = 0.5;
const HOT_MAX_CPU = 2;
const HOT_MAX_P99 = 2;
const INVALID_MIN_THROUGHPUT = 0.7;
const COLD_MAX_P50_MS = 3;

const n = (value: number): string => value.toLocaleString('en');
const times = (value: number | null): string => (value === null ? 'unknown' : `${value.toFixed(2)}×`);

/** Key lookups in a run; null when the run has no metrics (a series that did not move is absent: 0). */
const lookupsIn = (run: CaseReport): number | null => (run.metrics ? (run.metrics[LOOKUP_SERIES] ?? 0) : null);

function throughput({ row, bare }: PairedCase, min: number): Target {
  const r = row.reqPerSecVsBaseline;
  return {
    name: `${row.case}: req/s ≥ ${min}× the baseline's`,
    value: `${times(r)} (${n(row.reqPerSec)} vs ${n(bare.reqPerSec)} req/s)`,
    met: r !== null && r >= min,
  };
}

function cpu({ row, bare }: PairedCase, max: number): Target {
  const r = row.cpuVsBaseline;
  return {
    name: `${row.case}: server CPU per answer ≤ ${max}× the baseline's`,
    value: `${times(r)} (${row.cpuMicrosPerResponse ?? '–'} vs ${bare.cpuMicrosPerResponse ?? '–'} µs)`,
    met: r !== null && r <= max,
  };
}

function p99({ row, bare }: PairedCase, max: number): Target {
  const r = row.p99VsBaseline;
  return { name: `${row.case}: p99 ≤ ${max}× the baseline's`, value: `${times(r)} (${row.p99Ms} vs ${bare.p99Ms} ms)`, met: r !== null && r <= max };
}

function noGarbageLookups({ row, runs }: PairedCase): Target {
  const lookups = runs.map(lookupsIn);
  const known = lookups.every((l) => l !== null);
  const total = lookups.reduce<number>((sum, l) => sum + (l ?? 0), 0);
  const others: Record<string, number> = {};
  for (const run of runs) {
    for (const [purpose, count] of Object.entries(run.dbQueries?.byPurpose ?? {})) if (purpose !== 'lookup') others[purpose] = (others[purpose] ?? 0) + count;
  }
  const otherText = Object.entries(others).map(([purpose, count]) => `${purpose} ${n(count)}`).join(', ') || 'none';
  return {
    name: `${row.case}: no key lookup`,
    value: known ? `${n(total)} lookups in ${n(row.responses)} answers over ${runs.length} rounds (other DB queries: ${otherText})` : 'unknown (no metrics)',
    met: known && total === 0,
  };
}

/**
 * At most one lookup per unknown key per cache period: in a run of `seconds`, a key can be looked up
 * again only once its negative entry has expired, so a run may make `floor(seconds / ttl) + 1` lookups
 * per distinct key it sent.
 */
function unknownLookups({ row, runs, distinctKeys, cacheTtlSeconds }: Measured['unknown']): Target {
  const rounds = runs.map((run) => {
    const sent = Math.min(distinctKeys, run.result.responses);
    return { lookups: lookupsIn(run), allowed: sent * (Math.floor(run.result.seconds / cacheTtlSeconds) + 1) };
  });
  const met = rounds.every((r) => r.lookups !== null && r.lookups <= r.allowed);
  const perRound = rounds.map((r) => (r.lookups === null ? '?' : n(r.lookups))).join(' / ');
  return {
    name: `${row.case}: ≤ 1 lookup per distinct key per cache period (${cacheTtlSeconds} s)`,
    value:
      `lookups per round ${perRound}, allowed ${n(Math.max(...rounds.map((r) => r.allowed)))} ` +
      `(${n(distinctKeys)} distinct keys, runs of ~${runs[0]?.result.seconds ?? 0} s); ${row.dbQueriesPerResponse ?? '–'} DB queries per answer`,
    met,
  };
}

export function targetsOf(measured: Measured): Target[] {
  const { hot, garbage, unknown, coldSerial } = measured;
  return [
    throughput(hot, HOT_MIN_THROUGHPUT),
    cpu(hot, HOT_MAX_CPU),
    p99(hot, HOT_MAX_P99),
    throughput(garbage, INVALID_MIN_THROUGHPUT),
    noGarbageLookups(garbage),
    throughput(unknown, INVALID_MIN_THROUGHPUT),
    unknownLookups(unknown),
    { name: `${coldSerial.case}, 1 connection: p50 < ${COLD_MAX_P50_MS} ms`, value: `${coldSerial.p50Ms} ms`, met: coldSerial.p50Ms < COLD_MAX_P50_MS },
  ];
}
