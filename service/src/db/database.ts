import knexFactory, { type Knex } from 'knex';
import { format } from 'mysql2';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export type Dialect = 'mysql' | 'sqlite';

/** A knex handle, or a transaction on one: repositories accept either. */
export type Queryable = Knex;

export interface DatabaseTarget {
  dialect: Dialect;
  /** `mysql://user:pass@host:port/db` for MySQL; a file path or `:memory:` for SQLite. */
  location: string;
}

export interface DatabaseOptions {
  /**
   * MySQL: how long one statement may wait for the server's answer before its connection is dropped and
   * the call fails (`ETIMEDOUT`). A server that stops answering without closing its connections (frozen,
   * or behind a stalled network) would otherwise hold every call for as long as it stays so. Null: no bound
   * (migrations, whose DDL may rightly take long).
   */
  statementTimeoutMs?: number | null;
}

/**
 * The driver's own formatting of a statement's values into its text, skipped when it has none: mysql2
 * scans every statement for `?` even then, and for a flush's INSERT of 500 request logs (about 50 KB)
 * that scan cost as much as building the statement. With no values its result is the text unchanged.
 */
function formatQuery(this: { config: { stringifyObjects?: boolean; timezone?: string } }, sql: string, values: unknown): string {
  if (values === undefined || values === null || (Array.isArray(values) && values.length === 0)) return sql;
  return format(sql, values as Parameters<typeof format>[1], this.config.stringifyObjects ?? false, this.config.timezone);
}

/** A MySQL server that accepts TCP but never completes the handshake fails the connection after this long. */
const CONNECT_TIMEOUT_MS = 2000;

/** The one handle the service holds on its database. */
export class Database {
  private constructor(
    readonly knex: Knex,
    readonly dialect: Dialect,
    private readonly bound: StatementBound = { statementTimeoutMs: null, lastAnswerAt: null },
  ) {}

  static open(target: DatabaseTarget, options: DatabaseOptions = {}): Database {
    if (target.dialect === 'mysql') {
      const bound: StatementBound = { statementTimeoutMs: options.statementTimeoutMs ?? null, lastAnswerAt: 0 };
      return new Database(
        knexFactory({
          client: 'mysql2',
          // Multiple statements per query let a short transaction go out in two round trips (see
          // readThenWrite); values go in bound or through the driver's escaping, never spliced in as they are.
          connection: {
            uri: target.location,
            multipleStatements: true,
            connectTimeout: CONNECT_TIMEOUT_MS,
            queryFormat: formatQuery,
          } as Knex.MySql2ConnectionConfig,
          pool: {
            min: 0,
            max: 10,
            // Every transaction that needs order takes row locks (workspace, then key); read committed
            // spares them InnoDB's gap locks, which made concurrent quota upserts of different keys deadlock.
            afterCreate: (conn: MySqlConnection, done: (err: Error | null, conn: unknown) => void) => {
              boundStatements(conn, bound);
              conn.query('set session transaction isolation level read committed', (err: Error | null) => done(err, conn));
            },
          },
          // Fail fast when MySQL is down: verification answers 503 instead of queueing for a minute.
          acquireConnectionTimeout: 2000,
        }),
        'mysql',
        bound,
      );
    }
    if (target.location !== ':memory:') mkdirSync(dirname(target.location), { recursive: true, mode: 0o700 });
    return new Database(
      knexFactory({
        client: 'better-sqlite3',
        connection: { filename: target.location },
        useNullAsDefault: true,
        // One connection: SQLite has a single writer anyway, and one connection keeps `:memory:` one database.
        pool: {
          min: 1,
          max: 1,
          afterCreate: (conn: { pragma(s: string): unknown }, done: (err: Error | null, conn: unknown) => void) => {
            conn.pragma('journal_mode = WAL');
            conn.pragma('foreign_keys = ON');
            conn.pragma('busy_timeout = 5000');
            done(null, conn);
          },
        },
      }),
      'sqlite',
    );
  }

  transaction<T>(work: (tx: Knex.Transaction) => Promise<T>, config?: Knex.TransactionConfig): Promise<T> {
    return config ? this.knex.transaction(work, config) : this.knex.transaction(work);
  }

