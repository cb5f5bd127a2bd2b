import { paginate, type ListBody, type PagePromise } from '../pagination';
import type { RequestOptions, Transport } from '../transport';
import type { CreateQuotaPolicyParams, ListQuotaPoliciesParams, QuotaPolicy, UpdateQuotaPolicyParams } from '../types';

/** `/v1/quota-policies`: reusable `{quota, rateLimit, credits}` bundles (root key scope `policies:write` to change them). */
export class QuotaPolicies {
  constructor(private readonly transport: Transport) {}

  /**
   * Creates a policy. The service takes no idempotency key here, so a create is retried only after failures
   * that prove it was not acted on (connection refused, 429, 503), never one that may have made the policy.
   */
  async create(params: CreateQuotaPolicyParams, options?: RequestOptions): Promise<QuotaPolicy> {
    return (await this.transport.request<QuotaPolicy>({ method: 'POST', path: '/v1/quota-policies', body: params, retry: 'uncounted' }, options)).body;
  }

  /** Lists policies; await it for the first page or iterate it with `for await` for all of them. */
  list(params: ListQuotaPoliciesParams = {}, options?: RequestOptions): PagePromise<QuotaPolicy> {
    return paginate(async (cursor) => {
      const request = { method: 'GET', path: '/v1/quota-policies', query: { ...params, cursor }, retry: 'safe' } as const;
      return (await this.transport.request<ListBody<QuotaPolicy>>(request, options)).body;
    });
  }

  /** One policy. */
  async get(id: string, options?: RequestOptions): Promise<QuotaPolicy> {
    return (await this.transport.request<QuotaPolicy>({ method: 'GET', path: policyPath(id), retry: 'safe' }, options)).body;
  }

  /** Edits a policy (keys pointing at it follow); `options.ifMatch` refuses the edit if it changed since you read it. */
  async update(id: string, params: UpdateQuotaPolicyParams, options?: RequestOptions): Promise<QuotaPolicy> {
    return (await this.transport.request<QuotaPolicy>({ method: 'PATCH', path: policyPath(id), body: params, retry: 'safe' }, options)).body;
  }

  /** Deletes a policy. */
  async delete(id: string, options?: RequestOptions): Promise<void> {
    await this.transport.request({ method: 'DELETE', path: policyPath(id), retry: 'safe' }, options);
  }
}

function policyPath(id: string): string {
  return `/v1/quota-policies/${encodeURIComponent(id)}`;
}
