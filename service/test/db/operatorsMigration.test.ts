import { expect } from 'chai';
import * as migration from '../../src/db/migrations/20261126300000_operators';
import { forEachDialect, openTestDatabase, type TestDatabase } from '../helpers/databases';

forEachDialect('Migration 20261126300000_operators', (dialect) => {
  let t: TestDatabase;
  before(async () => {
    t = await openTestDatabase(dialect);
  });
  after(() => t.dispose());

  it('down (in a transaction, as the migrator runs it) drops the operator tables and audit_events.actor_email, keeping the audit trail; up brings them back', async () => {
    const { knex } = t.db;
    await knex('workspaces').insert({ id: 'ws_1', slug: 'acme', name: 'acme', created_at: 1 });
    await knex('audit_events').insert({ workspace_id: 'ws_1', action: 'x', target_type: 'key', target_id: 'k', actor_type: 'operator', actor_id: 'op_1', actor_email: 'a@b.test', created_at: 1 });
    await knex.transaction((tx) => migration.down(tx));
    for (const table of ['operators', 'operator_memberships', 'operator_sessions', 'operator_setup_tokens', 'login_failures']) expect(await knex.schema.hasTable(table), table).to.equal(false);
    expect(Object.keys(await knex('audit_events').columnInfo())).not.to.include('actor_email');
    expect(await knex('audit_events').pluck('actor_id')).to.deep.equal(['op_1']);
    await knex.transaction((tx) => migration.up(tx));
    expect(await knex.schema.hasTable('operator_sessions')).to.equal(true);
    expect(Object.keys(await knex('audit_events').columnInfo())).to.include('actor_email');
  });
});
