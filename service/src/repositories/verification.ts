import { escape } from 'mysql2';
import { isUniqueViolation, type Database, type Dialect, type Queryable } from '../db/database';
import type { StoredApiKey } from '../domain/model';
import { keyFromRow, type DbApiKeyRow } from './apiKeys';
import type { RequestLogBatch } from './requestLogBatch';

export interface FoundSecret {
  key: StoredApiKey;
  /** The stored digest that matched (one of the candidates). */
  hash: string;
  /** When this secret stops working (the old secret of a rotation with overlap); null = with the key. */
  secretExpiresAt: number | null;
}

/** The key (not deleted) whose live secret has one of `hashes`, with that secret's end. One query. */
export async function findKeyBySecretHashes(db: Queryable, hashes: string[], now: number): Promise<FoundSecret | null> {
  const row = (await db('key_secrets as s')
    .join('api_keys as k', 'k.id', 's.key_id')
    .select('k.*', 's.secret_hash as matched_hash', 's.expires_at as secret_expires_at')
    .whereIn('s.secret_hash', hashes)
    .where((w) => w.whereNull('s.expires_at').orWhere('s.expires_at', '>', now))
    .whereNull('k.deleted_at')
    .first()) as (DbApiKeyRow & { matched_hash: string; secret_expires_at: number | string | null }) | undefined;
  if (!row) return null;
  return {
    key: keyFromRow(row, []),
    hash: row.matched_hash,
    secretExpiresAt: row.secret_expires_at === null ? null : Number(row.secret_expires_at),
  };
}

/**
 * Marks the key as used the first time it is verified, before the answer goes out: from then on it has
 * history and cannot be deleted, even before the batched request logs reach the database.
 */
export async function markFirstUse(db: Queryable, keyId: string, now: number): Promise<void> {
  await db('api_keys').where({ id: keyId }).whereNull('last_used_at').update({ last_used_at: now });
}

export interface KeyUse {
  admitted: number;
  lastUsedAt: number;
}

/**
 * Rows per INSERT of request logs. On MySQL each statement is built in one go on the event loop: 500 rows
 * (about 75 KB) take well under a millisecond, where 2,000 held every verification waiting behind it for
 * about 3 ms.
 */
const LOG_BATCH = 500;
const USE_BATCH = 200;

/** Where a request log goes: a verification that found its key, or one that matched none (no key, no credits). */
interface LogTable {
  name: string;
  columns: string[];
  /** The column values of the batch's `i`th log. */
  values(logs: RequestLogBatch, i: number): Array<string | number | null>;
}

const KEY_LOGS: LogTable = {
  name: 'request_logs',
  columns: ['workspace_id', 'key_id', 'endpoint', 'code', 'duration_micros', 'client_ip', 'credits_spent', 'created_at'],
  values: (l, i) => [l.workspaceIds[i]!, l.keyIds[i] ?? null, l.endpoints[i] ?? null, l.codes[i]!, l.durationMicros(i), l.clientIps[i] ?? null, l.creditsSpent(i), l.createdAt(i)],
};

const UNMATCHED_LOGS: LogTable = {
  name: 'unmatched_request_logs',
  columns: ['workspace_id', 'endpoint', 'code', 'duration_micros', 'client_ip', 'created_at'],
  values: (l, i) => [l.workspaceIds[i]!, l.endpoints[i] ?? null, l.codes[i]!, l.durationMicros(i), l.clientIps[i] ?? null, l.createdAt(i)],
};

/**
 * One multi-row INSERT of request logs, its values escaped by the driver's own escaping: on MySQL half
 * the CPU per row of the query builder with bindings, which a flush of thousands of rows pays every second.
 * A batch repeats a few strings (the workspace, the key, the code) on every row: each distinct string is
 * escaped once per statement, which halves what building a row costs.
 */
