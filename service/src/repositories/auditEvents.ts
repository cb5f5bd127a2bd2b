import type { AuditEvent, AuditTargetType, Actor } from '../domain/model';
import type { Queryable } from '../db/database';
import { fromMillisRequired } from './columns';

export interface DbAuditEventRow {
  id: number;
  workspace_id: string;
  action: string;
  target_type: string;
  target_id: string;
  key_id: string | null;
  actor_type: string;
  actor_id: string;
  actor_email: string | null;
  before_json: string | null;
  after_json: string | null;
  request_id: string | null;
  created_at: number;
}

export type NewAuditEvent = Omit<AuditEvent, 'id'>;

const json = (value: Record<string, unknown> | null): string | null => (value === null ? null : JSON.stringify(value));

export async function insertAuditEvent(db: Queryable, event: NewAuditEvent): Promise<void> {
  await db('audit_events').insert({
    workspace_id: event.workspaceId,
    action: event.action,
    target_type: event.targetType,
    target_id: event.targetId,
    key_id: event.keyId,
    actor_type: event.actor.type,
    actor_id: event.actor.id,
    actor_email: event.actor.email ?? null,
    before_json: json(event.before),
    after_json: json(event.after),
    request_id: event.requestId,
    created_at: event.createdAt.getTime(),
  });
}

function fromRow(row: DbAuditEventRow): AuditEvent {
  return {
    id: String(row.id),
    workspaceId: row.workspace_id,
    action: row.action,
    targetType: row.target_type as AuditTargetType,
    targetId: row.target_id,
    keyId: row.key_id,
    actor: { type: row.actor_type as Actor['type'], id: row.actor_id, ...(row.actor_email ? { email: row.actor_email } : {}) },
    before: row.before_json === null ? null : (JSON.parse(row.before_json) as Record<string, unknown>),
    after: row.after_json === null ? null : (JSON.parse(row.after_json) as Record<string, unknown>),
    requestId: row.request_id,
    createdAt: fromMillisRequired(row.created_at),
  };
}

/** Newest first; `beforeId` continues a previous page. */
export async function listAuditEvents(
  db: Queryable,
  query: { workspaceId: string; keyId?: string; beforeId?: number; limit: number },
): Promise<AuditEvent[]> {
  const q = db<DbAuditEventRow>('audit_events').where('workspace_id', query.workspaceId).orderBy('id', 'desc').limit(query.limit);
  if (query.keyId) q.where('key_id', query.keyId);
  if (query.beforeId !== undefined) q.where('id', '<', query.beforeId);
  return ((await q) as DbAuditEventRow[]).map(fromRow);
}
