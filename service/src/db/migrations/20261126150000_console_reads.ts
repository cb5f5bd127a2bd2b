import type { Knex } from 'knex';

/**
 * What the console's read calls need.
 * - `root_keys.created_by` names who made a root key (`root_key:rk_…`, `cli:…`); null for the ones made before.
 * - Request logs: the usage chart groups one key's logs of a time range by time and code. An index on
 *   (key_id, created_at, code) answers that from the index alone (a range scan, no row lookups); it
 *   replaces (key_id, created_at), its prefix. The outcome filter of the log list reads (key_id, code, id)
 *   newest first without skipping over the other outcomes.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('root_keys', (t) => {
    t.string('created_by', 160).nullable();
  });
  await knex.schema.alterTable('request_logs', (t) => {
    t.index(['key_id', 'created_at', 'code'], 'request_logs_key_time_code');
    t.index(['key_id', 'code', 'id'], 'request_logs_key_code_id');
  });
  await knex.schema.alterTable('request_logs', (t) => {
    t.dropIndex(['key_id', 'created_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('request_logs', (t) => {
    t.index(['key_id', 'created_at']);
  });
  await knex.schema.alterTable('request_logs', (t) => {
    t.dropIndex([], 'request_logs_key_time_code');
    t.dropIndex([], 'request_logs_key_code_id');
  });
  if (knex.client.config.client === 'mysql2') {
    await knex.schema.alterTable('root_keys', (t) => {
      t.dropColumn('created_by');
    });
    return;
  }
  // As in the workspace balance migration: SQLite drops a plain column in place, without copying the table.
  await knex.raw('alter table root_keys drop column created_by');
}
