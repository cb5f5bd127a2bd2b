import type { Knex } from 'knex';

/**
 * The workspace credit balance becomes live. `workspaces.credit_balance` (null = unlimited) is what is left
 * of it in the database; instances lease blocks out of it and give back what they do not spend.
 * `credit_balance_generation` counts the times the balance was set: a lease remembers the generation it
 * came from, and a return lands only on that same generation, so units leased from a balance that was set
 * anew since are dropped instead of topping up the new one.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('workspaces', (t) => {
    t.bigInteger('credit_balance_generation').notNullable().defaultTo(0);
  });
}

export async function down(knex: Knex): Promise<void> {
  if (knex.client.config.client === 'mysql2') {
    await knex.schema.alterTable('workspaces', (t) => {
      t.dropColumn('credit_balance_generation');
    });
    return;
  }
  // knex drops a SQLite column by copying the table, and dropping `workspaces` inside the migration's
  // transaction fails on the keys that refer to it; SQLite (3.35+) drops a plain column in place.
  await knex.raw('alter table workspaces drop column credit_balance_generation');
}
