import { ConflictError } from '../domain/errors';
import type { Workspace } from '../domain/model';
import { isUniqueViolation, lockForUpdate, type Queryable } from '../db/database';
import { fromMillisRequired } from './columns';

export interface DbWorkspaceRow {
  id: string;
  slug: string;
  name: string;
  max_active_keys: number | null;
  plan_limit_per_second: number | null;
  plan_limit_per_minute: number | null;
  credit_balance: number | null;
  failed_auth_max: number;
  failed_auth_window_seconds: number;
  failed_auth_block_seconds: number;
  created_at: number;
}

function fromRow(row: DbWorkspaceRow): Workspace {
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    maxActiveKeys: row.max_active_keys,
    planLimits: { perSecond: row.plan_limit_per_second, perMinute: row.plan_limit_per_minute },
    creditBalance: row.credit_balance === null ? null : Number(row.credit_balance),
    failedAuthPolicy: {
      maxFailures: row.failed_auth_max,
      windowSeconds: row.failed_auth_window_seconds,
      blockSeconds: row.failed_auth_block_seconds,
    },
    createdAt: fromMillisRequired(row.created_at),
  };
}

export async function insertWorkspace(db: Queryable, ws: Workspace): Promise<void> {
  try {
    await db('workspaces').insert({
      id: ws.id,
      slug: ws.slug,
      name: ws.name,
      max_active_keys: ws.maxActiveKeys,
      plan_limit_per_second: ws.planLimits.perSecond,
      plan_limit_per_minute: ws.planLimits.perMinute,
      credit_balance: ws.creditBalance,
      failed_auth_max: ws.failedAuthPolicy.maxFailures,
      failed_auth_window_seconds: ws.failedAuthPolicy.windowSeconds,
      failed_auth_block_seconds: ws.failedAuthPolicy.blockSeconds,
      created_at: ws.createdAt.getTime(),
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new ConflictError('WORKSPACE_EXISTS', `a workspace with slug ${ws.slug} already exists`);
    throw err;
  }
}

export async function findWorkspace(db: Queryable, id: string, options: { forUpdate?: boolean } = {}): Promise<Workspace | null> {
  const query = db<DbWorkspaceRow>('workspaces').where({ id }).first();
  const row = (await (options.forUpdate ? lockForUpdate(query, db) : query)) as DbWorkspaceRow | undefined;
  return row ? fromRow(row) : null;
}

export async function findWorkspaceBySlug(db: Queryable, slug: string): Promise<Workspace | null> {
  const row = (await db<DbWorkspaceRow>('workspaces').where({ slug }).first()) as DbWorkspaceRow | undefined;
  return row ? fromRow(row) : null;
}

export async function listWorkspaces(db: Queryable): Promise<Workspace[]> {
  const rows = (await db<DbWorkspaceRow>('workspaces').orderBy('created_at')) as DbWorkspaceRow[];
  return rows.map(fromRow);
}


/** Writes the settings a workspace administrator can change. */
export async function updateWorkspaceSettings(db: Queryable, ws: Workspace): Promise<void> {
  await db('workspaces').where({ id: ws.id }).update({
    name: ws.name,
    max_active_keys: ws.maxActiveKeys,
    plan_limit_per_second: ws.planLimits.perSecond,
    plan_limit_per_minute: ws.planLimits.perMinute,
    failed_auth_max: ws.failedAuthPolicy.maxFailures,
    failed_auth_window_seconds: ws.failedAuthPolicy.windowSeconds,
    failed_auth_block_seconds: ws.failedAuthPolicy.blockSeconds,
  });
}
