import type { Queryable } from '../db/database';
import { fromMillisRequired } from './columns';
import type { BlockLog } from './logBlockCodec';
import { MAX_BLOCK_SPAN_MS, codeCounts, logId, logsOf, type DbLogBlockRow } from './requestLogBlocks';

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

function toRequestLog(keyId: string, log: BlockLog, id: number): RequestLog {
  return {
    id: String(id),
    keyId,
    endpoint: log.endpoint,
    code: log.code,
    durationMicros: log.durationMicros,
    clientIp: log.clientIp,
    creditsSpent: log.creditsSpent,
    createdAt: fromMillisRequired(log.createdAt),
  };
}

/** Where a log stands in a key's list: the list is ordered by these, newest (greatest) first. */
export interface LogPosition {
  createdAt: number;
  id: number;
}

const before = (a: LogPosition, b: LogPosition): boolean => a.createdAt < b.createdAt || (a.createdAt === b.createdAt && a.id < b.id);

/** Blocks read per query of a list: few for the first page of a busy key, more while its blocks hold few matches. */
const FIRST_BLOCKS = 4;
const MOST_BLOCKS = 64;

/** A LIKE pattern that matches `"CODE":` inside a block's `codes`, with `!` as the escape character. */
const codePattern = (code: string): string => `%${JSON.stringify(code).replace(/[!%_]/g, '!$&')}:%`;

/**
 * A key's request logs, newest first, of one verification code when given; `after` continues a previous
 * page. Blocks are read newest first by their last log, over the (key_id, last_at, id) index; blocks
 * written by different instances overlap in time, so a log is returned only once every block still unread
 * is older than it. A page after `after` starts at the blocks that end by `after` + MAX_BLOCK_SPAN_MS: none
 * that began before `after` ends later. With a code, blocks without a log of it are passed over by their
 * `codes`, unopened; they are still read, so a code rare in a long history reads most of the key's blocks.
 */
