import knexFactory from 'knex';
import { Database, type Dialect } from '../../src/db/database';
import { migrateToLatest, migrateUpTo } from '../../src/db/migrate';

const MYSQL_URL = process.env.KEYSMITH_TEST_MYSQL_URL;
let counter = 0;

export interface TestDatabase {
  db: Database;
  dialect: Dialect;
  /** Drops what the suite created. */
  dispose(): Promise<void>;
}

/** The last migration with request logs as rows, before `request_log_blocks` replaced their tables. */
export const BEFORE_LOG_BLOCKS = '20261207140000_request_log_flushes';

/**
 * A fresh, migrated database of the dialect: SQLite in memory, or a new MySQL database on the test server.
 * `upTo` stops after that migration, for a test of a migration whose tables a later one replaced.
 */
export async function openTestDatabase(dialect: Dialect, { upTo }: { upTo?: string } = {}): Promise<TestDatabase> {
  const migrate = (db: Database): Promise<unknown> => (upTo === undefined ? migrateToLatest(db) : migrateUpTo(db, upTo));
  if (dialect === 'sqlite') {
    const db = Database.open({ dialect: 'sqlite', location: ':memory:' });
    await migrate(db);
    return { db, dialect, dispose: () => db.close() };
  }
  const base = new URL(MYSQL_URL!);
  const name = `keysmith_test_${process.pid}_${++counter}`;
  const admin = knexFactory({ client: 'mysql2', connection: MYSQL_URL! });
  try {
    await admin.raw(`create database \`${name}\` character set utf8mb4`);
  } finally {
    await admin.destroy();
  }
  base.pathname = `/${name}`;
  const db = Database.open({ dialect: 'mysql', location: base.toString() });
  await migrate(db);
  return {
    db,
    dialect,
    dispose: async () => {
      await db.knex.raw(`drop database \`${name}\``);
      await db.close();
    },
  };
}

/**
 * Declares the suite once per supported database: always SQLite; MySQL when KEYSMITH_TEST_MYSQL_URL is
 * set. Without it the MySQL variant is reported as skipped (and CI, which always sets it, fails instead).
 */
export function forEachDialect(title: string, body: (dialect: Dialect) => void): void {
  describe(`${title} [sqlite]`, () => body('sqlite'));
  describe(`${title} [mysql]`, function () {
    if (!MYSQL_URL) {
      if (process.env.CI === 'true') {
        it('needs KEYSMITH_TEST_MYSQL_URL in CI', () => {
          throw new Error('KEYSMITH_TEST_MYSQL_URL is not set: CI must run the MySQL suites');
        });
        return;
      }
      before(function () {
        console.log(`      (skipped: set KEYSMITH_TEST_MYSQL_URL=mysql://root@127.0.0.1:3306/test to run "${title}" on MySQL)`);
        this.skip();
      });
      it('runs on MySQL', () => undefined);
      return;
    }
    body('mysql');
  });
}

/** A table's indexes other than the primary key, by name, sorted. */
export async function indexNames(t: TestDatabase, table: string): Promise<string[]> {
  const { knex, dialect } = t.db;
  if (dialect === 'sqlite') {
    const rows = (await knex.raw(`pragma index_list(${table})`)) as Array<{ name: string; origin: string }>;
    return rows.filter((r) => r.origin === 'c').map((r) => r.name).sort();
  }
  const [rows] = (await knex.raw(`show index from ${table}`)) as [Array<{ Key_name: string }>];
  return [...new Set(rows.map((r) => r.Key_name))].filter((name) => name !== 'PRIMARY').sort();
}
