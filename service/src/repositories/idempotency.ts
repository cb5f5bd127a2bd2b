import type { Queryable } from '../db/database';
import { isUniqueViolation } from '../db/database';

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

export async function findIdempotencyRecord(
  db: Queryable,
  workspaceId: string,
  idempotencyKeyHash: string,
  notBefore: Date,
): Promise<IdempotencyRecord | null> {
  const row = (await db<DbIdempotencyRow>('idempotency_records')
    .where({ workspace_id: workspaceId, idempotency_key_hash: idempotencyKeyHash })
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

/**
 * Claims an Idempotency-Key. Returns false when another request claimed it first (a unique violation).
 * Records older than `expiredBefore` go first, so sealed secrets never outlive their replay window.
 */
export async function claimIdempotencyKey(db: Queryable, record: IdempotencyRecord, expiredBefore: Date): Promise<boolean> {
  await db('idempotency_records').where('created_at', '<', expiredBefore.getTime()).delete();
  try {
    await db('idempotency_records').insert({
      workspace_id: record.workspaceId,
      idempotency_key_hash: record.idempotencyKeyHash,
      request_hash: record.requestHash,
      key_id: record.keyId,
      sealed_secret: record.sealedSecret,
      created_at: record.createdAt.getTime(),
    });
    return true;
  } catch (err) {
    if (isUniqueViolation(err)) return false;
    throw err;
  }
}
