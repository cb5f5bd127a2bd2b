import { paginate, type ListBody, type PagePromise } from '../pagination';
import type { RequestOptions, Transport } from '../transport';
import type { AuditEvent, ListAuditEventsParams } from '../types';

/** `/v1/audit-events`: every lifecycle change in the workspace, newest first. */
export class AuditEvents {
  constructor(private readonly transport: Transport) {}

  /** Lists audit events, optionally of one key (`keyId`); await it for a page or iterate it for all. */
  list(params: ListAuditEventsParams = {}, options?: RequestOptions): PagePromise<AuditEvent> {
    return paginate(async (cursor) => {
      const request = { method: 'GET', path: '/v1/audit-events', query: { ...params, cursor }, retry: 'safe' } as const;
      return (await this.transport.request<ListBody<AuditEvent>>(request, options)).body;
    });
  }
}
