import type { Queryable } from '../db/database';
import { fromMillis, fromMillisRequired } from './columns';

export interface DbSessionRow {
  id: string;
  token_hash: string;
  operator_id: string;
  workspace_id: string;
  created_at: number;
  last_seen_at: number;
  absolute_expires_at: number;
  ended_at: number | null;
}

export interface StoredSession {
  id: string;
  operatorId: string;
  workspaceId: string;
  createdAt: Date;
  lastSeenAt: Date;
  absoluteExpiresAt: Date;
  endedAt: Date | null;
}

function fromRow(row: DbSessionRow): StoredSession {
  return {
    id: row.id,
    operatorId: row.operator_id,
    workspaceId: row.workspace_id,
    createdAt: fromMillisRequired(row.created_at),
    lastSeenAt: fromMillisRequired(row.last_seen_at),
    absoluteExpiresAt: fromMillisRequired(row.absolute_expires_at),
    endedAt: fromMillis(row.ended_at),
  };
}

export async function insertSession(db: Queryable, session: StoredSession, tokenHash: string): Promise<void> {
  await db('operator_sessions').insert({
    id: session.id,
    token_hash: tokenHash,
    operator_id: session.operatorId,
    workspace_id: session.workspaceId,
    created_at: session.createdAt.getTime(),
    last_seen_at: session.lastSeenAt.getTime(),
    absolute_expires_at: session.absoluteExpiresAt.getTime(),
    ended_at: null,
  });
}

export async function findSessionByTokenHash(db: Queryable, tokenHash: string): Promise<StoredSession | null> {
  const row = (await db<DbSessionRow>('operator_sessions').where({ token_hash: tokenHash }).first()) as DbSessionRow | undefined;
  return row ? fromRow(row) : null;
}

export async function touchSession(db: Queryable, id: string, at: Date): Promise<void> {
  await db('operator_sessions').where({ id }).update({ last_seen_at: at.getTime() });
}

export async function endSession(db: Queryable, id: string, at: Date): Promise<void> {
  await db('operator_sessions').where({ id }).whereNull('ended_at').update({ ended_at: at.getTime() });
}

/** Ends the operator's sessions (in one workspace when given), all but `exceptId`. */
export async function endOperatorSessions(db: Queryable, operatorId: string, at: Date, options: { exceptId?: string; workspaceId?: string } = {}): Promise<void> {
  const q = db('operator_sessions').where({ operator_id: operatorId }).whereNull('ended_at');
  if (options.exceptId) q.whereNot({ id: options.exceptId });
  if (options.workspaceId) q.where({ workspace_id: options.workspaceId });
  await q.update({ ended_at: at.getTime() });
}
