import { AuditEvents } from './resources/auditEvents';
import { Keys } from './resources/keys';
import { QuotaPolicies } from './resources/quotaPolicies';
import { RootKeys } from './resources/rootKeys';
import { WorkspaceResource } from './resources/workspace';
import { Transport, type RequestOptions } from './transport';
import type { VerifyOptions, VerifyResult } from './types';

/** How a client reaches the service and how it retries and throttles. */
export interface ClientOptions {
  /** The service's base URL, e.g. `https://keys.example.com`. @default `process.env.KEYSMITH_BASE_URL` */
  baseUrl?: string;
  /** The root key sent as `Authorization: Bearer …`. @default `process.env.KEYSMITH_ROOT_KEY` */
  rootKey?: string;
  /** How long one attempt may take, in milliseconds; a call may make several. @default 10000 */
  timeoutMs?: number;
  /** How many times a call is retried after a retryable failure. @default 2 */
  maxRetries?: number;
  /** The fetch implementation. @default `globalThis.fetch` */
  fetch?: typeof fetch;
  /** At most this many requests in flight at once. @default unlimited */
  maxConcurrent?: number;
  /** At most this many request starts per second, retries included (starts are spaced evenly). @default unlimited */
  requestsPerSecond?: number;
  /**
   * How the client waits before a retry and while a 429's `Retry-After` runs. Replace it to run tests
   * without real waits. @default a `setTimeout` promise
   */
  sleep?: (ms: number) => Promise<void>;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_RETRIES = 2;

/**
 * The Keysmith client: one per process is enough (it holds the throttle). Management calls hang off its
 * resources; `verify` answers whether a key may make a request.
 *
 * ```ts
 * const keysmith = new Keysmith({ baseUrl: 'https://keys.example.com', rootKey: process.env.KEYSMITH_ROOT_KEY });
 * const result = await keysmith.verify(secretFromCaller, { ip, endpoint: 'GET /v1/reports' });
 * if (!result.valid) console.log(result.code);
 * ```
 */
export class Keysmith {
  /** The transport every call goes through (timeouts, retries, throttling). */
  protected readonly transport: Transport;
  /** API keys: create, list, get, update, disable, enable, revoke, rotate, delete, bulk, usage, logs. */
  readonly keys: Keys;
  /** Reusable quota policies: create, list, get, update, delete. */
  readonly quotaPolicies: QuotaPolicies;
  /** The workspace's audit trail: list. */
  readonly auditEvents: AuditEvents;
  /** The root key's workspace: get, update. */
  readonly workspace: WorkspaceResource;
  /** The workspace's root keys: list, create, revoke. */
  readonly rootKeys: RootKeys;

  constructor(options: ClientOptions = {}) {
    const baseUrl = options.baseUrl ?? process.env.KEYSMITH_BASE_URL;
    const rootKey = options.rootKey ?? process.env.KEYSMITH_ROOT_KEY;
    if (!baseUrl) throw new TypeError('baseUrl is required: pass it or set KEYSMITH_BASE_URL');
    if (!rootKey) throw new TypeError('rootKey is required: pass it or set KEYSMITH_ROOT_KEY');
    checkPositive('timeoutMs', options.timeoutMs);
    checkPositive('maxConcurrent', options.maxConcurrent);
    checkPositive('requestsPerSecond', options.requestsPerSecond);
    if (options.maxRetries !== undefined && !(Number.isInteger(options.maxRetries) && options.maxRetries >= 0)) {
      throw new TypeError(`maxRetries must be a whole number of at least 0, got ${options.maxRetries}`);
    }
    this.transport = new Transport({
      baseUrl,
      rootKey,
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      maxRetries: options.maxRetries ?? DEFAULT_MAX_RETRIES,
      // Looked up per call, so a fetch patched after the client was made (tests, tracing) is used.
      fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
      maxConcurrent: options.maxConcurrent,
      requestsPerSecond: options.requestsPerSecond,
      sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
      random: Math.random,
    });
    this.keys = new Keys(this.transport);
    this.quotaPolicies = new QuotaPolicies(this.transport);
    this.auditEvents = new AuditEvents(this.transport);
    this.workspace = new WorkspaceResource(this.transport);
    this.rootKeys = new RootKeys(this.transport);
  }

  /**
   * Asks whether `key` may make this request, and counts it (rate limits, quotas, credits, request log).
   * A denial is an answer, not an error: check `result.valid` and `result.code`. Errors mean the call
   * failed (bad root key, service unreachable). Because a verification is counted, it is retried only
   * when it cannot have been (connection refused, 429, 503), never after a timeout of a request that was sent.
   */
  async verify(key: string, options: VerifyOptions = {}, request?: RequestOptions): Promise<VerifyResult> {
    const response = await this.transport.request<VerifyResult>({ method: 'POST', path: '/v1/verify', body: { ...options, key }, retry: 'uncounted' }, request);
    return response.body;
  }
}

function checkPositive(name: string, value: number | undefined): void {
  if (value !== undefined && !(Number.isFinite(value) && value > 0)) throw new TypeError(`${name} must be a number above 0, got ${value}`);
}
