import { expect } from 'chai';
import * as migration from '../../src/db/migrations/20261207100000_unmatched_request_logs';
import { forEachDialect, openTestDatabase, type TestDatabase } from '../helpers/databases';

forEachDialect('Migration 20261207100000_unmatched_request_logs', (dialect) => {
  let t: TestDatabase;
  beforeEach(async () => {
    t = await openTestDatabase(dialect);
  });
  afterEach(async () => {
    await t.dispose();
  });

  const log = (keyId: string | null, endpoint: string, createdAt: number): Record<string, unknown> => ({
    workspace_id: 'ws_1',
    key_id: keyId,
    endpoint,
    code: keyId ? 'VALID' : 'INVALID',
    duration_micros: 7,
    client_ip: keyId ? null : '10.0.0.1',
    credits_spent: keyId ? 2 : 0,
    created_at: createdAt,
  });
  const endpoints = async (table: string): Promise<string[]> => (await t.db.knex(table).orderBy('id').pluck('endpoint')) as string[];

  it('moves the logs that matched no key to their own table, in order, and down moves them back; no row is lost', async () => {
    const { knex } = t.db;
    await knex.transaction((tx) => migration.down(tx));
    await knex('request_logs').insert([log(null, '/a', 1), log('key_1', '/b', 2), log(null, '/c', 3), log('key_1', '/d', 4)]);
    await knex.transaction((tx) => migration.up(tx));
    expect(await endpoints('request_logs')).to.deep.equal(['/b', '/d']);
    expect(await endpoints('unmatched_request_logs')).to.deep.equal(['/a', '/c']);
    const moved = await knex('unmatched_request_logs').orderBy('id').first();
    expect({ ...moved, duration_micros: Number(moved.duration_micros), created_at: Number(moved.created_at) }).to.deep.include({
      workspace_id: 'ws_1',
      code: 'INVALID',
      duration_micros: 7,
      client_ip: '10.0.0.1',
      created_at: 1,
    });
    await knex.transaction((tx) => migration.down(tx));
    expect(await knex.schema.hasTable('unmatched_request_logs')).to.equal(false);
    expect((await endpoints('request_logs')).sort()).to.deep.equal(['/a', '/b', '/c', '/d']);
    expect((await knex('request_logs').whereNull('key_id').pluck('credits_spent')).map(Number)).to.deep.equal([0, 0]);
  });
});