export async function listRequestLogs(
  db: Queryable,
  query: { workspaceId: string; keyId: string; code?: string; after?: LogPosition; limit: number },
): Promise<RequestLog[]> {
  const { keyId, code, after, limit } = query;
  let found: Array<{ position: LogPosition; log: BlockLog }> = [];
  let horizon: { lastAt: number; id: number } | undefined;
  for (let chunk = FIRST_BLOCKS; ; chunk = Math.min(2 * chunk, MOST_BLOCKS)) {
    const q = db<DbLogBlockRow>('request_log_blocks')
      .select('id', 'last_at', 'logs')
      .where({ workspace_id: query.workspaceId, key_id: keyId })
      .orderBy([
        { column: 'last_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .limit(chunk);
    if (code !== undefined) q.whereRaw(`codes like ? escape '!'`, [codePattern(code)]);
    if (after !== undefined) q.where('last_at', '<=', after.createdAt + MAX_BLOCK_SPAN_MS).where('first_at', '<=', after.createdAt);
    const seen = horizon;
    if (seen !== undefined) q.where((w) => w.where('last_at', '<', seen.lastAt).orWhere((same) => same.where('last_at', seen.lastAt).where('id', '<', seen.id)));
    const rows = (await q) as Array<Pick<DbLogBlockRow, 'id' | 'last_at' | 'logs'>>;
    for (const row of rows) {
      for (const log of logsOf(row)) {
        if (code !== undefined && log.code !== code) continue;
        const position = { createdAt: log.createdAt, id: logId(Number(row.id), log.index) };
        if (after === undefined || before(position, after)) found.push({ position, log });
      }
    }
    // Only the newest `limit` can be returned, whatever the blocks still unread hold.
    found = found.sort((a, b) => (before(a.position, b.position) ? 1 : -1)).slice(0, limit);
    const last = rows.length === chunk ? rows[rows.length - 1] : undefined;
    if (last !== undefined) {
      const seenTo = { lastAt: Number(last.last_at), id: Number(last.id) };
      horizon = seenTo;
      // A log no newer than the last block read may yet be outdone by one in a block not read.
      if (found.filter(({ position }) => position.createdAt > seenTo.lastAt).length < limit) continue;
    }
    return found.map(({ position, log }) => toRequestLog(keyId, log, position.id));
  }
}

/**
 * How many verifications of a key were admitted (code VALID) at or after `since`: the blocks wholly after
 * it counted from the index, the few that straddle it (they end within MAX_BLOCK_SPAN_MS of it) opened.
 */
export async function countAdmittedSince(db: Queryable, keyId: string, since: Date): Promise<number> {
  const from = since.getTime();
  const blocks = () => db<DbLogBlockRow>('request_log_blocks').where('key_id', keyId).where('last_at', '>=', from);
  const whole = (await blocks().where('first_at', '>=', from).sum({ n: 'admitted' }).first()) as { n: number | string | null };
  const straddling = (await blocks().where('last_at', '<', from + MAX_BLOCK_SPAN_MS).where('first_at', '<', from).where('admitted', '>', 0).select('logs')) as Array<
    Pick<DbLogBlockRow, 'logs'>
  >;
  let admitted = Number(whole.n ?? 0);
  for (const row of straddling) for (const log of logsOf(row)) if (log.code === 'VALID' && log.createdAt >= from) admitted++;
  return admitted;
}

/** How many of a key's verifications of one code fell into one bucket (`bucket` counts from 0). */
export interface BucketCount {
  bucket: number;
  code: string;
  count: number;
}

/** Blocks whose logs are opened per query when they cross a bucket's edge. */
const OPENED_PER_QUERY = 200;

/**
 * A key's verifications from `from` on, counted per code in `buckets` consecutive buckets of `bucketMs`.
 * A block inside one bucket counts by its `codes`; only a block across a bucket's edge (a flush spans
 * about a second, so few do) is opened.
 */
export async function countByBucket(
  db: Queryable,
  query: { keyId: string; from: Date; bucketMs: number; buckets: number },
): Promise<BucketCount[]> {
  const from = query.from.getTime();
  const until = from + query.bucketMs * query.buckets;
  const bucketOf = (at: number): number => Math.floor((at - from) / query.bucketMs);
  const counts = new Map<string, BucketCount>();
  const add = (bucket: number, code: string, n: number): void => {
    const id = `${bucket} ${code}`;
    const count = counts.get(id);
    if (count) count.count += n;
    else counts.set(id, { bucket, code, count: n });
  };
  const rows = (await db<DbLogBlockRow>('request_log_blocks')
    .select('id', 'first_at', 'last_at', 'codes')
    .where('key_id', query.keyId)
    .where('last_at', '>=', from)
    .where('last_at', '<', until + MAX_BLOCK_SPAN_MS)
    .where('first_at', '<', until)) as Array<Pick<DbLogBlockRow, 'id' | 'first_at' | 'last_at' | 'codes'>>;
  const crossing: number[] = [];
  for (const row of rows) {
    const first = Number(row.first_at);
    const last = Number(row.last_at);
    if (first >= from && last < until && bucketOf(first) === bucketOf(last)) {
      for (const [code, n] of Object.entries(codeCounts(row))) add(bucketOf(first), code, n);
    } else crossing.push(Number(row.id));
  }
  for (let i = 0; i < crossing.length; i += OPENED_PER_QUERY) {
    const opened = (await db<DbLogBlockRow>('request_log_blocks').whereIn('id', crossing.slice(i, i + OPENED_PER_QUERY)).select('logs')) as Array<Pick<DbLogBlockRow, 'logs'>>;
    for (const row of opened) for (const log of logsOf(row)) if (log.createdAt >= from && log.createdAt < until) add(bucketOf(log.createdAt), log.code, 1);
  }
  return [...counts.values()];
}
