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

/** Where a log stands in a key's list: the list is ordered by these, newest (greatest) first. */
export interface LogPosition {
  createdAt: number;
  id: number;
}

/**
 * A key's request logs, newest first, of one verification code when given; `after` continues a previous
 * page. The order, (created_at, id) descending, is the order of both indexes by key: (key_id, created_at,
 * id, code) reads the whole list, (key_id, code, created_at) the list of one code, each a range scan from
 * the position on, with no sort.
 */
export async function listRequestLogs(
  db: Queryable,
  query: { workspaceId: string; keyId: string; code?: string; after?: LogPosition; limit: number },
): Promise<RequestLog[]> {
  const q = db<DbRequestLogRow>('request_logs')
    .where({ workspace_id: query.workspaceId, key_id: query.keyId })
    .orderBy([
      { column: 'created_at', order: 'desc' },
      { column: 'id', order: 'desc' },
    ])
    .limit(query.limit);
  if (query.code !== undefined) q.where('code', query.code);
  const { after } = query;
  if (after !== undefined) {
    q.where((w) => w.where('created_at', '<', after.createdAt).orWhere((same) => same.where('created_at', after.createdAt).where('id', '<', after.id)));
  }
  return ((await q) as DbRequestLogRow[]).map(fromRow);
}

/** Where the key's log `id` stands in its list; null when the key has no such log. */
export async function positionOfLog(db: Queryable, keyId: string, id: number): Promise<LogPosition | null> {
  const row = (await db<DbRequestLogRow>('request_logs').where({ id, key_id: keyId }).first('created_at')) as Pick<DbRequestLogRow, 'created_at'> | undefined;
  return row ? { createdAt: Number(row.created_at), id } : null;
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

/** How many of a key's verifications of one code fell into one bucket (`bucket` counts from 0). */
export interface BucketCount {
  bucket: number;
  code: string;
  count: number;
}

/**
 * A key's verifications from `from` on, counted per code in `buckets` consecutive buckets of `bucketMs`.
 * One grouped query over the (key_id, created_at, id, code) index: a range scan that reads no table rows.
 */
export async function countByBucket(
  db: Queryable,
  query: { keyId: string; from: Date; bucketMs: number; buckets: number },
): Promise<BucketCount[]> {
  const from = query.from.getTime();
  const until = from + query.bucketMs * query.buckets;
  // Integer division: MySQL's DIV; SQLite gets the bound numbers as reals, so its quotient is cast (truncating).
  const bucket = db.client.config.client === 'mysql2' ? '(created_at - ?) DIV ?' : 'cast((created_at - ?) / ? as integer)';
  const rows = (await db('request_logs')
    .select(db.raw(`${bucket} as bucket`, [from, query.bucketMs]), 'code')
    .count({ n: '*' })
    .where('key_id', query.keyId)
    .where('created_at', '>=', from)
    .where('created_at', '<', until)
    .groupBy('bucket', 'code')) as Array<{ bucket: number | string; code: string; n: number | string }>;
  return rows.map((row) => ({ bucket: Number(row.bucket), code: row.code, count: Number(row.n) }));
}
