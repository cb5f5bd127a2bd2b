import { ConflictError } from '../domain/errors';
import type { Environment, KeyStatusFilter, StoredApiKey, StoredKeyState } from '../domain/model';
import { isUniqueViolation, lockForUpdate, type Queryable } from '../db/database';
import { type DbLimitColumns, fromMillis, fromMillisRequired, limitsFromRow, limitsToRow, nameKey, toMillis } from './columns';

export interface DbApiKeyRow extends DbLimitColumns {
  pk: number;
  id: string;
  workspace_id: string;
  name: string;
  name_key: string | null;
  name_lower: string;
  environment: string;
  group_name: string;
  scopes: string;
  resources: string;
  ip_allowlist: string;
  expires_at: number | null;
  credits_refilled_at: number | null;
  quota_policy_id: string | null;
  metadata: string | null;
  state: string;
  version: number;
  start: string;
  created_at: number;
  created_by: string;
  updated_at: number;
  last_used_at: number | null;
  last_rotated_at: number | null;
  usage_count: number;
  deleted_at: number | null;
}


export interface KeyListQuery {
  workspaceId: string;
  now: Date;
  nameContains?: string;
  status?: KeyStatusFilter;
  environment?: Environment;
  tag?: string;
  group?: string;
  /** Only keys older (by internal sequence) than this one. */
  beforePk?: number;
  limit: number;
}

const nameTaken = (name: string): ConflictError =>
  new ConflictError('NAME_TAKEN', `a key named ${JSON.stringify(name)} already exists in this workspace`);

function toRow(key: StoredApiKey): Omit<DbApiKeyRow, 'pk' | 'deleted_at' | 'credits_refilled_at'> {
  return {
    id: key.id,
    workspace_id: key.workspaceId,
    name: key.name,
    name_key: nameKey(key.name),
    name_lower: key.name.toLowerCase(),
    environment: key.environment,
    group_name: key.group,
    scopes: JSON.stringify(key.scopes),
    resources: JSON.stringify(key.resources),
    ip_allowlist: JSON.stringify(key.ipAllowlist),
    expires_at: toMillis(key.expiresAt),
    ...limitsToRow(key),
    quota_policy_id: key.quotaPolicyId,
    metadata: key.metadata === null ? null : JSON.stringify(key.metadata),
    state: key.state,
    version: key.version,
    start: key.start,
    created_at: key.createdAt.getTime(),
    created_by: key.createdBy,
    updated_at: key.updatedAt.getTime(),
    last_used_at: toMillis(key.lastUsedAt),
    last_rotated_at: toMillis(key.lastRotatedAt),
    usage_count: key.usageCount,
  };
}

/** A stored key from its row; `tags` are read separately (verification does without them). */
export function keyFromRow(row: DbApiKeyRow, tags: string[]): StoredApiKey {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    name: row.name,
    environment: row.environment as Environment,
    tags,
    group: row.group_name,
    scopes: JSON.parse(row.scopes) as string[],
    resources: JSON.parse(row.resources) as string[],
    ipAllowlist: JSON.parse(row.ip_allowlist) as string[],
    expiresAt: fromMillis(row.expires_at),
    ...limitsFromRow(row),
    quotaPolicyId: row.quota_policy_id,
    metadata: row.metadata === null ? null : (JSON.parse(row.metadata) as Record<string, unknown>),
    state: row.state as StoredKeyState,
    start: row.start,
    createdAt: fromMillisRequired(row.created_at),
    createdBy: row.created_by,
    updatedAt: fromMillisRequired(row.updated_at),
    lastUsedAt: fromMillis(row.last_used_at),
    lastRotatedAt: fromMillis(row.last_rotated_at),
    usageCount: Number(row.usage_count),
    version: row.version,
  };
}

async function tagsOf(db: Queryable, keyIds: string[]): Promise<Map<string, string[]>> {
  const byKey = new Map<string, string[]>(keyIds.map((id) => [id, []]));
  if (keyIds.length === 0) return byKey;
  const rows: Array<{ key_id: string; tag: string }> = await db('api_key_tags')
    .select('key_id', 'tag')
    .whereIn('key_id', keyIds);
  for (const row of rows) byKey.get(row.key_id)!.push(row.tag);
  // Sorted here, not by the database: collations order non-ASCII text differently from JavaScript.
  for (const tags of byKey.values()) tags.sort();
  return byKey;
}

async function writeTags(db: Queryable, keyId: string, tags: string[]): Promise<void> {
  if (tags.length > 0) await db('api_key_tags').insert(tags.map((tag) => ({ key_id: keyId, tag })));
}

export async function insertKey(db: Queryable, key: StoredApiKey): Promise<void> {
  try {
    await db('api_keys').insert(toRow(key));
  } catch (err) {
    if (isUniqueViolation(err)) throw nameTaken(key.name);
    throw err;
  }
  await writeTags(db, key.id, key.tags);
}

