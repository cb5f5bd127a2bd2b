import type { Queryable } from '../db/database';
import { fromMillisRequired } from './columns';

export interface DbRequestLogRow {
  id: number;
  workspace_id: string;
  key_id: string | null;
  endpoint: string | null;
  code: string;
  duration_micros: number;
  client_ip: string | null;
  credits_spent: number;
  created_at: number;
}

export interface RequestLog {
  id: string;
  keyId: string | null;
  endpoint: string | null;
  code: string;
  durationMicros: number;
  clientIp: string | null;
  creditsSpent: number;
  createdAt: Date;
}

function fromRow(row: DbRequestLogRow): RequestLog {
  return {
    id: String(row.id),
    keyId: row.key_id,
    endpoint: row.endpoint,
    code: row.code,
    durationMicros: row.duration_micros,
    clientIp: row.client_ip,
    creditsSpent: Number(row.credits_spent),
    createdAt: fromMillisRequired(row.created_at),
  };
}

/** A key's request logs, newest first; `beforeId` continues a previous page. */
export async function listRequestLogs(
  db: Queryable,
  query: { workspaceId: string; keyId: string; beforeId?: number; limit: number },
): Promise<RequestLog[]> {
  const q = db<DbRequestLogRow>('request_logs')
    .where({ workspace_id: query.workspaceId, key_id: query.keyId })
    .orderBy('id', 'desc')
    .limit(query.limit);
  if (query.beforeId !== undefined) q.where('id', '<', query.beforeId);
  return ((await q) as DbRequestLogRow[]).map(fromRow);
}

/** How many verifications of a key were admitted (code VALID) at or after `since`. */
export async function countAdmittedSince(db: Queryable, keyId: string, since: Date): Promise<number> {
  const row = (await db('request_logs')
    .where({ key_id: keyId, code: 'VALID' })
    .where('created_at', '>=', since.getTime())
    .count({ n: '*' })
    .first()) as { n: number | string };
  return Number(row.n);
}
