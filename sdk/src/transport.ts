import { randomUUID } from 'node:crypto';
import Bottleneck from 'bottleneck';
import { ConnectionError, KeysmithError, RateLimitError, RequestAbortedError, TimeoutError, apiErrorOf } from './errors';

/** Options every call accepts as its last argument; each overrides the client's setting for that call only. */
export interface RequestOptions {
  /** How many times to retry this call after a retryable failure. @default the client's `maxRetries` */
  maxRetries?: number;
  /** How long one attempt may take, answer body included, in milliseconds. @default the client's `timeoutMs` */
  timeoutMs?: number;
  /** Aborts the call (and its retries); it then rejects with `RequestAbortedError`. */
  signal?: AbortSignal;
  /**
   * For create and rotate: the `Idempotency-Key` sent with every attempt, so the service makes one key
   * however many attempts reach it. @default a random UUID, generated once per call
   */
  idempotencyKey?: string;
  /** For updates: the `version` last read; the service refuses the edit (412) if the object changed since. */
  ifMatch?: number | string;
}

/**
 * Which failures a call may be retried after:
 * - `safe`: connection errors, timeouts, 408, 429 and 5xx (reads, idempotent writes, creates carrying an
 *   idempotency key);
 * - `uncounted`: only failures that prove the service did not act on the request (connection refused or
 *   never made, 429, 503). A verification consumes quota, so one that may have been counted is not repeated.
 */
export type RetryPolicy = 'safe' | 'uncounted';

/** One call of the HTTP API, as the resources describe it to the transport. */
export interface ApiRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** The path below the base URL, e.g. `/v1/keys/key_123`; segments already encoded. */
  path: string;
  /** Query parameters; arrays repeat the parameter, undefined ones are left out. */
  query?: Record<string, string | number | boolean | readonly string[] | null | undefined> | undefined;
  /** The JSON body, if any. */
  body?: unknown;
  retry: RetryPolicy;
  /** Send an `Idempotency-Key` (the caller's, or one generated for this call) with every attempt. */
  idempotent?: boolean;
}

/** A successful answer. */
export interface ApiResponse<T> {
  status: number;
  headers: Record<string, string>;
  body: T;
}

/** What the transport needs; `Keysmith` fills it from its options. */
export interface TransportSettings {
  baseUrl: string;
  rootKey: string;
  timeoutMs: number;
  maxRetries: number;
  fetch: typeof fetch;
  maxConcurrent?: number | undefined;
  requestsPerSecond?: number | undefined;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
}

const INITIAL_RETRY_DELAY_MS = 500;
const MAX_RETRY_DELAY_MS = 8_000;
/** A `Retry-After` longer than this is not waited for: the error is thrown with the answer's headers. */
const MAX_RETRY_AFTER_MS = 60_000;
/** Connection failures that happen before any byte of the request can have reached the service. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT']);
const USER_AGENT = 'keysmith-sdk-node/0.1.0';

/** How one attempt ended, for the retry decision. */
type Outcome =
  | { kind: 'answer'; response: ApiResponse<unknown> }
  | { kind: 'error'; error: KeysmithError; retryable: RetryPolicy | 'never'; retryAfterMs?: number | undefined };

/**
 * The one way the client talks to the service: fetch with a per-attempt timeout (an AbortSignal inside the
 * task), retries with jittered exponential backoff that honour `Retry-After`, and throttling. When
 * `maxConcurrent` or `requestsPerSecond` is set, every attempt, retries included, is scheduled through a
 * Bottleneck limiter; retries are waited for outside it, so a waiting retry holds no slot. A 429 pauses
 * every call of this client for its `Retry-After` (the limiter's reservoir drops to 0 meanwhile). Without
 * either option there is no limiter, so an unthrottled call pays none of its scheduling delay.
 */
export class Transport {
  private readonly limiter: Bottleneck | undefined;
  private readonly baseUrl: string;
  private pauseGeneration = 0;
  private pausedUntil = 0;
  /** Without a limiter, calls wait on this while a 429's Retry-After runs. */
  private pause: Promise<void> | undefined;

  constructor(private readonly settings: TransportSettings) {
    this.baseUrl = settings.baseUrl.replace(/\/+$/, '');
    const { maxConcurrent, requestsPerSecond } = settings;
    if (maxConcurrent !== undefined || requestsPerSecond !== undefined) {
      // minTime spaces attempt starts evenly, so N attempts take at least (N - 1) / requestsPerSecond s.
      this.limiter = new Bottleneck({
        maxConcurrent: maxConcurrent ?? null,
        minTime: requestsPerSecond !== undefined ? Math.ceil(1000 / requestsPerSecond) : 0,
      });
    }
  }

  /** Sends the request, retrying as its policy allows; resolves with the 2xx answer or throws a `KeysmithError`. */
  async request<T>(request: ApiRequest, options: RequestOptions = {}): Promise<ApiResponse<T>> {
    const maxRetries = options.maxRetries ?? this.settings.maxRetries;
    const headers = this.headersFor(request, options);
    for (let attempt = 0; ; attempt++) {
      throwIfAborted(options.signal);
      const outcome = await this.schedule(() => this.attempt(request, headers, options));
      if (outcome.kind === 'answer') return outcome.response as ApiResponse<T>;
      const { error, retryable, retryAfterMs } = outcome;
      const waitable = retryAfterMs === undefined || retryAfterMs <= MAX_RETRY_AFTER_MS;
      // A longer Retry-After is not waited out here, nor imposed on the client's other calls: each gets its own answer.
      if (error instanceof RateLimitError && retryAfterMs !== undefined && waitable) this.pauseFor(retryAfterMs);
      const allowed = retryable === 'safe' ? request.retry === 'safe' : retryable === 'uncounted';
      if (!allowed || attempt >= maxRetries || !waitable) throw error;
      await this.waitOrAbort(retryAfterMs ?? this.backoffMs(attempt), options.signal);
    }
  }

