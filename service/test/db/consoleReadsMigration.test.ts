import { expect } from 'chai';
import * as migration from '../../src/db/migrations/20261126150000_console_reads';
import * as requestLogIndexes from '../../src/db/migrations/20261207120000_request_log_indexes';
import { BEFORE_LOG_BLOCKS, forEachDialect, indexNames, openTestDatabase, type TestDatabase } from '../helpers/databases';

forEachDialect('Migration 20261126150000_console_reads', (dialect) => {
  let t: TestDatabase;
  beforeEach(async () => {
    t = await openTestDatabase(dialect, { upTo: BEFORE_LOG_BLOCKS });
    const { knex } = t.db;
    await knex('workspaces').insert({ id: 'ws_1', slug: 'acme', name: 'acme', created_at: 1 });
    await knex('root_keys').insert({ id: 'rk_1', workspace_id: 'ws_1', name: 'r', scopes: '[]', secret_hash: 'h', pepper_version: 1, start: 's', created_at: 1, created_by: 'cli:ops' });
    await knex('request_logs').insert({ workspace_id: 'ws_1', key_id: 'key_1', code: 'VALID', duration_micros: 5, created_at: 10 });
    // Back to the indexes this migration left, before a later one replaced two of them.
    await knex.transaction((tx) => requestLogIndexes.down(tx));
  });
  afterEach(async () => {
    await t.dispose();
  });

  const indexes = (): Promise<string[]> => indexNames(t, 'request_logs');

  it('down restores the (key_id, created_at) index and drops created_by, keeping the rows; up puts both back', async () => {
    const { knex } = t.db;
    const latest = ['request_logs_key_code_id', 'request_logs_key_id_id_index', 'request_logs_key_time_code'];
    expect(await indexes()).to.deep.equal(latest);
    await knex.transaction((tx) => migration.down(tx));
    expect(await indexes()).to.deep.equal(['request_logs_key_id_created_at_index', 'request_logs_key_id_id_index']);
    expect(Object.keys(await knex('root_keys').columnInfo())).not.to.include('created_by');
    expect(await knex('root_keys').pluck('id')).to.deep.equal(['rk_1']);
    expect(await knex('request_logs').pluck('code')).to.deep.equal(['VALID']);
    await knex.transaction((tx) => migration.up(tx));
    expect(await indexes()).to.deep.equal(latest);
    expect((await knex('root_keys').first('created_by')) as object).to.deep.equal({ created_by: null });
  });
});
