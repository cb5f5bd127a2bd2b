import type { Knex } from 'knex';

/**
 * What verification keeps in the database besides the request logs:
 * - `key_usage`: requests reserved against a key's quotas, in one-hour buckets (bucket_start = the hour's
 *   first millisecond), plus one all-time row with bucket_start -1 for the `total` quota. A rolling window
 *   sums the buckets it covers. Instances reserve blocks ("leases") here before they admit requests and
 *   give back what they did not use, so the sum never falls below what was admitted.
 * - `key_credits`: the live credit balance of a key whose effective settings carry credits. `source` is
 *   a digest of those settings: when they change (the key's own credits are edited, or its policy's), the
 *   balance starts over from the new `remaining`.
 */
export async function up(knex: Knex): Promise<void> {
  const mysql = knex.client.config.client === 'mysql2';
  const table = (t: Knex.CreateTableBuilder): void => {
    if (mysql) {
      t.engine('InnoDB');
      t.charset('utf8mb4');
      t.collate('utf8mb4_bin');
    }
  };
  await knex.schema.createTable('key_usage', (t) => {
    table(t);
    t.string('key_id', 32).notNullable();
    t.bigInteger('bucket_start').notNullable();
    t.bigInteger('requests').notNullable().defaultTo(0);
    t.primary(['key_id', 'bucket_start']);
  });
  await knex.schema.createTable('key_credits', (t) => {
    table(t);
    t.string('key_id', 32).primary();
    t.string('source', 64).notNullable();
    t.bigInteger('remaining').notNullable();
    t.bigInteger('refilled_at').notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('key_credits');
  await knex.schema.dropTableIfExists('key_usage');
}
