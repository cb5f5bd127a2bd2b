import { expect } from 'chai';
import * as migration from '../../src/db/migrations/20261207120000_request_log_indexes';
import { BEFORE_LOG_BLOCKS, forEachDialect, indexNames, openTestDatabase, type TestDatabase } from '../helpers/databases';

forEachDialect('Migration 20261207120000_request_log_indexes', (dialect) => {
  let t: TestDatabase;
  beforeEach(async () => {
    t = await openTestDatabase(dialect, { upTo: BEFORE_LOG_BLOCKS });
    await t.db.knex('request_logs').insert([
      { workspace_id: 'ws_1', key_id: 'key_1', code: 'VALID', duration_micros: 5, created_at: 10 },
      { workspace_id: 'ws_1', key_id: 'key_1', code: 'RATE_LIMITED', duration_micros: 6, created_at: 11 },
    ]);
  });
  afterEach(async () => {
    await t.dispose();
  });

  const indexes = (): Promise<string[]> => indexNames(t, 'request_logs');

  it('leaves two indexes by key where there were three, and down puts the three back, keeping every row', async () => {
    const { knex } = t.db;
    const latest = ['request_logs_key_code_time', 'request_logs_key_time_id'];
    expect(await indexes()).to.deep.equal(latest);
    await knex.transaction((tx) => migration.down(tx));
    expect(await indexes()).to.deep.equal(['request_logs_key_code_id', 'request_logs_key_id_id_index', 'request_logs_key_time_code']);
    expect(await knex('request_logs').orderBy('id').pluck('code')).to.deep.equal(['VALID', 'RATE_LIMITED']);
    await knex.transaction((tx) => migration.up(tx));
    expect(await indexes()).to.deep.equal(latest);
    expect(await knex('request_logs').orderBy('id').pluck('code')).to.deep.equal(['VALID', 'RATE_LIMITED']);
  });
});
