import type { Queryable } from '../db/database';

export interface DbKeySecretRow {
  id: number;
  key_id: string;
  secret_hash: string;
  pepper_version: number;
  start: string;
  created_at: number;
  expires_at: number | null;
}

export interface NewKeySecret {
  keyId: string;
  hash: string;
  pepperVersion: number;
  start: string;
  createdAt: Date;
}

export async function insertSecret(db: Queryable, secret: NewKeySecret): Promise<void> {
  await db('key_secrets').insert({
    key_id: secret.keyId,
    secret_hash: secret.hash,
    pepper_version: secret.pepperVersion,
    start: secret.start,
    created_at: secret.createdAt.getTime(),
    expires_at: null,
  });
}

/**
 * Ends the key's current secrets at `at`: secrets already ending sooner keep their end, secrets already
 * past are removed. With `at` equal to now this removes them all.
 */
export async function endSecrets(db: Queryable, keyId: string, at: Date, now: Date): Promise<void> {
  await db('key_secrets').where('key_id', keyId).where('expires_at', '<=', now.getTime()).delete();
  if (at.getTime() <= now.getTime()) {
    await db('key_secrets').where('key_id', keyId).delete();
    return;
  }
  await db('key_secrets')
    .where('key_id', keyId)
    .where((w) => w.whereNull('expires_at').orWhere('expires_at', '>', at.getTime()))
    .update({ expires_at: at.getTime() });
}

export async function deleteSecretsOfKey(db: Queryable, keyId: string): Promise<void> {
  await db('key_secrets').where('key_id', keyId).delete();
}

/** The live secret row matching one of `hashes` (one per pepper version), if any. */
export async function findLiveSecretByHashes(db: Queryable, hashes: string[], now: Date): Promise<DbKeySecretRow | null> {
  const row = (await db('key_secrets')
    .whereIn('secret_hash', hashes)
    .where((w) => w.whereNull('expires_at').orWhere('expires_at', '>', now.getTime()))
    .first()) as DbKeySecretRow | undefined;
  return row ?? null;
}

/** Whether any secret (of a key or a root key) was ever stored: such a database is bound to its pepper. */
export async function anySecretStored(db: Queryable): Promise<boolean> {
  const [rootKey, keySecret] = await Promise.all([db('root_keys').first('id'), db('key_secrets').first('id')]);
  return rootKey !== undefined || keySecret !== undefined;
}
