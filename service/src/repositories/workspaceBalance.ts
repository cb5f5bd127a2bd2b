import type { Knex } from 'knex';
import { lockForUpdate, type Database, type Queryable } from '../db/database';
import { retryOnDeadlock } from './usage';

/**
 * The workspace credit balance in the database: `workspaces.credit_balance` is what is left of it outside
 * the instances' leases (null = unlimited), `credit_balance_generation` how many times it was set.
 */
export interface StoredBalance {
  remaining: number | null;
  generation: number;
}

export interface BalanceGrantRequest {
  workspaceId: string;
  /** Units this instance would like to hold, and the least worth having (the request's cost). */
  wanted: number;
  needed: number;
}

export interface BalanceGrant {
  /** Null when the workspace has no balance (unlimited): nothing was taken. */
  granted: number | null;
  /** What is left in the database after this grant. */
  remaining: number | null;
  generation: number;
}

/** What an instance gives back: unspent units of one generation of the balance. */
export interface BalanceReturn {
  workspaceId: string;
  units: number;
  generation: number;
}

type BalanceRow = { credit_balance: number | string | null; credit_balance_generation: number | string };

function fromRow(row: BalanceRow | undefined): StoredBalance {
  return {
    remaining: row?.credit_balance === null || row?.credit_balance === undefined ? null : Number(row.credit_balance),
    generation: row ? Number(row.credit_balance_generation) : 0,
  };
}

export async function findBalance(db: Queryable, workspaceId: string): Promise<StoredBalance> {
  const row = (await db('workspaces').select('credit_balance', 'credit_balance_generation').where({ id: workspaceId }).first()) as BalanceRow | undefined;
  return fromRow(row);
}

/** Sets the balance (null = unlimited) as a new generation: units leased from the old one can no longer come back to it. */
export async function setBalance(db: Queryable, workspaceId: string, remaining: number | null): Promise<void> {
  await db('workspaces')
    .where({ id: workspaceId })
    .update({ credit_balance: remaining, credit_balance_generation: db.raw('credit_balance_generation + 1') });
}

/**
 * How much of a workspace-wide balance one grant hands out: at least `needed` when there is room, at most
 * an eighth of what is left beyond that. Many keys on several instances draw on one balance, so near its
 * end each instance holds little and none sits on units the others are being denied.
 */
export function balanceShare(remaining: number, wanted: number, needed: number): number {
  if (remaining < needed) return 0;
  return Math.min(remaining, Math.max(needed, Math.min(wanted, Math.ceil(remaining / 8))));
}

/**
 * Takes a block of the workspace's balance for one instance, in one transaction serialised on the
 * workspace's row. What is handed out is already gone from the database, so instances together never
 * spend more than the balance; what one does not spend it gives back with `returnBalance`.
 */
export async function grantBalance(db: Database, request: BalanceGrantRequest): Promise<BalanceGrant> {
  const { knex } = db;
  const read = lockForUpdate(knex('workspaces').select('credit_balance', 'credit_balance_generation').where({ id: request.workspaceId }), knex);
  return retryOnDeadlock(() =>
    db.readThenWrite<BalanceGrant>([read], ([rows]) => {
      const stored = fromRow((rows as BalanceRow[])[0]);
      const writes: Knex.QueryBuilder[] = [];
      if (stored.remaining === null) return { writes, result: { granted: null, remaining: null, generation: stored.generation } };
      const granted = balanceShare(stored.remaining, request.wanted, request.needed);
      if (granted > 0) writes.push(knex('workspaces').where({ id: request.workspaceId }).update({ credit_balance: stored.remaining - granted }));
      return { writes, result: { granted, remaining: stored.remaining - granted, generation: stored.generation } };
    }),
  );
}

/** Gives unspent units back, to the generation they came from only (a balance set since replaced it). */
export async function returnBalance(db: Queryable, unspent: BalanceReturn): Promise<void> {
  if (unspent.units <= 0) return;
  await db('workspaces')
    .where({ id: unspent.workspaceId, credit_balance_generation: unspent.generation })
    .whereNotNull('credit_balance')
    .increment('credit_balance', unspent.units);
}
