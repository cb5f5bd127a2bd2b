import type { Knex } from 'knex';
import type { Database } from './database';
import * as initial from './migrations/20261123100000_initial';
import * as verification from './migrations/20261123200000_verification';
import * as workspaceBalance from './migrations/20261126100000_workspace_balance';
import * as consoleReads from './migrations/20261126150000_console_reads';
import * as operators from './migrations/20261126300000_operators';
import * as unmatchedRequestLogs from './migrations/20261207100000_unmatched_request_logs';
import * as requestLogIndexes from './migrations/20261207120000_request_log_indexes';
import * as requestLogFlushes from './migrations/20261207140000_request_log_flushes';
import * as requestLogBlocks from './migrations/20261207160000_request_log_blocks';

interface Migration {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
  /** `transaction: false` runs it outside a transaction of knex's (it makes its own). */
  config?: { transaction: boolean };
}

/**
 * Every migration, in order. Listed here rather than read from a folder so the same list runs from
 * TypeScript and from the compiled output. A landed migration is never edited: add a new one.
 */
const MIGRATIONS: Record<string, Migration> = {
  '20261123100000_initial': initial,
  '20261123200000_verification': verification,
  '20261126100000_workspace_balance': workspaceBalance,
  '20261126150000_console_reads': consoleReads,
  '20261126300000_operators': operators,
  '20261207100000_unmatched_request_logs': unmatchedRequestLogs,
  '20261207120000_request_log_indexes': requestLogIndexes,
  '20261207140000_request_log_flushes': requestLogFlushes,
  '20261207160000_request_log_blocks': requestLogBlocks,
};

const source: Knex.MigrationSource<string> = {
  getMigrations: async () => Object.keys(MIGRATIONS),
  getMigrationName: (name) => name,
  getMigration: async (name) => MIGRATIONS[name]!,
};

const config: Knex.MigratorConfig = { migrationSource: source, tableName: 'keysmith_migrations' };

/** Applies pending migrations; returns the names applied. */
export async function migrateToLatest(db: Database): Promise<string[]> {
  const [, applied] = (await db.knex.migrate.latest(config)) as [number, string[]];
  return applied;
}

/** Applies pending migrations up to and including `name` (a schema as it was then, for tests of later migrations). */
export async function migrateUpTo(db: Database, name: string): Promise<void> {
  if (!(name in MIGRATIONS)) throw new Error(`no migration named ${name}`);
  const pending = await pendingMigrations(db);
  // Pending ones come in order; none up to `name` is pending when it is applied already.
  for (const next of pending.slice(0, pending.indexOf(name) + 1)) await db.knex.migrate.up({ ...config, name: next });
}

/** Names of migrations not yet applied. */
export async function pendingMigrations(db: Database): Promise<string[]> {
  const [, pending] = (await db.knex.migrate.list(config)) as [unknown, Array<{ file: string } | string>];
  return pending.map((m) => (typeof m === 'string' ? m : m.file));
}
