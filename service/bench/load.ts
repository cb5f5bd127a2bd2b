/**
 * One load run with autocannon, plus what autocannon does not keep: every response's latency at
 * sub-millisecond precision (its histogram rounds to whole milliseconds, too coarse on loopback), and the
 * `code` of every answer, checked against what the request was meant to get.
 */
import autocannon from 'autocannon';

/** One kind of request in the cycle a connection sends, and the code every answer to it must carry. */
export interface RequestKind {
  kind: string;
  expect: string;
  /**
   * A fixed body; several, sent in turn by each connection (prepared up front, so the load generator does
   * no work per request); or one built per request (a fresh key each time), null when there is nothing left.
   */
  body: string | string[] | (() => string | null);
}

export interface LoadOptions {
  url: string;
  headers: Record<string, string>;
  connections: number;
  durationSeconds: number;
  /** Stop after this many responses (or at `durationSeconds`, whichever is first). */
  amount?: number;
  /** Sent in turn on each connection: `[valid, garbage]` alternates the two. */
  requests: RequestKind[];
  /** The bare route answers no code worth checking. */
  checkCodes: boolean;
  progress: (line: string) => void;
}

export interface LoadResult {
  connections: number;
  seconds: number;
  responses: number;
  requestsPerSecond: number;
  meanMs: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** Per request kind, how many answers carried each code. */
  codes: Record<string, Record<string, number>>;
  /** Answers whose code was not the one expected (or unreadable), with the first few bodies. */
  unexpected: number;
  unexpectedSamples: string[];
}

const CODE = /"code":"([A-Z_]+)"/;

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const round2 = (n: number): number => Math.round(n * 100) / 100;

export function runLoad(options: LoadOptions): Promise<LoadResult> {
  const codes: Record<string, Record<string, number>> = {};
  const unexpectedSamples: string[] = [];
  let unexpected = 0;
  let latencies = new Float64Array(1 << 16);
  let count = 0;
  let instance: autocannon.Instance | undefined;
  let deadline: NodeJS.Timeout | undefined;

  const requests: autocannon.Request[] = options.requests.flatMap((request) => {
    const tally: Record<string, number> = (codes[request.kind] = {});
    const built: autocannon.Request = {
      method: 'POST',
      path: '/v1/verify',
      onResponse: (status, body) => {
        if (!options.checkCodes) return;
        const code = CODE.exec(body)?.[1] ?? `HTTP ${status}`;
        tally[code] = (tally[code] ?? 0) + 1;
        if (code !== request.expect || status !== 200) {
          unexpected++;
          if (unexpectedSamples.length < 3) unexpectedSamples.push(`${request.kind}: ${status} ${body.slice(0, 300)}`);
        }
      },
    };
    const { body } = request;
    if (Array.isArray(body)) return body.map((text) => ({ ...built, body: text }));
    if (typeof body === 'string') built.body = body;
    else {
      // autocannon rebuilds the request before each send; a falsy answer would restart the cycle, so
      // running out of bodies stops the run instead (callers size `amount` to what they have).
      built.setupRequest = (req) => {
        const next = body();
        if (next === null) {
          instance?.stop();
          return req;
        }
        return { ...req, body: next };
      };
    }
    return built;
  });

  return new Promise<LoadResult>((resolvePromise, reject) => {
    // From the first request to the last answer: autocannon itself ends runs on its one-second ticks.
    let started = performance.now();
    let lastAnswerAt = started;
    const opts: autocannon.Options = {
      url: options.url,
      connections: options.connections,
      pipelining: 1,
      duration: options.durationSeconds,
      headers: options.headers,
      requests,
      timeout: 10,
    };
    if (options.amount !== undefined) opts.amount = options.amount;
    const run = autocannon(opts, (err: unknown, result: autocannon.Result) => {
      clearTimeout(deadline);
      if (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
        return;
      }
      const seconds = Math.max(lastAnswerAt - started, 1) / 1000;
      const sorted = latencies.subarray(0, count).sort();
      let sum = 0;
      for (const value of sorted) sum += value;
      resolvePromise({
        connections: options.connections,
        seconds: round2(seconds),
        responses: count,
        requestsPerSecond: Math.round(count / seconds),
        meanMs: round2(count === 0 ? 0 : sum / count),
        p50Ms: round2(percentile(sorted, 50)),
        p99Ms: round2(percentile(sorted, 99)),
        non2xx: result.non2xx,
        errors: result.errors,
        timeouts: result.timeouts,
        codes: options.checkCodes ? codes : {},
        unexpected,
        unexpectedSamples,
      });
    });
    instance = run;
    // With `amount`, autocannon ignores the duration; keep the run bounded anyway.
    if (options.amount !== undefined) deadline = setTimeout(() => run.stop(), options.durationSeconds * 1000);
    run.on('start', () => {
      started = performance.now();
    });
    run.on('response', (_client, _status, _bytes, responseTime) => {
      lastAnswerAt = performance.now();
      if (count === latencies.length) {
        const grown = new Float64Array(latencies.length * 2);
        grown.set(latencies);
        latencies = grown;
      }
      latencies[count++] = responseTime;
    });
    let ticks = 0;
    run.on('tick', () => {
      if (++ticks % 2 === 0) options.progress(`    ${ticks} s: ${count.toLocaleString('en')} responses`);
    });
  });
}
