import { paginate, type ListBody, type PagePromise } from '../pagination';
import type { RequestOptions, Transport } from '../transport';
import type {
  BulkKeyActionParams,
  BulkKeyActionResult,
  CreateKeyParams,
  CreatedKey,
  Key,
  KeyDetails,
  KeyUsage,
  KeyUsageParams,
  ListKeyLogsParams,
  ListKeysParams,
  RequestLog,
  RotateKeyParams,
  RotatedKey,
  UpdateKeyParams,
} from '../types';

/** `/v1/keys`: issue, list, read, edit, stop, rotate and delete API keys (root key scopes `keys:read`, `keys:write`). */
export class Keys {
  constructor(private readonly transport: Transport) {}

  /**
   * Creates a key. The answer holds its secret, which is shown this once. Every attempt carries one
   * `Idempotency-Key` (`options.idempotencyKey`, or one generated for this call), so retries never make a
   * second key; pass your own to make a create safe to repeat across process restarts (honoured 24 h).
   */
  async create(params: CreateKeyParams, options?: RequestOptions): Promise<CreatedKey> {
    return (await this.transport.request<CreatedKey>({ method: 'POST', path: '/v1/keys', body: params, retry: 'safe', idempotent: true }, options)).body;
  }

  /**
   * Lists keys, newest first. Await it for the first page (`page.items`, `page.getNextPage()`), or
   * `for await (const key of keysmith.keys.list({ status: 'active' }))` for every key of every page.
   */
  list(params: ListKeysParams = {}, options?: RequestOptions): PagePromise<Key> {
    return paginate((cursor) => this.page<Key>('/v1/keys', { ...params, cursor }, options));
  }

  /** One key, with the limits in force and its usage and remaining quota per window. */
  async get(id: string, options?: RequestOptions): Promise<KeyDetails> {
    return (await this.transport.request<KeyDetails>({ method: 'GET', path: keyPath(id), retry: 'safe' }, options)).body;
  }

  /**
   * Edits a key; `null` clears a field. Pass `options.ifMatch` with the `version` you read to be refused
   * (`PreconditionFailedError`) if someone changed the key since.
   */
  async update(id: string, params: UpdateKeyParams, options?: RequestOptions): Promise<Key> {
    return (await this.transport.request<Key>({ method: 'PATCH', path: keyPath(id), body: params, retry: 'safe' }, options)).body;
  }

  /** Stops a key, reversibly: verifications answer `DISABLED` until it is enabled. */
  disable(id: string, options?: RequestOptions): Promise<Key> {
    return this.action(id, 'disable', options);
  }

  /** Re-enables a disabled key (it counts against the workspace's `maxActiveKeys` again). */
  enable(id: string, options?: RequestOptions): Promise<Key> {
    return this.action(id, 'enable', options);
  }

  /** Stops a key for good: it can be neither enabled nor rotated again. */
  revoke(id: string, options?: RequestOptions): Promise<Key> {
    return this.action(id, 'revoke', options);
  }

  /**
   * Issues a new secret for the same key id and settings; `overlapSeconds` keeps the old secret valid that
   * long. Like `create`, every attempt carries one `Idempotency-Key`.
   */
  async rotate(id: string, params: RotateKeyParams = {}, options?: RequestOptions): Promise<RotatedKey> {
    const request = { method: 'POST', path: `${keyPath(id)}/rotate`, body: params, retry: 'safe', idempotent: true } as const;
    return (await this.transport.request<RotatedKey>(request, options)).body;
  }

  /** Deletes a key that was never used; one with history is refused (`ConflictError`, `KEY_HAS_HISTORY`): disable or revoke it. */
  async delete(id: string, options?: RequestOptions): Promise<void> {
    await this.transport.request({ method: 'DELETE', path: keyPath(id), retry: 'safe' }, options);
  }

  /** Applies one action (`disable`, `enable`, `revoke`, `delete`) to up to 100 keys; each id gets its own result. */
  async bulk(params: BulkKeyActionParams, options?: RequestOptions): Promise<BulkKeyActionResult> {
    return (await this.transport.request<BulkKeyActionResult>({ method: 'POST', path: '/v1/keys/bulk', body: params, retry: 'safe' }, options)).body;
  }

  /**
   * A key's verifications by result code, for charts: per hour over the last 24 hours (`window: '24h'`,
   * the default) or per UTC day over the last 7 or 30 days. Every bucket is present, oldest first; the
   * last one holds now and is still filling.
   */
  async usage(id: string, params: KeyUsageParams = {}, options?: RequestOptions): Promise<KeyUsage> {
    const request = { method: 'GET', path: `${keyPath(id)}/usage`, query: { window: params.window }, retry: 'safe' } as const;
    return (await this.transport.request<KeyUsage>(request, options)).body;
  }

  /** A key's request logs (one per verification), newest first, of one result code with `code`; paginated like `list`. */
  logs(id: string, params: ListKeyLogsParams = {}, options?: RequestOptions): PagePromise<RequestLog> {
    return paginate((cursor) => this.page<RequestLog>(`${keyPath(id)}/logs`, { ...params, cursor }, options));
  }

  private async action(id: string, action: 'disable' | 'enable' | 'revoke', options?: RequestOptions): Promise<Key> {
    return (await this.transport.request<Key>({ method: 'POST', path: `${keyPath(id)}/${action}`, retry: 'safe' }, options)).body;
  }

  private async page<T>(path: string, query: Record<string, string | number | undefined>, options?: RequestOptions): Promise<ListBody<T>> {
    return (await this.transport.request<ListBody<T>>({ method: 'GET', path, query, retry: 'safe' }, options)).body;
  }
}

function keyPath(id: string): string {
  return `/v1/keys/${encodeURIComponent(id)}`;
}