  /** Jittered exponential backoff: 0.5 s, 1 s, 2 s… up to 8 s, each shortened by up to a quarter at random. */
  private backoffMs(attempt: number): number {
    const base = Math.min(INITIAL_RETRY_DELAY_MS * 2 ** attempt, MAX_RETRY_DELAY_MS);
    return Math.round(base * (1 - 0.25 * this.settings.random()));
  }

  private headersFor(request: ApiRequest, options: RequestOptions): Record<string, string> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.settings.rootKey}`,
      accept: 'application/json',
      'user-agent': USER_AGENT,
    };
    if (request.body !== undefined) headers['content-type'] = 'application/json';
    // One key for the call, generated before the first attempt, so every retry repeats it.
    if (request.idempotent) headers['idempotency-key'] = options.idempotencyKey ?? randomUUID();
    if (options.ifMatch !== undefined) headers['if-match'] = `"${String(options.ifMatch).replace(/^(W\/)?"|"$/g, '')}"`;
    return headers;
  }

  private schedule<T>(task: () => Promise<T>): Promise<T> {
    if (this.limiter) return this.limiter.schedule(task);
    return this.pause ? this.pause.then(task) : task();
  }

  private async attempt(request: ApiRequest, headers: Record<string, string>, options: RequestOptions): Promise<Outcome> {
    const timeoutMs = options.timeoutMs ?? this.settings.timeoutMs;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    let response: Response;
    let text: string;
    try {
      response = await this.settings.fetch(this.urlOf(request), {
        method: request.method,
        headers,
        ...(request.body !== undefined ? { body: JSON.stringify(request.body) } : {}),
        signal,
      });
      text = await response.text();
    } catch (err) {
      return this.failureOf(err, options.signal, timeout, timeoutMs);
    }
    const responseHeaders = Object.fromEntries(response.headers);
    const body = parseBody(text);
    if (response.ok) return { kind: 'answer', response: { status: response.status, headers: responseHeaders, body } };
    const error = apiErrorOf(response.status, body, responseHeaders);
    return { kind: 'error', error, retryable: retryabilityOf(response.status), retryAfterMs: retryAfterMsOf(responseHeaders) };
  }

  private failureOf(err: unknown, userSignal: AbortSignal | undefined, timeout: AbortSignal, timeoutMs: number): Outcome {
    if (userSignal?.aborted) return { kind: 'error', error: abortedError(userSignal), retryable: 'never' };
    const code = causeCode(err);
    const neverSent = code !== undefined && NOT_SENT_CODES.has(code);
    if (timeout.aborted || code === 'UND_ERR_CONNECT_TIMEOUT') {
      const what = timeout.aborted ? `no answer from the Keysmith service within ${timeoutMs} ms` : 'could not connect to the Keysmith service in time';
      const error = new TimeoutError(what, !neverSent, { cause: err });
      return { kind: 'error', error, retryable: neverSent ? 'uncounted' : 'safe' };
    }
    const error = new ConnectionError(`could not reach the Keysmith service${code ? ` (${code})` : ''}`, { cause: err });
    return { kind: 'error', error, retryable: neverSent ? 'uncounted' : 'safe' };
  }

  private urlOf(request: ApiRequest): string {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(request.query ?? {})) {
      if (value === undefined || value === null) continue;
      if (Array.isArray(value)) for (const item of value as readonly string[]) params.append(name, item);
      else params.append(name, String(value));
    }
    const query = params.toString();
    return `${this.baseUrl}${request.path}${query ? `?${query}` : ''}`;
  }

  /** Holds every attempt of this client back for `ms` (the longest pause asked for wins). */
  private pauseFor(ms: number): void {
    const until = Date.now() + ms;
    if (ms <= 0 || until <= this.pausedUntil) return;
    this.pausedUntil = until;
    const generation = ++this.pauseGeneration;
    const over = this.settings.sleep(ms).then(() => {
      if (generation !== this.pauseGeneration) return;
      this.pausedUntil = 0;
      this.pause = undefined;
      if (this.limiter) this.limiter.updateSettings({ reservoir: null });
    });
    if (this.limiter) this.limiter.updateSettings({ reservoir: 0 });
    else this.pause = over;
  }

  private async waitOrAbort(ms: number, signal: AbortSignal | undefined): Promise<void> {
    if (!signal) return this.settings.sleep(ms);
    throwIfAborted(signal);
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(abortedError(signal));
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      await Promise.race([this.settings.sleep(ms), aborted]);
    } finally {
      signal.removeEventListener('abort', onAbort!);
    }
  }
}

/** Which policies allow a retry after an answer with this status. */
function retryabilityOf(status: number): RetryPolicy | 'never' {
  if (status === 429 || status === 503) return 'uncounted';
  if (status === 408 || status >= 500) return 'safe';
  return 'never';
}

/** `Retry-After` in milliseconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMsOf(headers: Record<string, string>, now = Date.now()): number | undefined {
  const value = headers['retry-after'];
  if (value === undefined || value.trim() === '') return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(value)) return Math.round(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The `code` of a fetch failure's cause chain (`ECONNREFUSED`, `UND_ERR_SOCKET`…). */
function causeCode(err: unknown): string | undefined {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    const errors = (e as { errors?: unknown }).errors;
    if (Array.isArray(errors)) return causeCode(errors[0]);
  }
  return undefined;
}

function abortedError(signal: AbortSignal): RequestAbortedError {
  return new RequestAbortedError('the call was aborted', { cause: signal.reason });
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortedError(signal);
}

