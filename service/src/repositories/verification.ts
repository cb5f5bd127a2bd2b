import { isUniqueViolation, type Database, type Queryable } from '../db/database';
import type { StoredApiKey } from '../domain/model';
import { keyFromRow, type DbApiKeyRow } from './apiKeys';
import type { RequestLogBatch } from './requestLogBatch';
import { blocksOf, insertBlocks } from './requestLogBlocks';

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

const USE_BATCH = 200;

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
    await insertBlocks(tx, blocksOf(logs));
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

/** `case id when ? then ? … end`: a per-key value inside one UPDATE. */
function byKey(ids: string[], value: (id: string) => number): { sql: string; bindings: Array<string | number> } {
  return { sql: `case id ${ids.map(() => 'when ? then ?').join(' ')} end`, bindings: ids.flatMap((id) => [id, value(id)]) };
}
