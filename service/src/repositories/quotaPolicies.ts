import { ConflictError } from '../domain/errors';
import type { QuotaPolicy } from '../domain/model';
import { isUniqueViolation, lockForUpdate, type Queryable } from '../db/database';
import { type DbLimitColumns, fromMillisRequired, limitsFromRow, limitsToRow, nameKey } from './columns';

export interface DbQuotaPolicyRow extends DbLimitColumns {
  id: string;
  workspace_id: string;
  name: string;
  name_key: string;
  version: number;
  created_at: number;
  updated_at: number;
}

const nameTaken = (name: string): ConflictError =>
  new ConflictError('NAME_TAKEN', `a quota policy named ${JSON.stringify(name)} already exists in this workspace`);

function fromRow(row: DbQuotaPolicyRow): QuotaPolicy {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    name: row.name,
    ...limitsFromRow(row),
    version: row.version,
    createdAt: fromMillisRequired(row.created_at),
    updatedAt: fromMillisRequired(row.updated_at),
  };
}

function toRow(policy: QuotaPolicy): DbQuotaPolicyRow {
  return {
    id: policy.id,
    workspace_id: policy.workspaceId,
    name: policy.name,
    name_key: nameKey(policy.name),
    ...limitsToRow(policy),
    version: policy.version,
    created_at: policy.createdAt.getTime(),
    updated_at: policy.updatedAt.getTime(),
  };
}

export async function insertPolicy(db: Queryable, policy: QuotaPolicy): Promise<void> {
  try {
    await db('quota_policies').insert(toRow(policy));
  } catch (err) {
    if (isUniqueViolation(err)) throw nameTaken(policy.name);
    throw err;
  }
}

export async function updatePolicy(db: Queryable, policy: QuotaPolicy): Promise<void> {
  const { id, workspace_id, created_at, ...changes } = toRow(policy);
  try {
    await db('quota_policies').where({ id, workspace_id }).update(changes);
  } catch (err) {
    if (isUniqueViolation(err)) throw nameTaken(policy.name);
    throw err;
  }
}

export async function findPolicy(
  db: Queryable,
  workspaceId: string,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<QuotaPolicy | null> {
  const query = db<DbQuotaPolicyRow>('quota_policies').where({ workspace_id: workspaceId, id }).first();
  const row = (await (options.forUpdate ? lockForUpdate(query, db) : query)) as DbQuotaPolicyRow | undefined;
  return row ? fromRow(row) : null;
}

/** Policies ordered by id; `afterId` continues a previous page. */
export async function listPolicies(
  db: Queryable,
  workspaceId: string,
  page: { afterId?: string; limit: number },
): Promise<QuotaPolicy[]> {
  const q = db<DbQuotaPolicyRow>('quota_policies').where({ workspace_id: workspaceId }).orderBy('id').limit(page.limit);
  if (page.afterId) q.where('id', '>', page.afterId);
  return ((await q) as DbQuotaPolicyRow[]).map(fromRow);
}

export async function deletePolicy(db: Queryable, workspaceId: string, id: string): Promise<void> {
  await db('quota_policies').where({ workspace_id: workspaceId, id }).delete();
}

/** The keys (not deleted) that point at a policy: how many, and the first `limit` of them by id. */
export async function keysUsingPolicy(
  db: Queryable,
  policyId: string,
  limit: number,
): Promise<{ count: number; first: Array<{ id: string; name: string }> }> {
  const using = () => db('api_keys').where({ quota_policy_id: policyId }).whereNull('deleted_at');
  const first = (await using().select('id', 'name').orderBy('id').limit(limit)) as Array<{ id: string; name: string }>;
  if (first.length < limit) return { count: first.length, first };
  const row = (await using().count({ n: '*' }).first()) as { n: number | string };
  return { count: Number(row.n), first };
}
