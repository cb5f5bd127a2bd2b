/**
 * Running the verification benchmark's cases: each run warmed up, loaded with autocannon, its answers
 * checked, and what it cost the server measured; paired rounds of the bare baseline and the service.
 */
import { randomBase62 } from '../src/domain/base62';
import { generateSecret } from '../src/domain/secrets';
import type { Child } from './children';
import { runLoad, type LoadOptions, type LoadResult } from './load';
import { dbQueries, metricsDelta, readMetrics, settle } from './metrics';
import type { DatabaseServer } from './proc';
import type { CaseReport } from './report';
import type { BenchWorkspace } from './seed';

export const PAIRED_ROUNDS = 5;

/** The runs of a paired case, round by round: `bare[i]` was made just before `service[i]`. */
export interface PairedRuns {
  bare: CaseReport[];
  service: CaseReport[];
}

/** The bench itself failed (as opposed to a target being missed): exit non-zero. */
export class BenchFailure extends Error {}

export const progress = (line: string): void => void process.stderr.write(`${line}\n`);

/** Random base62 text of 10–60 characters: never a well-formed secret, so it fails before any lookup. */
export const garbage = (): string => randomBase62(10 + Math.floor(Math.random() * 51));
export const bodyOf = (key: string): string => JSON.stringify({ key });

/** A case whose answers are not what it claims is a failed bench, not a slow one. */
function assertAnswers(name: string, result: LoadResult): void {
  const problems: string[] = [];
  if (result.responses === 0) problems.push('no responses at all');
  if (result.non2xx > 0) problems.push(`${result.non2xx} non-2xx answers`);
  if (result.errors > 0) problems.push(`${result.errors} connection errors (${result.timeouts} timeouts)`);
  if (result.unexpected > 0) problems.push(`${result.unexpected} answers with an unexpected code: ${JSON.stringify(result.codes)}`);
  if (problems.length > 0) {
    throw new BenchFailure(`${name}: ${problems.join('; ')}${result.unexpectedSamples.map((s) => `\n  e.g. ${s}`).join('')}`);
  }
}

type CaseLoad = Omit<LoadOptions, 'url' | 'headers' | 'checkCodes' | 'progress'>;
type Measured = Pick<CaseReport, 'result' | 'windowSeconds' | 'cpuMicrosPerResponse' | 'dbCpuMicrosPerResponse'>;

export class Bench {
  /** Every measured run, in order. */
  readonly runs: CaseReport[] = [];
  private readonly warmed = new WeakSet<Child>();
  readonly headers: Record<string, string>;

  constructor(
    readonly workspace: BenchWorkspace,
    private readonly database: DatabaseServer,
  ) {
    this.headers = { authorization: `Bearer ${workspace.rootKey}`, 'content-type': 'application/json' };
  }

  async bare(bare: Child, name: string, load: CaseLoad): Promise<CaseReport> {
    progress(`${name} (${load.connections} connection(s)):`);
    const run = (over: Partial<LoadOptions>): Promise<LoadResult> =>
      runLoad({ ...load, url: bare.uri, headers: this.headers, checkCodes: false, progress, ...over });
    await this.warmUp(bare, name, load, run);
    const measured = await this.measure(bare, () => run({}), () => Promise.resolve());
    assertAnswers(name, measured.result);
    const report: CaseReport = { name, ...measured };
    this.runs.push(report);
    this.report(report);
    return report;
  }

  /**
   * The same load on the bare server and on the service, alternately, `PAIRED_ROUNDS` times. The machine's
   * speed drifts over a run (other tenants, the database's background work); each round's ratio compares
   * runs made seconds apart, and the median of the rounds' ratios is what the table and the targets read.
   */
  async pairs(bare: Child, service: Child, name: string, load: CaseLoad): Promise<PairedRuns> {
    const runs: PairedRuns = { bare: [], service: [] };
    for (let round = 1; round <= PAIRED_ROUNDS; round++) {
      runs.bare.push(await this.bare(bare, `bare (round ${round} of ${name})`, load));
      runs.service.push(await this.service(service, `${name} (round ${round})`, load));
    }
    return runs;
  }

