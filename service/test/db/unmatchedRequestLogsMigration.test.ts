import { expect } from 'chai';
import * as migration from '../../src/db/migrations/20261207100000_unmatched_request_logs';
import { BEFORE_LOG_BLOCKS, forEachDialect, openTestDatabase, type TestDatabase } from '../helpers/databases';

forEachDialect('Migration 20261207100000_unmatched_request_logs', (dialect) => {
  let t: TestDatabase;
  beforeEach(async () => {
    t = await openTestDatabase(dialect, { upTo: BEFORE_LOG_BLOCKS });
  });
  afterEach(async () => {
    await t.dispose();
  });

  const log = (keyId: string | null, endpoint: string, createdAt: number): Record<string, unknown> => ({
    workspace_id: 'ws_1',
    endpoint,
    code: keyId ? 'VALID' : 'INVALID',
    duration_micros: 7,
    client_ip: keyId ? null : '10.0.0.1',
    created_at: createdAt,
  });
  /** The same log as a `request_logs` row, which also has a key (NULL when none matched) and credits spent. */
  const keyLog = (keyId: string | null, endpoint: string, createdAt: number): Record<string, unknown> => ({
    ...log(keyId, endpoint, createdAt),
    key_id: keyId,
    credits_spent: keyId ? 2 : 0,
  });
  const endpoints = async (table: string): Promise<string[]> => (await t.db.knex(table).orderBy('id').pluck('endpoint')) as string[];

  it('up leaves the rows written before where they are; down moves the unmatched table\'s rows into request_logs; no row is lost', async () => {
    const { knex } = t.db;
    await knex.transaction((tx) => migration.down(tx));
    await knex('request_logs').insert([keyLog(null, '/before', 1), keyLog('key_1', '/b', 2)]);
    await knex.transaction((tx) => migration.up(tx));
    expect(await endpoints('request_logs')).to.deep.equal(['/before', '/b']);
    expect(await endpoints('unmatched_request_logs')).to.deep.equal([]);

    await knex('unmatched_request_logs').insert([log(null, '/c', 3), log(null, '/d', 4)]);
    await knex.transaction((tx) => migration.down(tx));
    expect(await knex.schema.hasTable('unmatched_request_logs')).to.equal(false);
    expect(await endpoints('request_logs')).to.deep.equal(['/before', '/b', '/c', '/d']);
    const moved = (await knex('request_logs').where({ endpoint: '/c' }).first()) as Record<string, unknown>;
    expect({ ...moved, duration_micros: Number(moved.duration_micros), credits_spent: Number(moved.credits_spent), created_at: Number(moved.created_at) }).to.deep.include({
      workspace_id: 'ws_1',
      key_id: null,
      code: 'INVALID',
      duration_micros: 7,
      client_ip: '10.0.0.1',
      credits_spent: 0,
      created_at: 3,
    });
  });
});
