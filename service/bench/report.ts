/**
 * The verification benchmark's report: one table with a row per case (a single run, or the medians of
 * paired rounds), the legend saying how it was measured, one line per target, and
 * bench/results/latest.json with every run, every row and the machine it was measured on.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import type { LoadResult } from './load';

/** One measured run (a round of a paired case is one run). */
export interface CaseReport {
  name: string;
  result: LoadResult;
  /** Verification's database round trips during the run, per purpose, from `GET /metrics`. */
  dbQueries?: { byPurpose: Record<string, number>; total: number };
  /** Every `GET /metrics` series that moved during the run. */
  metrics?: Record<string, number>;
  /** How long the CPU times were read over: the run, and for the service the writing of its logs after it. */
  windowSeconds: number;
  /** The server's CPU time (user + system, its workers included) per response over the window, in µs. */
  cpuMicrosPerResponse: number | null;
  /** The database server's CPU time per response over the same window, in µs; null where it cannot be read. */
  dbCpuMicrosPerResponse: number | null;
  informational?: boolean;
}

export interface Target {
  name: string;
  value: string;
  met: boolean;
}

/** A case's line in the table. With several rounds, every figure is the median over the rounds. */
export interface Row {
  case: string;
  connections: number;
  /** How many runs the figures are the medians of (1: a single run). */
  runs: number;
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  cpuMicrosPerResponse: number | null;
  dbQueriesPerResponse: number | null;
  dbCpuMicrosPerResponse: number | null;
  /** To the baseline: medians of the rounds' own ratios when paired, else ratios to the baseline row. */
  reqPerSecVsBaseline: number | null;
  p99VsBaseline: number | null;
  cpuVsBaseline: number | null;
  /** All rounds together. */
  responses: number;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The median of the values that are known; null when none is. */
function medianOf(values: Array<number | null>): number | null {
  const known = values.filter((v): v is number => v !== null);
  return known.length > 0 ? median(known) : null;
}

const round = (n: number | null, digits: number): number | null => (n === null ? null : Math.round(n * 10 ** digits) / 10 ** digits);
const ratio = (a: number | null, b: number | null): number | null => (a === null || b === null || b <= 0 ? null : a / b);

const dbQueriesPerResponse = (run: CaseReport): number | null =>
  run.dbQueries && run.result.responses > 0 ? run.dbQueries.total / run.result.responses : null;

/**
 * A row from the runs of one case. `against` is what the ratios compare with: the bare runs paired with
 * these (same length, round by round), a baseline row, or nothing (the baseline itself).
 */
export function rowOf(name: string, runs: CaseReport[], against: CaseReport[] | Row | null): Row {
  if (Array.isArray(against) && against.length !== runs.length) throw new Error(`${name}: ${runs.length} runs paired with ${against.length} bare runs`);
  const pick = (figure: (run: CaseReport) => number | null): number | null => medianOf(runs.map(figure));
  const row: Row = {
    case: name + (runs.some((r) => r.informational) ? ' (info)' : ''),
    connections: runs[0]!.result.connections,
    runs: runs.length,
    reqPerSec: Math.round(pick((r) => r.result.requestsPerSecond)!),
    p50Ms: round(pick((r) => r.result.p50Ms), 2)!,
    p99Ms: round(pick((r) => r.result.p99Ms), 2)!,
    cpuMicrosPerResponse: round(pick((r) => r.cpuMicrosPerResponse), 0),
    dbQueriesPerResponse: round(pick(dbQueriesPerResponse), 4),
    dbCpuMicrosPerResponse: round(pick((r) => r.dbCpuMicrosPerResponse), 1),
    reqPerSecVsBaseline: null,
    p99VsBaseline: null,
    cpuVsBaseline: null,
    responses: runs.reduce((sum, r) => sum + r.result.responses, 0),
  };
  if (Array.isArray(against)) {
    const paired = (figure: (run: CaseReport) => number | null): number | null =>
      round(medianOf(runs.map((run, i) => ratio(figure(run), figure(against[i]!)))), 2);
    row.reqPerSecVsBaseline = paired((r) => r.result.requestsPerSecond);
    row.p99VsBaseline = paired((r) => r.result.p99Ms);
    row.cpuVsBaseline = paired((r) => r.cpuMicrosPerResponse);
  } else if (against) {
    row.reqPerSecVsBaseline = round(ratio(row.reqPerSec, against.reqPerSec), 2);
    row.p99VsBaseline = round(ratio(row.p99Ms, against.p99Ms), 2);
    row.cpuVsBaseline = round(ratio(row.cpuMicrosPerResponse, against.cpuMicrosPerResponse), 2);
  }
  return row;
}

const orDash = (value: number | null, format: (n: number) => string = String): string => (value === null ? '–' : format(value));

const COLUMNS: Array<{ title: string; cell: (row: Row) => string }> = [
  { title: 'case', cell: (r) => r.case },
  { title: 'conns', cell: (r) => String(r.connections) },
  { title: 'runs', cell: (r) => String(r.runs) },
  { title: 'req/s', cell: (r) => r.reqPerSec.toLocaleString('en') },
  { title: 'p50 ms', cell: (r) => r.p50Ms.toFixed(2) },
  { title: 'p99 ms', cell: (r) => r.p99Ms.toFixed(2) },
  { title: 'CPU µs/ans', cell: (r) => orDash(r.cpuMicrosPerResponse) },
  { title: 'DB q/ans', cell: (r) => orDash(r.dbQueriesPerResponse) },
  { title: 'DB CPU µs/ans', cell: (r) => orDash(r.dbCpuMicrosPerResponse, (n) => n.toFixed(1)) },
  { title: 'req/s ×', cell: (r) => orDash(r.reqPerSecVsBaseline, (n) => n.toFixed(2)) },
  { title: 'p99 ×', cell: (r) => orDash(r.p99VsBaseline, (n) => n.toFixed(2)) },
  { title: 'CPU ×', cell: (r) => orDash(r.cpuVsBaseline, (n) => n.toFixed(2)) },
  { title: 'answers', cell: (r) => r.responses.toLocaleString('en') },
];

function renderTable(rows: Row[]): string {
  const cells = [COLUMNS.map((c) => c.title), ...rows.map((row) => COLUMNS.map((c) => c.cell(row)))];
  const widths = COLUMNS.map((_, i) => Math.max(...cells.map((line) => line[i]!.length)));
  const line = (values: string[]): string =>
    values.map((v, i) => (i === 0 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join('  ');
  return [line(cells[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

const LINE_WIDTH = 120;

/** `text` broken between words into lines of at most `LINE_WIDTH` characters, the following ones indented. */
function wrap(text: string): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > LINE_WIDTH) {
      lines.push(line);
      line = `  ${word}`;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines;
}

export interface Report {
  options: Record<string, unknown>;
  database: string;
  /** The database server process whose CPU time was read, or why none was. */
  databaseCpu: { pid: number; command: string } | { reason: string };
  redis: string | null;
  rows: Row[];
  /** Every measured run, rounds and bare runs included. */
  runs: CaseReport[];
  /** Lines printed under the table: how its figures were measured. */
  legend: string[];
  targets: Target[];
  /** Lines printed after the targets. */
  notes: string[];
  /** Anything else worth keeping, e.g. how long seeding took. */
  details: Record<string, unknown>;
}

/** Prints the table and the targets to stdout and writes bench/results/latest.json; returns its path. */
export function publish(report: Report): string {
  const lines = [
    '',
    renderTable(report.rows),
    '',
    ...report.legend.flatMap(wrap),
    '',
    ...report.targets.map((t) => `${t.met ? 'met    ' : 'NOT MET'}  ${t.name}: ${t.value}`),
    '',
    ...report.notes.flatMap(wrap),
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);

  const out = resolve(__dirname, '..', '..', '..', 'bench', 'results'); // the repository's bench/results
  mkdirSync(out, { recursive: true });
  const file = join(out, 'latest.json');
  const cpuList = cpus();
  const document = {
    measuredAt: new Date().toISOString(),
    machine: {
      cpus: cpuList.length,
      cpuModel: cpuList[0]?.model ?? 'unknown',
      memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
    },
    ...report,
  };
  writeFileSync(file, `${JSON.stringify(document, null, 2)}\n`);
  return file;
}