function mysqlLogInsert(table: LogTable, logs: RequestLogBatch, rows: number[]): string {
  const escaped = new Map<string, string>();
  // Plain loops: as cheap per row as a hand-written template, where map and join cost a fifth more.
  let sql = `insert into ${table.name} (${table.columns.join(', ')}) values `;
  for (let r = 0; r < rows.length; r++) {
    const values = table.values(logs, rows[r]!);
    sql += r === 0 ? '(' : ',(';
    for (let i = 0; i < values.length; i++) {
      const value = values[i] ?? null;
      let literal: string | undefined;
      if (typeof value !== 'string') literal = escape(value);
      else if ((literal = escaped.get(value)) === undefined) escaped.set(value, (literal = escape(value)));
      sql += i === 0 ? literal : `,${literal}`;
    }
    sql += ')';
  }
  return sql;
}

/** What a flush is known by: each try of the same batch carries the id of the first. */
export interface FlushId {
  id: string;
  createdAt: number;
}

/**
 * Writes a batch of request logs and the usage counters they imply in one transaction, so `usageCount`
 * and the logs never disagree. The flush's id goes first: a retry of a flush whose COMMIT went through
 * although the service saw it fail finds its id and writes nothing. Counters go in one statement
 * per 200 keys (a flush after a burst of new keys is a few statements, not one per key); InnoDB locks the
 * rows in key order, so concurrent flushes cannot deadlock.
 */
export async function writeUsage(db: Database, flush: FlushId, logs: RequestLogBatch, uses: Map<string, KeyUse>): Promise<void> {
  await db.transaction(async (tx) => {
    try {
      await tx('request_log_flushes').insert({ id: flush.id, created_at: flush.createdAt });
    } catch (err) {
      if (isUniqueViolation(err)) return;
      throw err;
    }
    await insertLogs(tx, db.dialect, logs);
    const keyIds = [...uses.keys()].sort();
    for (let i = 0; i < keyIds.length; i += USE_BATCH) {
      const batch = keyIds.slice(i, i + USE_BATCH);
      const admitted = byKey(batch, (id) => uses.get(id)!.admitted);
      const lastUsed = byKey(batch, (id) => uses.get(id)!.lastUsedAt);
      await tx('api_keys')
        .whereIn('id', batch)
        .update({
          usage_count: tx.raw(`usage_count + ${admitted.sql}`, admitted.bindings),
          last_used_at: tx.raw(`case when last_used_at is null or last_used_at < ${lastUsed.sql} then ${lastUsed.sql} else last_used_at end`, [
            ...lastUsed.bindings,
            ...lastUsed.bindings,
          ]),
        });
    }
  });
}

/** Deletes the ids of flushes made before `before` (epoch ms); returns how many. */
export async function forgetFlushesBefore(db: Queryable, before: number): Promise<number> {
  return db('request_log_flushes').where('created_at', '<', before).delete();
}

async function insertLogs(tx: Queryable, dialect: Dialect, logs: RequestLogBatch): Promise<void> {
  const matched: number[] = [];
  const unmatched: number[] = [];
  for (let i = 0; i < logs.length; i++) (logs.keyIds[i] === null ? unmatched : matched).push(i);
  for (const [table, rows] of [[KEY_LOGS, matched], [UNMATCHED_LOGS, unmatched]] as const) {
    for (let i = 0; i < rows.length; i += LOG_BATCH) {
      const batch = rows.slice(i, i + LOG_BATCH);
      if (dialect === 'mysql') await tx.raw(mysqlLogInsert(table, logs, batch));
      else await tx(table.name).insert(batch.map((row) => rowOf(table, logs, row)));
    }
  }
}

function rowOf(table: LogTable, logs: RequestLogBatch, i: number): Record<string, string | number | null> {
  const values = table.values(logs, i);
  return Object.fromEntries(table.columns.map((column, c) => [column, values[c]!]));
}

/** `case id when ? then ? … end`: a per-key value inside one UPDATE. */
function byKey(ids: string[], value: (id: string) => number): { sql: string; bindings: Array<string | number> } {
  return { sql: `case id ${ids.map(() => 'when ? then ?').join(' ')} end`, bindings: ids.flatMap((id) => [id, value(id)]) };
}
