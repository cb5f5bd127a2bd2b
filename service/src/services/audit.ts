import type { Clock } from '../clock';
import type { Database, Queryable } from '../db/database';
import { snapshot } from '../domain/keys';
import type { AuditEvent, AuditTargetType, Caller, Page } from '../domain/model';
import { insertAuditEvent, listAuditEvents } from '../repositories/auditEvents';
import { decodeNumericCursor, toPage } from './cursor';

export interface Change {
  action: string;
  targetType: AuditTargetType;
  targetId: string;
  keyId?: string;
  before: object | null;
  after: object | null;
}

/** Writes the audit event of a change; call it inside the change's own transaction. */
export async function recordChange(tx: Queryable, clock: Clock, caller: Caller, change: Change): Promise<void> {
  await insertAuditEvent(tx, {
    workspaceId: caller.workspaceId,
    action: change.action,
    targetType: change.targetType,
    targetId: change.targetId,
    keyId: change.keyId ?? null,
    actor: caller.actor,
    before: change.before === null ? null : snapshot(change.before),
    after: change.after === null ? null : snapshot(change.after),
    requestId: caller.requestId ?? null,
    createdAt: clock.now(),
  });
}

export class AuditService {
  constructor(private readonly deps: { db: Database }) {}

  async list(caller: Caller, query: { keyId?: string; cursor?: string; limit: number }): Promise<Page<AuditEvent>> {
    const events = await listAuditEvents(this.deps.db.knex, {
      workspaceId: caller.workspaceId,
      limit: query.limit,
      ...(query.keyId ? { keyId: query.keyId } : {}),
      ...(query.cursor ? { beforeId: decodeNumericCursor(query.cursor) } : {}),
    });
    return toPage(events, query.limit, (e) => e.id);
  }
}
