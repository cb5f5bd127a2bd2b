import { expect } from 'chai';
import * as migration from '../../src/db/migrations/20261126100000_workspace_balance';
import { forEachDialect, openTestDatabase, type TestDatabase } from '../helpers/databases';

forEachDialect('Migration 20261126100000_workspace_balance', (dialect) => {
  let t: TestDatabase;
  beforeEach(async () => {
    t = await openTestDatabase(dialect);
    const { knex } = t.db;
    await knex('workspaces').insert({ id: 'ws_1', slug: 'acme', name: 'acme', credit_balance: 42, created_at: 1 });
    await knex('root_keys').insert({ id: 'rk_1', workspace_id: 'ws_1', name: 'r', scopes: '[]', secret_hash: 'h', pepper_version: 1, start: 's', created_at: 1 });
  });
  afterEach(async () => {
    await t.dispose();
  });

  const columns = async (): Promise<string[]> => Object.keys(await t.db.knex('workspaces').columnInfo());

  it('down (in a transaction, as the migrator runs it) drops the generation and keeps the workspaces, their balance and what refers to them; up adds it back at 0', async () => {
    const { knex } = t.db;
    await knex('workspaces').update({ credit_balance_generation: 7 });
    await knex.transaction((tx) => migration.down(tx));
    expect(await columns()).not.to.include('credit_balance_generation');
    expect(await knex('workspaces').select('id', 'credit_balance')).to.deep.equal([{ id: 'ws_1', credit_balance: 42 }]);
    expect(await knex('root_keys').pluck('id')).to.deep.equal(['rk_1']);
    await knex.transaction((tx) => migration.up(tx));
    const row = (await knex('workspaces').first('credit_balance', 'credit_balance_generation')) as Record<string, number | string>;
    expect({ balance: Number(row.credit_balance), generation: Number(row.credit_balance_generation) }).to.deep.equal({ balance: 42, generation: 0 });
  });
});