  /**
   * A run against the service, with what it cost in database round trips (from `GET /metrics` of the whole
   * service: its metrics port when it runs workers).
   */
  async service(service: Child, name: string, load: CaseLoad, options: { informational?: boolean } = {}): Promise<CaseReport> {
    progress(`${name} (${load.connections} connection(s)):`);
    const run = (over: Partial<LoadOptions>): Promise<LoadResult> =>
      runLoad({ ...load, url: service.uri, headers: this.headers, checkCodes: true, progress, ...over });
    const drained = (): Promise<void> => settle(service.metricsUri);
    await this.warmUp(service, name, load, run);
    // Whatever an earlier run or the warm-up left to write is written before this run is measured.
    await drained();
    const before = await readMetrics(service.metricsUri);
    const measured = await this.measure(service, () => run({}), drained);
    const delta = metricsDelta(before, await readMetrics(service.metricsUri));
    assertAnswers(name, measured.result);
    const report: CaseReport = {
      name,
      ...measured,
      dbQueries: dbQueries(delta),
      metrics: delta,
      informational: options.informational ?? false,
    };
    this.runs.push(report);
    this.report(report);
    return report;
  }

  /**
   * A run, with the CPU time per answer of the server and of the database server, both over one window:
   * from the first request until `drained` resolves, i.e. until the service has written the run's request
   * logs behind it (the bare server writes nothing, so its window ends with the last answer).
   */
  private async measure(child: Child, run: () => Promise<LoadResult>, drained: () => Promise<void>): Promise<Measured> {
    const databaseCpu = (): number | null => (this.database.pid === null ? null : this.database.cpuMicros());
    const cpuBefore = child.cpuMicros();
    const databaseBefore = databaseCpu();
    const started = performance.now();
    const result = await run();
    await drained();
    const windowSeconds = Math.round(performance.now() - started) / 1000;
    const perResponse = (before: number | null, after: number | null): number | null =>
      before === null || after === null || result.responses === 0 ? null : (after - before) / result.responses;
    const cpu = perResponse(cpuBefore, child.cpuMicros());
    const databaseCpuPerResponse = perResponse(databaseBefore, databaseCpu());
    return {
      result,
      windowSeconds,
      cpuMicrosPerResponse: cpu === null ? null : Math.round(cpu),
      dbCpuMicrosPerResponse: databaseCpuPerResponse === null ? null : Math.round(databaseCpuPerResponse * 10) / 10,
    };
  }

  /**
   * Timed runs of both servers start with a warm-up, so neither is measured while its JIT is still
   * compiling: 3 s on a freshly started process, 1 s on one that has already served a case.
   * Runs of a fixed `amount` use keys up, so cannot afford one.
   */
  private async warmUp(child: Child, name: string, load: { amount?: number }, run: (over: Partial<LoadOptions>) => Promise<LoadResult>): Promise<void> {
    if (load.amount !== undefined) return;
    const durationSeconds = this.warmed.has(child) ? 1 : 3;
    this.warmed.add(child);
    assertAnswers(`${name} (warm-up)`, await run({ durationSeconds, progress: () => undefined }));
  }

  private report({ name, result, cpuMicrosPerResponse, dbCpuMicrosPerResponse }: CaseReport): void {
    const cpu = (label: string, micros: number | null | undefined): string => (micros == null ? '' : `, ${label} ${micros} µs/answer`);
    progress(
      `  ${name}: ${result.requestsPerSecond.toLocaleString('en')} req/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms` +
        cpu('CPU', cpuMicrosPerResponse) +
        cpu('DB CPU', dbCpuMicrosPerResponse),
    );
  }

  /** Fails fast, with a readable reason, when the service cannot verify at all. */
  async probe(service: Child, hotKey: string): Promise<void> {
    const checks: Array<[string, string, string]> = [
      ['the hot key', hotKey, 'VALID'],
      ['garbage', garbage(), 'INVALID'],
      ['a well-formed unknown key', generateSecret(this.workspace.slug, 'live'), 'INVALID'],
    ];
    for (const [label, key, expect] of checks) {
      const res = await fetch(`${service.uri}/v1/verify`, { method: 'POST', headers: this.headers, body: bodyOf(key) });
      const text = await res.text();
      if (res.status === 404) throw new BenchFailure('POST /v1/verify answered 404: this build has no verify route yet');
      const answer = (res.status === 200 ? JSON.parse(text) : {}) as { valid?: unknown; code?: unknown };
      if (answer.code !== expect || answer.valid !== (expect === 'VALID')) {
        throw new BenchFailure(`verifying ${label} should answer ${expect}; got ${res.status} ${text.slice(0, 300)}`);
      }
    }
    await readMetrics(service.metricsUri);
  }
}
