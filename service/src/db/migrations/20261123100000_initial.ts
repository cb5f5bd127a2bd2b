import type { Knex } from 'knex';

/**
 * The first schema. Times are BIGINT milliseconds since the epoch so both dialects store and compare
 * them the same way. On MySQL every table is utf8mb4 with binary collation: comparisons are exact, and
 * case-insensitive uniqueness of names is explicit: `name_key` is the SHA-256 of the lower-cased name
 * (fixed width, since lower-casing can lengthen Unicode text beyond the name's own column).
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
  const limitColumns = (t: Knex.CreateTableBuilder): void => {
    t.integer('rate_limit_limit').nullable();
    t.integer('rate_limit_window_seconds').nullable();
    t.bigInteger('quota_total').nullable();
    t.bigInteger('quota_daily').nullable();
    t.bigInteger('quota_weekly').nullable();
    t.bigInteger('quota_monthly').nullable();
    t.bigInteger('credits_remaining').nullable();
    t.bigInteger('credits_refill_amount').nullable();
    t.integer('credits_refill_interval_seconds').nullable();
  };

  await knex.schema.createTable('workspaces', (t) => {
    table(t);
    t.string('id', 32).primary();
    t.string('slug', 32).notNullable().unique();
    t.string('name', 255).notNullable();
    t.integer('max_active_keys').nullable();
    t.integer('plan_limit_per_second').nullable();
    t.integer('plan_limit_per_minute').nullable();
    t.bigInteger('credit_balance').nullable();
    t.integer('failed_auth_max').notNullable().defaultTo(20);
    t.integer('failed_auth_window_seconds').notNullable().defaultTo(300);
    t.integer('failed_auth_block_seconds').notNullable().defaultTo(900);
    t.bigInteger('created_at').notNullable();
  });

  await knex.schema.createTable('root_keys', (t) => {
    table(t);
    t.string('id', 32).primary();
    t.string('workspace_id', 32).notNullable().references('workspaces.id');
    t.string('name', 255).notNullable();
    t.text('scopes').notNullable();
    t.string('secret_hash', 64).notNullable().unique();
    t.integer('pepper_version').notNullable();
    t.string('start', 64).notNullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('last_used_at').nullable();
    t.bigInteger('revoked_at').nullable();
  });

  await knex.schema.createTable('quota_policies', (t) => {
    table(t);
    t.string('id', 32).primary();
    t.string('workspace_id', 32).notNullable().references('workspaces.id');
    t.string('name', 255).notNullable();
    t.string('name_key', 64).notNullable();
    limitColumns(t);
    t.integer('version').notNullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.unique(['workspace_id', 'name_key']);
  });

  await knex.schema.createTable('api_keys', (t) => {
    table(t);
    // Internal sequence: list order and cursors. The public id stays stable across rotations.
    t.bigIncrements('pk').primary();
    t.string('id', 32).notNullable().unique();
    t.string('workspace_id', 32).notNullable().references('workspaces.id');
    t.string('name', 255).notNullable();
    // Set while the key is not deleted, NULL after: names are unique among live keys only.
    t.string('name_key', 64).nullable();
    // lower(name), for case-insensitive search.
    t.text('name_lower').notNullable();
    t.string('environment', 16).notNullable();
    t.string('group_name', 64).notNullable();
    t.text('scopes').notNullable();
    t.text('resources').notNullable();
    t.text('ip_allowlist').notNullable();
    t.bigInteger('expires_at').nullable();
    limitColumns(t);
    t.bigInteger('credits_refilled_at').nullable();
    t.string('quota_policy_id', 32).nullable().references('quota_policies.id');
    t.text('metadata').nullable();
    t.string('state', 16).notNullable();
    t.integer('version').notNullable();
    t.string('start', 64).notNullable();
    t.bigInteger('created_at').notNullable();
    t.string('created_by', 160).notNullable();
    t.bigInteger('updated_at').notNullable();
    t.bigInteger('last_used_at').nullable();
    t.bigInteger('last_rotated_at').nullable();
    t.bigInteger('usage_count').notNullable().defaultTo(0);
    t.bigInteger('deleted_at').nullable();
    t.unique(['workspace_id', 'name_key']);
    t.index(['workspace_id', 'pk']);
  });

  await knex.schema.createTable('api_key_tags', (t) => {
    table(t);
    t.string('key_id', 32).notNullable().references('api_keys.id');
    t.string('tag', 64).notNullable();
    t.primary(['key_id', 'tag']);
  });

  // Secrets of a key. Normally one row; during a rotation overlap two, the old one with expires_at set.
  await knex.schema.createTable('key_secrets', (t) => {
    table(t);
    t.bigIncrements('id').primary();
    t.string('key_id', 32).notNullable().references('api_keys.id');
    t.string('secret_hash', 64).notNullable().unique();
    t.integer('pepper_version').notNullable();
    t.string('start', 64).notNullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('expires_at').nullable();
    t.index(['key_id']);
  });

  await knex.schema.createTable('request_logs', (t) => {
    table(t);
    t.bigIncrements('id').primary();
    t.string('workspace_id', 32).notNullable();
    t.string('key_id', 32).nullable();
    t.string('endpoint', 255).nullable();
    t.string('code', 32).notNullable();
    t.integer('duration_micros').notNullable();
    t.string('client_ip', 45).nullable();
    t.bigInteger('credits_spent').notNullable().defaultTo(0);
    t.bigInteger('created_at').notNullable();
    t.index(['key_id', 'id']);
    t.index(['key_id', 'created_at']);
  });

  await knex.schema.createTable('audit_events', (t) => {
    table(t);
    t.bigIncrements('id').primary();
    t.string('workspace_id', 32).notNullable().references('workspaces.id');
    t.string('action', 64).notNullable();
    t.string('target_type', 32).notNullable();
    t.string('target_id', 32).notNullable();
    t.string('key_id', 32).nullable();
    t.string('actor_type', 16).notNullable();
    t.string('actor_id', 128).notNullable();
    t.text('before_json').nullable();
    t.text('after_json').nullable();
    t.string('request_id', 64).nullable();
    t.bigInteger('created_at').notNullable();
    t.index(['workspace_id', 'id']);
    t.index(['workspace_id', 'key_id', 'id']);
  });

  // Create calls replayed under the same Idempotency-Key within 24 h. The key itself is stored only as a
  // hash; the secret only sealed under a key derived from the Idempotency-Key (see docs/security.md).
  await knex.schema.createTable('idempotency_records', (t) => {
    table(t);
    t.string('workspace_id', 32).notNullable();
    t.string('idempotency_key_hash', 64).notNullable();
    t.string('request_hash', 64).notNullable();
    t.string('key_id', 32).notNullable();
    t.text('sealed_secret').notNullable();
    t.bigInteger('created_at').notNullable();
    t.primary(['workspace_id', 'idempotency_key_hash']);
    t.index(['created_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const name of [
    'idempotency_records',
    'audit_events',
    'request_logs',
    'key_secrets',
    'api_key_tags',
    'api_keys',
    'quota_policies',
    'root_keys',
    'workspaces',
  ]) {
    await knex.schema.dropTableIfExists(name);
  }
}
