import type { Knex } from 'knex';

/**
 * Operator accounts: people who sign in to the console. An operator (one per email, stored lower-cased)
 * holds a role in each workspace it is a member of; sessions and one-time setup tokens are stored as
 * SHA-256 hashes of their random tokens, so a database reader cannot replay them. `login_failures` keeps
 * one row per failed sign-in per subject (`ip:…`, `email:…`), counted over a sliding window.
 * `audit_events.actor_email` names the operator behind a change in the audit trail.
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
  await knex.schema.createTable('operators', (t) => {
    table(t);
    t.string('id', 32).primary();
    t.string('email', 254).notNullable().unique();
    t.string('name', 255).notNullable();
    t.string('password_hash', 60).notNullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('last_login_at').nullable();
  });
  await knex.schema.createTable('operator_memberships', (t) => {
    table(t);
    t.string('operator_id', 32).notNullable().references('operators.id');
    t.string('workspace_id', 32).notNullable().references('workspaces.id');
    t.string('role', 16).notNullable();
    t.bigInteger('created_at').notNullable();
    t.primary(['operator_id', 'workspace_id']);
    t.index(['workspace_id']);
  });
  await knex.schema.createTable('operator_sessions', (t) => {
    table(t);
    t.string('id', 32).primary();
    t.string('token_hash', 64).notNullable().unique();
    t.string('operator_id', 32).notNullable().references('operators.id');
    t.string('workspace_id', 32).notNullable().references('workspaces.id');
    t.bigInteger('created_at').notNullable();
    t.bigInteger('last_seen_at').notNullable();
    t.bigInteger('absolute_expires_at').notNullable();
    t.bigInteger('ended_at').nullable();
    t.index(['operator_id']);
  });
  await knex.schema.createTable('operator_setup_tokens', (t) => {
    table(t);
    t.string('token_hash', 64).primary();
    t.string('workspace_id', 32).notNullable().references('workspaces.id');
    t.bigInteger('created_at').notNullable();
    t.bigInteger('expires_at').notNullable();
    t.bigInteger('used_at').nullable();
  });
  await knex.schema.createTable('login_failures', (t) => {
    table(t);
    t.bigIncrements('id').primary();
    t.string('subject', 300).notNullable();
    t.bigInteger('at').notNullable();
    t.index(['subject', 'at']);
  });
  await knex.schema.alterTable('audit_events', (t) => {
    t.string('actor_email', 254).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  if (knex.client.config.client === 'mysql2') {
    await knex.schema.alterTable('audit_events', (t) => {
      t.dropColumn('actor_email');
    });
  } else {
    // As in the workspace balance migration: SQLite (3.35+) drops a plain column in place.
    await knex.raw('alter table audit_events drop column actor_email');
  }
  for (const name of ['login_failures', 'operator_setup_tokens', 'operator_sessions', 'operator_memberships', 'operators']) {
    await knex.schema.dropTable(name);
  }
}
