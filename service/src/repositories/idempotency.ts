import type { Queryable } from '../db/database';

export interface IdempotencyRecord {
  workspaceId: string;
  idempotencyKeyHash: string;
  requestHash: string;
  keyId: string;
  sealedSecret: string;
  createdAt: Date;
}

interface DbIdempotencyRow {
  workspace_id: string;
  idempotency_key_hash: string;
  request_hash: string;
  key_id: string;
  sealed_secret: string;
  created_at: number;
}

/** The live record of an Idempotency-Key: its hash is one of `keyHashes` (one per pepper version). */
export async function findIdempotencyRecord(
  db: Queryable,
  workspaceId: string,
  keyHashes: string[],
  notBefore: Date,
): Promise<IdempotencyRecord | null> {
  const row = (await db<DbIdempotencyRow>('idempotency_records')
    .where({ workspace_id: workspaceId })
    .whereIn('idempotency_key_hash', keyHashes)
    .where('created_at', '>=', notBefore.getTime())
    .first()) as DbIdempotencyRow | undefined;
  if (!row) return null;
  return {
    workspaceId: row.workspace_id,
    idempotencyKeyHash: row.idempotency_key_hash,
    requestHash: row.request_hash,
    keyId: row.key_id,
    sealedSecret: row.sealed_secret,
    createdAt: new Date(Number(row.created_at)),
  };
}

export async function insertIdempotencyRecord(db: Queryable, record: IdempotencyRecord): Promise<void> {
  await db('idempotency_records').insert({
    workspace_id: record.workspaceId,
    idempotency_key_hash: record.idempotencyKeyHash,
    request_hash: record.requestHash,
    key_id: record.keyId,
    sealed_secret: record.sealedSecret,
    created_at: record.createdAt.getTime(),
  });
}

const LOCK_CONFLICTS = new Set(['ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT', 'SQLITE_BUSY']);

/**
 * Deletes records (and their sealed secrets) older than `before`. Housekeeping: when it collides with
 * another purge it gives way, and the next create's purge catches up.
 */
export async function purgeIdempotencyRecords(db: Queryable, before: Date): Promise<void> {
  try {
    await db('idempotency_records').where('created_at', '<', before.getTime()).delete();
  } catch (err) {
    if (!LOCK_CONFLICTS.has((err as { code?: string }).code ?? '')) throw err;
  }
}
