import { isUniqueViolation, type Queryable } from '../db/database';
import type { Operator, OperatorRole } from '../domain/model';
import { ConflictError } from '../domain/errors';
import { fromMillis, fromMillisRequired } from './columns';

export interface DbOperatorRow {
  id: string;
  email: string;
  name: string;
  password_hash: string;
  created_at: number;
  last_login_at: number | null;
}

export interface DbMembershipRow {
  operator_id: string;
  workspace_id: string;
  role: string;
  created_at: number;
}

/** An operator account with its password hash: stays inside the services. */
export interface OperatorAccount {
  id: string;
  email: string;
  name: string;
  passwordHash: string;
  createdAt: Date;
  lastLoginAt: Date | null;
}

export interface Membership {
  workspaceId: string;
  workspaceSlug: string;
  role: OperatorRole;
}

function accountFromRow(row: DbOperatorRow): OperatorAccount {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    passwordHash: row.password_hash,
    createdAt: fromMillisRequired(row.created_at),
    lastLoginAt: fromMillis(row.last_login_at),
  };
}

export async function insertOperator(db: Queryable, account: OperatorAccount): Promise<void> {
  try {
    await db('operators').insert({
      id: account.id,
      email: account.email,
      name: account.name,
      password_hash: account.passwordHash,
      created_at: account.createdAt.getTime(),
      last_login_at: null,
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new ConflictError('OPERATOR_EXISTS', `an operator with email ${account.email} exists`);
    throw err;
  }
}

export async function findOperatorByEmail(db: Queryable, email: string): Promise<OperatorAccount | null> {
  const row = (await db<DbOperatorRow>('operators').where({ email }).first()) as DbOperatorRow | undefined;
  return row ? accountFromRow(row) : null;
}

export async function findOperatorById(db: Queryable, id: string): Promise<OperatorAccount | null> {
  const row = (await db<DbOperatorRow>('operators').where({ id }).first()) as DbOperatorRow | undefined;
  return row ? accountFromRow(row) : null;
}

export async function updateOperatorName(db: Queryable, id: string, name: string): Promise<void> {
  await db('operators').where({ id }).update({ name });
}

export async function updateOperatorPassword(db: Queryable, id: string, passwordHash: string): Promise<void> {
  await db('operators').where({ id }).update({ password_hash: passwordHash });
}

export async function touchOperatorLogin(db: Queryable, id: string, at: Date): Promise<void> {
  await db('operators').where({ id }).update({ last_login_at: at.getTime() });
}

/** Deletes an operator that has no membership left, with its sessions. */
export async function deleteOperatorIfUnattached(db: Queryable, id: string): Promise<void> {
  const left = (await db('operator_memberships').where({ operator_id: id }).count({ n: '*' }).first()) as { n: number | string };
  if (Number(left.n) > 0) return;
  await db('operator_sessions').where({ operator_id: id }).delete();
  await db('operators').where({ id }).delete();
}

export async function insertMembership(db: Queryable, operatorId: string, workspaceId: string, role: OperatorRole, at: Date): Promise<void> {
  try {
    await db('operator_memberships').insert({ operator_id: operatorId, workspace_id: workspaceId, role, created_at: at.getTime() });
  } catch (err) {
    if (isUniqueViolation(err)) throw new ConflictError('OPERATOR_EXISTS', 'this operator is already a member of the workspace');
    throw err;
  }
}

/** The operator's memberships, oldest first (the first is where a sign-in without a workspace lands). */
export async function listMemberships(db: Queryable, operatorId: string): Promise<Membership[]> {
  const rows = (await db('operator_memberships as m')
    .join('workspaces as w', 'w.id', 'm.workspace_id')
    .where('m.operator_id', operatorId)
    .orderBy([{ column: 'm.created_at' }, { column: 'w.slug' }])
    .select('m.workspace_id', 'w.slug', 'm.role')) as Array<{ workspace_id: string; slug: string; role: string }>;
  return rows.map((r) => ({ workspaceId: r.workspace_id, workspaceSlug: r.slug, role: r.role as OperatorRole }));
}

/** The workspace's operators with their role there. */
export async function listWorkspaceOperators(db: Queryable, workspaceId: string, forUpdate = false): Promise<Operator[]> {
  const q = db('operator_memberships as m')
    .join('operators as o', 'o.id', 'm.operator_id')
    .where('m.workspace_id', workspaceId)
    .orderBy([{ column: 'o.created_at' }, { column: 'o.id' }])
    .select('o.id', 'o.email', 'o.name', 'm.role', 'o.created_at', 'o.last_login_at');
  if (forUpdate && db.client.config.client === 'mysql2') q.forUpdate();
  const rows = (await q) as Array<{ id: string; email: string; name: string; role: string; created_at: number; last_login_at: number | null }>;
  return rows.map((r) => ({
    id: r.id,
    email: r.email,
    name: r.name,
    role: r.role as OperatorRole,
    createdAt: fromMillisRequired(r.created_at),
    lastLoginAt: fromMillis(r.last_login_at),
  }));
}

export async function updateMembershipRole(db: Queryable, operatorId: string, workspaceId: string, role: OperatorRole): Promise<void> {
  await db('operator_memberships').where({ operator_id: operatorId, workspace_id: workspaceId }).update({ role });
}

export async function deleteMembership(db: Queryable, operatorId: string, workspaceId: string): Promise<void> {
  await db('operator_memberships').where({ operator_id: operatorId, workspace_id: workspaceId }).delete();
}
