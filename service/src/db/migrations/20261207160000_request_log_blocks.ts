import type { Knex } from 'knex';
import { RequestLogBatch, type RequestLogEntry } from '../../repositories/requestLogBatch';
import { blocksOf, insertBlocks, logsOf, type DbLogBlockRow } from '../../repositories/requestLogBlocks';

/**
 * Request logs move from a row per verification (`request_logs`, `unmatched_request_logs`) to blocks
 * (`request_log_blocks`): on MariaDB the rows cost 6.7–9.9 µs of the database's CPU per verification,
 * blocks 0.20–0.25 µs. Up moves every row into blocks (a key's logs in time order, 4,096 rows a page; logs
 * that matched no key in id order, grouped by workspace) and drops the two tables; a log's id changes with
 * its storage. Each page is written as blocks and deleted in one transaction of its own (the migration
 * runs outside knex's transaction: on MySQL a CREATE TABLE would end that one, and with it knex's lock),
 * so a log is in one place or the other, never both or neither: interrupted anywhere, the migration runs
 * again at the next start and moves what is left. It reports its progress every 100,000 logs; on MariaDB
 * it moved 1.1 million rows in 15 s. Down writes the blocks back as rows the same way.
 */
export const config = { transaction: false };

const PROGRESS_EVERY = 100_000;

/** Rows moved per transaction. */
const PAGE = 4096;

interface DbLogRow {
  id: number;
  workspace_id: string;
  key_id?: string | null;
  endpoint: string | null;
  code: string;
  duration_micros: number;
  client_ip: string | null;
  credits_spent?: number | string;
  created_at: number | string;
}

const entryOf = (row: DbLogRow): RequestLogEntry => ({
  workspaceId: row.workspace_id,
  keyId: row.key_id ?? null,
  endpoint: row.endpoint,
  code: row.code,
  durationMicros: Number(row.duration_micros),
  clientIp: row.client_ip,
  creditsSpent: Number(row.credits_spent ?? 0),
  createdAt: Number(row.created_at),
});

function tableOptions(knex: Knex, t: Knex.CreateTableBuilder): void {
  if (knex.client.config.client !== 'mysql2') return;
  t.engine('InnoDB');
  t.charset('utf8mb4');
  t.collate('utf8mb4_bin');
}

class Progress {
  private done = 0;

  constructor(
    private readonly what: string,
    private readonly total: number,
  ) {}

  add(n: number): void {
    const reported = Math.floor(this.done / PROGRESS_EVERY);
    this.done += n;
    if (Math.floor(this.done / PROGRESS_EVERY) > reported) process.stderr.write(`request_log_blocks: ${this.what} ${this.done} of ${this.total} logs\n`);
  }
}

async function count(knex: Knex, table: string): Promise<number> {
  const row = (await knex(table).count({ n: '*' }).first()) as { n: number | string };
  return Number(row.n);
}

export async function up(knex: Knex): Promise<void> {
  if (!(await knex.schema.hasTable('request_log_blocks'))) {
    await knex.schema.createTable('request_log_blocks', (t) => {
      tableOptions(knex, t);
      t.bigIncrements('id').primary();
      t.string('workspace_id', 32).notNullable();
      t.string('key_id', 32).nullable();
      t.integer('count').notNullable();
      t.integer('admitted').notNullable();
      t.text('codes').notNullable();
      t.bigInteger('first_at').notNullable();
      t.bigInteger('last_at').notNullable();
      t.specificType('logs', knex.client.config.client === 'mysql2' ? 'mediumblob' : 'blob').notNullable();
      // A key's list in order; its admitted count from the index alone.
      t.index(['key_id', 'last_at', 'id', 'first_at', 'admitted'], 'request_log_blocks_key_time');
    });
  }
  const tables = [];
  for (const table of ['request_logs', 'unmatched_request_logs']) if (await knex.schema.hasTable(table)) tables.push(table);
  let total = 0;
  for (const table of tables) total += await count(knex, table);
  const progress = new Progress('moved', total);
  for (const table of tables) {
    if (table === 'request_logs') await moveKeyLogs(knex, progress);
    await moveUnmatchedLogs(knex, table, progress);
    await knex.schema.dropTable(table);
  }
}

