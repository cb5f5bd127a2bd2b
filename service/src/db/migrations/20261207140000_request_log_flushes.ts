import type { Knex } from 'knex';

/**
 * The ids of the request-log flushes written, each in the flush's own transaction. A flush whose COMMIT
 * went through while the service saw it fail (the connection dropped, the statement timed out) is tried
 * again under the same id: finding it here, the retry writes nothing, where it used to write the batch's
 * logs and usage counts a second time. Ids older than a day are deleted; a retry comes within seconds of
 * the failure it follows, or never (the buffer lives in memory).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('request_log_flushes', (t) => {
    if (knex.client.config.client === 'mysql2') {
      t.engine('InnoDB');
      t.charset('utf8mb4');
      t.collate('utf8mb4_bin');
    }
    t.string('id', 32).primary();
    t.bigInteger('created_at').notNullable().index('request_log_flushes_created_at');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('request_log_flushes');
}