  /**
   * A short transaction that reads (taking its row locks with FOR UPDATE), decides, then writes. On MySQL
   * it costs two round trips: START TRANSACTION goes out with the reads, COMMIT with the writes. On SQLite
   * (in-process, one writer) it is an ordinary transaction. `reads` and the writes `decide` returns are
   * built on `this.knex` and are not run on their own.
   */
  async readThenWrite<T>(reads: Knex.QueryBuilder[], decide: (rows: unknown[][]) => { writes: Knex.QueryBuilder[]; result: T }): Promise<T> {
    if (this.dialect === 'sqlite') {
      return this.transaction(async (tx) => {
        const rows: unknown[][] = [];
        for (const read of reads) rows.push((await tx.raw(...native(read))) as unknown[]);
        const { writes, result } = decide(rows);
        for (const write of writes) await tx.raw(...native(write));
        return result;
      });
    }
    const connection: unknown = await this.knex.client.acquireConnection();
    try {
      const [opened] = (await this.knex.raw(...batch('start transaction', reads, null)).connection(connection)) as [unknown[]];
      const { writes, result } = decide(opened.slice(1) as unknown[][]);
      await this.knex.raw(...batch(null, writes, 'commit')).connection(connection);
      return result;
    } catch (err) {
      await this.knex
        .raw('rollback')
        .connection(connection)
        .catch(() => undefined);
      throw err;
    } finally {
      await this.knex.client.releaseConnection(connection);
    }
  }

  /** Runs `work` without the statement timeout (migrations: DDL on a large table may rightly take minutes). */
  async unbounded<T>(work: () => Promise<T>): Promise<T> {
    const { statementTimeoutMs } = this.bound;
    this.bound.statementTimeoutMs = null;
    try {
      return await work();
    } finally {
      this.bound.statementTimeoutMs = statementTimeoutMs;
    }
  }

  /** Whether the server has answered any statement since `time` (`performance.now()`); always true in-process (SQLite). */
  answeredSince(time: number): boolean {
    return this.bound.lastAnswerAt === null || this.bound.lastAnswerAt >= time;
  }

  /** Readiness: can we run a query right now, within `timeoutMs`? */
  async ping(timeoutMs = PING_TIMEOUT_MS): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('no answer')), timeoutMs)));
    const query = this.knex.raw('select 1').timeout(timeoutMs);
    try {
      await Promise.race([query, late]);
      return true;
    } catch {
      query.catch(() => undefined);
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  close(): Promise<void> {
    return this.knex.destroy();
  }
}

const PING_TIMEOUT_MS = 1000;

interface StatementBound {
  statementTimeoutMs: number | null;
  /** When (`performance.now()`) the server last answered a statement; null for SQLite, which always does. */
  lastAnswerAt: number | null;
}

interface MySqlConnection {
  query(sql: unknown, values: unknown, done?: (err: Error | null, ...rest: unknown[]) => void): unknown;
  query(sql: string, done: (err: Error | null) => void): unknown;
  stream: { destroy(err?: Error): void };
}

/**
 * Bounds every statement on `conn` (knex's, transactions' BEGIN/COMMIT and the driver's own included):
 * when the server has not answered within the bound, the connection is destroyed, which fails the
 * statement (and anything queued behind it) with `ETIMEDOUT` and keeps the pool from handing it out again.
 * Whether a write so cut short was applied is unknown: callers that retry writes must allow for that.
 */
function boundStatements(conn: MySqlConnection, bound: StatementBound): void {
  const query = conn.query.bind(conn) as (sql: unknown, values: unknown, done?: (...args: unknown[]) => void) => unknown;
  conn.query = ((sql: unknown, values: unknown, done?: (...args: unknown[]) => void) => {
    const ms = bound.statementTimeoutMs;
    const callback = typeof values === 'function' ? (values as (...args: unknown[]) => void) : done;
    if (!callback) return query(sql, values, done);
    const timer =
      ms === null
        ? undefined
        : setTimeout(() => {
            const err = Object.assign(new Error(`the database did not answer within ${ms} ms`), { code: 'ETIMEDOUT' });
            conn.stream.destroy(err);
          }, ms);
    const finish = (...args: unknown[]): void => {
      clearTimeout(timer);
      const err = args[0] as { code?: unknown } | null;
      // An answer, even an SQL error: the server is there.
      if (!err || (typeof err.code === 'string' && err.code.startsWith('ER_'))) bound.lastAnswerAt = performance.now();
      callback(...args);
    };
    return typeof values === 'function' ? query(sql, finish) : query(sql, values, finish);
  }) as MySqlConnection['query'];
}

type RawArgs = [sql: string, bindings: readonly Knex.Value[]];

function native(query: Knex.QueryBuilder): RawArgs {
  const { sql, bindings } = query.toSQL().toNative();
  return [sql, bindings];
}

/** Statements joined into one multi-statement query, optionally opened and closed by a bare statement. */
function batch(first: string | null, queries: Knex.QueryBuilder[], last: string | null): RawArgs {
  const parts = queries.map(native);
  const sql = [first, ...parts.map(([text]) => text), last].filter((text): text is string => text !== null).join(';\n');
  return [sql, parts.flatMap(([, bindings]) => bindings)];
}

/** True for a unique or primary-key violation on either dialect. */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'ER_DUP_ENTRY' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** `SELECT … FOR UPDATE` where the dialect has row locks; SQLite serialises writers and has none. */
export function lockForUpdate<T extends Knex.QueryBuilder>(query: T, on: Queryable): T {
  return (on.client.config.client === 'mysql2' ? query.forUpdate() : query) as T;
}
