import type { RootKey, RootScope } from '../domain/model';
import type { Queryable } from '../db/database';
import { fromMillis, fromMillisRequired } from './columns';

export interface DbRootKeyRow {
  id: string;
  workspace_id: string;
  name: string;
  scopes: string;
  secret_hash: string;
  pepper_version: number;
  start: string;
  created_at: number;
  created_by: string | null;
  last_used_at: number | null;
  revoked_at: number | null;
}

function fromRow(row: DbRootKeyRow): RootKey {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    name: row.name,
    scopes: JSON.parse(row.scopes) as RootScope[],
    start: row.start,
    createdAt: fromMillisRequired(row.created_at),
    createdBy: row.created_by,
    lastUsedAt: fromMillis(row.last_used_at),
    revokedAt: fromMillis(row.revoked_at),
  };
}

export async function insertRootKey(db: Queryable, key: RootKey, digest: { hash: string; pepperVersion: number }): Promise<void> {
  await db('root_keys').insert({
    id: key.id,
    workspace_id: key.workspaceId,
    name: key.name,
    scopes: JSON.stringify(key.scopes),
    secret_hash: digest.hash,
    pepper_version: digest.pepperVersion,
    start: key.start,
    created_at: key.createdAt.getTime(),
    created_by: key.createdBy,
    last_used_at: null,
    revoked_at: null,
  });
}

/** The unrevoked root key whose secret hashes to one of `hashes`. */
export async function findRootKeyByHashes(db: Queryable, hashes: string[]): Promise<RootKey | null> {
  const row = (await db<DbRootKeyRow>('root_keys').whereIn('secret_hash', hashes).whereNull('revoked_at').first()) as
    | DbRootKeyRow
    | undefined;
  return row ? fromRow(row) : null;
}

export async function countRootKeys(db: Queryable): Promise<number> {
  const row = (await db('root_keys').count({ n: '*' }).first()) as { n: number | string };
  return Number(row.n);
}

export async function listRootKeys(db: Queryable, workspaceId: string): Promise<RootKey[]> {
  const rows = (await db<DbRootKeyRow>('root_keys').where({ workspace_id: workspaceId }).orderBy('created_at')) as DbRootKeyRow[];
  return rows.map(fromRow);
}

export async function findRootKey(db: Queryable, workspaceId: string, id: string): Promise<RootKey | null> {
  const row = (await db<DbRootKeyRow>('root_keys').where({ workspace_id: workspaceId, id }).first()) as DbRootKeyRow | undefined;
  return row ? fromRow(row) : null;
}

export async function markRootKeyRevoked(db: Queryable, id: string, at: Date): Promise<void> {
  await db('root_keys').where({ id }).whereNull('revoked_at').update({ revoked_at: at.getTime() });
}

export async function touchRootKey(db: Queryable, id: string, at: Date): Promise<void> {
  await db('root_keys').where({ id }).update({ last_used_at: at.getTime() });
}
