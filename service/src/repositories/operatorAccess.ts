import type { Queryable } from '../db/database';
import { fromMillis, fromMillisRequired } from './columns';

/** One-time setup tokens (by hash) and failed sign-ins: what guards the way into operator accounts. */

export interface SetupToken {
  workspaceId: string;
  createdAt: Date;
  expiresAt: Date;
  usedAt: Date | null;
}

export async function insertSetupToken(db: Queryable, tokenHash: string, token: SetupToken): Promise<void> {
  await db('operator_setup_tokens').insert({
    token_hash: tokenHash,
    workspace_id: token.workspaceId,
    created_at: token.createdAt.getTime(),
    expires_at: token.expiresAt.getTime(),
    used_at: null,
  });
}

export async function findSetupToken(db: Queryable, tokenHash: string): Promise<SetupToken | null> {
  const row = (await db('operator_setup_tokens').where({ token_hash: tokenHash }).first()) as
    | { workspace_id: string; created_at: number; expires_at: number; used_at: number | null }
    | undefined;
  if (!row) return null;
  return { workspaceId: row.workspace_id, createdAt: fromMillisRequired(row.created_at), expiresAt: fromMillisRequired(row.expires_at), usedAt: fromMillis(row.used_at) };
}

/** Marks the token used; false when it already was (two setups racing: one wins). */
export async function useSetupToken(db: Queryable, tokenHash: string, at: Date): Promise<boolean> {
  const changed = await db('operator_setup_tokens').where({ token_hash: tokenHash }).whereNull('used_at').update({ used_at: at.getTime() });
  return Number(changed) === 1;
}

export async function insertLoginFailures(db: Queryable, subjects: string[], at: Date): Promise<void> {
  await db('login_failures').insert(subjects.map((subject) => ({ subject, at: at.getTime() })));
}

/** Failures of each subject after `since`: their count and the oldest one's time. */
export async function loginFailuresSince(db: Queryable, subjects: string[], since: Date): Promise<Array<{ subject: string; count: number; oldest: Date }>> {
  const rows = (await db('login_failures')
    .whereIn('subject', subjects)
    .where('at', '>', since.getTime())
    .groupBy('subject')
    .select('subject')
    .count({ n: '*' })
    .min({ oldest: 'at' })) as Array<{ subject: string; n: number | string; oldest: number | string }>;
  return rows.map((r) => ({ subject: r.subject, count: Number(r.n), oldest: new Date(Number(r.oldest)) }));
}

export async function clearLoginFailures(db: Queryable, subject: string): Promise<void> {
  await db('login_failures').where({ subject }).delete();
}

/** Forgets failures older than any window looks at, so the table stays small. */
export async function pruneLoginFailures(db: Queryable, before: Date): Promise<void> {
  await db('login_failures').where('at', '<', before.getTime()).delete();
}