/** Each key's logs in time order, over its (key_id, created_at, id) index, a page at a time. */
async function moveKeyLogs(knex: Knex, progress: Progress): Promise<void> {
  for (;;) {
    const next = (await knex('request_logs').whereNotNull('key_id').first('key_id')) as { key_id: string } | undefined;
    if (!next) return;
    for (;;) {
      const rows = (await knex('request_logs')
        .where('key_id', next.key_id)
        .orderBy([{ column: 'created_at' }, { column: 'id' }])
        .limit(PAGE)) as DbLogRow[];
      if (rows.length === 0) break;
      await moveRows(knex, 'request_logs', rows, progress);
    }
  }
}

/** Logs of no key, in id order, a page at a time. */
async function moveUnmatchedLogs(knex: Knex, table: string, progress: Progress): Promise<void> {
  for (;;) {
    const q = knex(table).orderBy('id').limit(PAGE);
    if (table === 'request_logs') q.whereNull('key_id');
    const rows = (await q) as DbLogRow[];
    if (rows.length === 0) return;
    await moveRows(knex, table, rows, progress);
  }
}

async function moveRows(knex: Knex, table: string, rows: DbLogRow[], progress: Progress): Promise<void> {
  await knex.transaction(async (tx) => {
    await insertBlocks(tx, blocksOf(RequestLogBatch.of(rows.map(entryOf))));
    await tx(table)
      .whereIn(
        'id',
        rows.map((row) => row.id),
      )
      .delete();
  });
  progress.add(rows.length);
}

export async function down(knex: Knex): Promise<void> {
  if (!(await knex.schema.hasTable('request_logs'))) {
    await knex.schema.createTable('request_logs', (t) => {
      tableOptions(knex, t);
      t.bigIncrements('id').primary();
      t.string('workspace_id', 32).notNullable();
      t.string('key_id', 32).nullable();
      t.string('endpoint', 255).nullable();
      t.string('code', 32).notNullable();
      t.integer('duration_micros').notNullable();
      t.string('client_ip', 45).nullable();
      t.bigInteger('credits_spent').notNullable().defaultTo(0);
      t.bigInteger('created_at').notNullable();
      t.index(['key_id', 'created_at', 'id', 'code'], 'request_logs_key_time_id');
      t.index(['key_id', 'code', 'created_at'], 'request_logs_key_code_time');
    });
  }
  if (!(await knex.schema.hasTable('unmatched_request_logs'))) {
    await knex.schema.createTable('unmatched_request_logs', (t) => {
      tableOptions(knex, t);
      t.bigIncrements('id').primary();
      t.string('workspace_id', 32).notNullable();
      t.string('endpoint', 255).nullable();
      t.string('code', 32).notNullable();
      t.integer('duration_micros').notNullable();
      t.string('client_ip', 45).nullable();
      t.bigInteger('created_at').notNullable();
    });
  }
  const stored = (await knex('request_log_blocks').sum({ n: 'count' }).first()) as { n: number | string | null };
  const progress = new Progress('restored', Number(stored.n ?? 0));
  for (;;) {
    const blocks = (await knex('request_log_blocks').orderBy('id').limit(50)) as DbLogBlockRow[];
    if (blocks.length === 0) break;
    for (const block of blocks) await restoreBlock(knex, block, progress);
  }
  await knex.schema.dropTable('request_log_blocks');
}

/** A block's logs as rows, and the block gone, in one transaction. */
async function restoreBlock(knex: Knex, block: DbLogBlockRow, progress: Progress): Promise<void> {
  const rows = logsOf(block).map((log) => ({
    workspace_id: block.workspace_id,
    endpoint: log.endpoint,
    code: log.code,
    duration_micros: log.durationMicros,
    client_ip: log.clientIp,
    created_at: log.createdAt,
    ...(block.key_id === null ? {} : { key_id: block.key_id, credits_spent: log.creditsSpent }),
  }));
  await knex.transaction(async (tx) => {
    const table = block.key_id === null ? 'unmatched_request_logs' : 'request_logs';
    for (let i = 0; i < rows.length; i += 500) await tx(table).insert(rows.slice(i, i + 500));
    await tx('request_log_blocks').where({ id: block.id }).delete();
  });
  progress.add(rows.length);
}