/** The key as stored now; `forUpdate` locks its row until the transaction ends. Deleted keys are not found. */
export async function findKey(
  db: Queryable,
  workspaceId: string,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<StoredApiKey | null> {
  const query = db<DbApiKeyRow>('api_keys').where({ workspace_id: workspaceId, id }).whereNull('deleted_at').first();
  const row = (await (options.forUpdate ? lockForUpdate(query, db) : query)) as DbApiKeyRow | undefined;
  if (!row) return null;
  return keyFromRow(row, (await tagsOf(db, [row.id])).get(row.id)!);
}

/** Writes every mutable field of `key`; `previousTags` lets it skip rewriting unchanged tags. */
export async function updateKey(db: Queryable, key: StoredApiKey, previousTags: string[]): Promise<void> {
  const { id, workspace_id, created_at, created_by, ...changes } = toRow(key);
  try {
    await db('api_keys').where({ workspace_id, id }).update(changes);
  } catch (err) {
    if (isUniqueViolation(err)) throw nameTaken(key.name);
    throw err;
  }
  if (previousTags.join('\n') !== key.tags.join('\n')) {
    await db('api_key_tags').where({ key_id: id }).delete();
    await writeTags(db, id, key.tags);
  }
}

/** Soft delete: the row stays for the audit trail; its name and policy are freed, its tags go. */
export async function markKeyDeleted(db: Queryable, workspaceId: string, id: string, at: Date): Promise<void> {
  await db('api_keys')
    .where({ workspace_id: workspaceId, id })
    .update({ deleted_at: at.getTime(), name_key: null, quota_policy_id: null, updated_at: at.getTime() });
  await db('api_key_tags').where({ key_id: id }).delete();
}

export async function listKeys(db: Queryable, query: KeyListQuery): Promise<{ keys: StoredApiKey[]; lastPk: number | null }> {
  const now = query.now.getTime();
  const q = db<DbApiKeyRow>('api_keys')
    .where('workspace_id', query.workspaceId)
    .whereNull('deleted_at')
    .orderBy('pk', 'desc')
    .limit(query.limit);
  if (query.beforePk !== undefined) q.where('pk', '<', query.beforePk);
  if (query.environment) q.where('environment', query.environment);
  if (query.group) q.where('group_name', query.group);
  if (query.nameContains) {
    // '!' as the LIKE escape: a backslash means different things in MySQL and SQLite string literals.
    const escaped = query.nameContains.toLowerCase().replace(/[!%_]/g, (c) => `!${c}`);
    q.whereRaw("name_lower like ? escape '!'", [`%${escaped}%`]);
  }
  if (query.tag) {
    const tag = query.tag;
    q.whereExists((sub) => sub.select(db.raw('1')).from('api_key_tags').whereRaw('api_key_tags.key_id = api_keys.id').where('tag', tag));
  }
  switch (query.status) {
    case undefined:
      break;
    case 'active':
      q.where('state', 'active').where((w) => w.whereNull('expires_at').orWhere('expires_at', '>', now));
      break;
    case 'expired':
      q.where('state', 'active').where('expires_at', '<=', now);
      break;
    default:
      q.where('state', query.status);
  }
  const rows = (await q) as DbApiKeyRow[];
  const tags = await tagsOf(db, rows.map((r) => r.id));
  return {
    keys: rows.map((row) => keyFromRow(row, tags.get(row.id)!)),
    lastPk: rows.length === query.limit ? rows[rows.length - 1]!.pk : null,
  };
}

/** Keys that count against `maxActiveKeys`: active and not expired. */
export async function countActiveKeys(db: Queryable, workspaceId: string, now: Date): Promise<number> {
  const row = (await db('api_keys')
    .where({ workspace_id: workspaceId, state: 'active' })
    .whereNull('deleted_at')
    .where((w) => w.whereNull('expires_at').orWhere('expires_at', '>', now.getTime()))
    .count({ n: '*' })
    .first()) as { n: number | string };
  return Number(row.n);
}

/**
 * Whether a key was ever verified: such a key keeps its history and cannot be deleted. Besides its
 * counters and logs (written in batches), a quota or credit lease taken for it counts: that is written
 * before the first answer goes out.
 */
export async function keyHasHistory(db: Queryable, keyId: string): Promise<boolean> {
  const key = (await db('api_keys').select('usage_count', 'last_used_at').where({ id: keyId }).first()) as
    | { usage_count: number; last_used_at: number | null }
    | undefined;
  if (key && (Number(key.usage_count) > 0 || key.last_used_at !== null)) return true;
  for (const table of ['request_log_blocks', 'key_usage', 'key_credits']) {
    if ((await db(table).select('key_id').where({ key_id: keyId }).first()) !== undefined) return true;
  }
  return false;
}

export async function countKeysUsingPolicy(db: Queryable, policyId: string): Promise<number> {
  const row = (await db('api_keys').where({ quota_policy_id: policyId }).whereNull('deleted_at').count({ n: '*' }).first()) as {
    n: number | string;
  };
  return Number(row.n);
}
