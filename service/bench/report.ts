/**
 * The verification benchmark's report: the table on stdout, one line per target, and
 * bench/results/latest.json with everything measured and the machine it was measured on.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import type { LoadResult } from './load';

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

/** What a row is compared with: the bare route at the same number of connections. */
export interface Baseline {
  connections: number;
  requestsPerSecond: number;
  p99Ms: number;
  /** The runs it is the mean of (their full results are among the cases). */
  runs: Array<Pick<LoadResult, 'requestsPerSecond' | 'p99Ms'>>;
}

export interface Target {
  name: string;
  value: string;
  met: boolean;
}

interface Row {
  case: string;
  connections: number;
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  reqPerSecVsBare: number | null;
  p99VsBare: number | null;
  dbQueriesPerRequest: number | null;
  cpuMicrosPerResponse: number | null;
  dbCpuMicrosPerResponse: number | null;
  responses: number;
  non2xx: number;
}

const ratio = (a: number, b: number): number | null => (b > 0 ? Math.round((a / b) * 100) / 100 : null);

/** The mean of several runs of the same bare case. */
export function baselineOf(runs: LoadResult[]): Baseline {
  const mean = (pick: (r: LoadResult) => number): number => runs.reduce((sum, r) => sum + pick(r), 0) / runs.length;
  return {
    connections: runs[0]!.connections,
    requestsPerSecond: Math.round(mean((r) => r.requestsPerSecond)),
    p99Ms: Math.round(mean((r) => r.p99Ms) * 100) / 100,
    runs: runs.map(({ requestsPerSecond, p99Ms }) => ({ requestsPerSecond, p99Ms })),
  };
}

function toRow(report: CaseReport, baselines: Baseline[]): Row {
  const { result } = report;
  const baseline = baselines.find((b) => b.connections === result.connections);
  return {
    case: report.name + (report.informational ? ' (info)' : ''),
    connections: result.connections,
    reqPerSec: result.requestsPerSecond,
    p50Ms: result.p50Ms,
    p99Ms: result.p99Ms,
    reqPerSecVsBare: baseline ? ratio(result.requestsPerSecond, baseline.requestsPerSecond) : null,
    p99VsBare: baseline ? ratio(result.p99Ms, baseline.p99Ms) : null,
    dbQueriesPerRequest:
      report.dbQueries && result.responses > 0 ? Math.round((report.dbQueries.total / result.responses) * 1000) / 1000 : null,
    cpuMicrosPerResponse: report.cpuMicrosPerResponse,
    dbCpuMicrosPerResponse: report.dbCpuMicrosPerResponse,
    responses: result.responses,
    non2xx: result.non2xx,
  };
}

const COLUMNS: Array<{ title: string; cell: (row: Row) => string }> = [
  { title: 'case', cell: (r) => r.case },
  { title: 'conns', cell: (r) => String(r.connections) },
  { title: 'req/s', cell: (r) => r.reqPerSec.toLocaleString('en') },
  { title: 'p50 ms', cell: (r) => r.p50Ms.toFixed(2) },
  { title: 'p99 ms', cell: (r) => r.p99Ms.toFixed(2) },
  { title: 'req/s ÷ bare', cell: (r) => r.reqPerSecVsBare?.toFixed(2) ?? '–' },
  { title: 'p99 ÷ bare p99', cell: (r) => r.p99VsBare?.toFixed(2) ?? '–' },
  { title: 'db queries/req', cell: (r) => (r.dbQueriesPerRequest === null ? '–' : String(r.dbQueriesPerRequest)) },
  { title: 'server CPU µs/req', cell: (r) => (r.cpuMicrosPerResponse === null ? '–' : String(r.cpuMicrosPerResponse)) },
  { title: 'DB CPU µs/req', cell: (r) => (r.dbCpuMicrosPerResponse === null ? '–' : r.dbCpuMicrosPerResponse.toFixed(1)) },
  { title: 'responses', cell: (r) => r.responses.toLocaleString('en') },
  { title: 'non-2xx', cell: (r) => String(r.non2xx) },
];

function renderTable(rows: Row[]): string {
  const cells = [COLUMNS.map((c) => c.title), ...rows.map((row) => COLUMNS.map((c) => c.cell(row)))];
  const widths = COLUMNS.map((_, i) => Math.max(...cells.map((line) => line[i]!.length)));
  const line = (values: string[]): string =>
    values.map((v, i) => (i === 0 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join('  ');
  return [line(cells[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

export interface Report {
  options: Record<string, unknown>;
  database: string;
  redis: string | null;
  baselines: Baseline[];
  cases: CaseReport[];
  targets: Target[];
  /** Lines printed after the targets. */
  notes: string[];
  /** Anything else worth keeping, e.g. how long seeding took. */
  details: Record<string, unknown>;
}

/** Prints the table and the targets to stdout and writes bench/results/latest.json; returns its path. */
export function publish(report: Report): string {
  const rows = report.cases.map((c) => toRow(c, report.baselines));
  const lines = [
    '',
    renderTable(rows),
    '',
    ...report.baselines.map(
      (b) =>
        `bare baseline at ${b.connections} connection(s): ${b.requestsPerSecond.toLocaleString('en')} req/s, p99 ${b.p99Ms} ms` +
        (b.runs.length > 1 ? ` (mean of ${b.runs.map((r) => `${r.requestsPerSecond.toLocaleString('en')} req/s p99 ${r.p99Ms} ms`).join(' and ')})` : ''),
    ),
    '',
    ...report.targets.map((t) => `${t.name}: ${t.value} ${t.met ? '✓' : '✗'}`),
    '',
    ...report.notes,
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
    rows,
  };
  writeFileSync(file, `${JSON.stringify(document, null, 2)}\n`);
  return file;
}
