import { expect } from 'chai';
import * as migration from '../../src/db/migrations/20261207160000_request_log_blocks';
import { migrateToLatest } from '../../src/db/migrate';
import { listRequestLogs } from '../../src/repositories/requestLogs';
import { BEFORE_LOG_BLOCKS, forEachDialect, openTestDatabase, type TestDatabase } from '../helpers/databases';
import { readLogs } from '../helpers/requestLogs';

forEachDialect('Migration 20261207160000_request_log_blocks', (dialect) => {
  let t: TestDatabase;
  beforeEach(async () => {
    t = await openTestDatabase(dialect, { upTo: BEFORE_LOG_BLOCKS });
  });
  afterEach(async () => {
    await t.dispose();
  });

  /** A log as both storages hold it, without the id, which changes with the storage. */
  interface Log {
    workspace_id: string;
    key_id: string | null;
    endpoint: string | null;
    code: string;
    duration_micros: number;
    client_ip: string | null;
    credits_spent: number;
    created_at: number;
  }
  const log = (i: number, keyId: string | null, workspaceId = 'ws_1'): Log => ({
    workspace_id: workspaceId,
    key_id: keyId,
    endpoint: i % 5 ? `/e/${i % 7}` : null,
    code: keyId === null ? 'INVALID' : i % 4 ? 'VALID' : 'RATE_LIMITED',
    duration_micros: i % 300,
    client_ip: i % 3 ? `10.0.${i % 2}.1` : null,
    credits_spent: keyId === null ? 0 : i % 2,
    // Time goes forward with i, except every 50th log, written late.
    created_at: 1_790_000_000_000 + (i % 50 ? i : i - 40),
  });
  const insert = async (table: string, rows: object[]): Promise<void> => {
    for (let i = 0; i < rows.length; i += 500) await t.db.knex(table).insert(rows.slice(i, i + 500));
  };
  const asRow = (l: { workspaceId: string; keyId: string | null; endpoint: string | null; code: string; durationMicros: number; clientIp: string | null; creditsSpent: number; createdAt: number }): Log => ({
    workspace_id: l.workspaceId,
    key_id: l.keyId,
    endpoint: l.endpoint,
    code: l.code,
    duration_micros: l.durationMicros,
    client_ip: l.clientIp,
    credits_spent: l.creditsSpent,
    created_at: l.createdAt,
  });
  const numeric = (r: Log): Log => ({ ...r, duration_micros: Number(r.duration_micros), credits_spent: Number(r.credits_spent), created_at: Number(r.created_at) });
  const byTime = (a: Log, b: Log): number => a.created_at - b.created_at;

  it('moves every row into blocks (a key\'s logs in time order, a block per page of 4,096), drops the old tables, and down writes the rows back, those of no key into unmatched_request_logs', async () => {
    const { knex } = t.db;
    // Two keys' logs interleaved, 4,100 of key_1. Logs of no key in both old tables, from two workspaces.
    const key1 = Array.from({ length: 4_100 }, (_, i) => log(i, 'key_1'));
    const key2 = Array.from({ length: 30 }, (_, i) => log(i, 'key_2'));
    const oldUnmatched = Array.from({ length: 5 }, (_, i) => log(i, null));
    const unmatched = Array.from({ length: 20 }, (_, i) => log(100 + i, null, i % 2 ? 'ws_1' : 'ws_2'));
    await insert('request_logs', [...key2.slice(0, 10), ...key1, ...oldUnmatched, ...key2.slice(10)]);
    await insert('unmatched_request_logs', unmatched.map(({ key_id: _key, credits_spent: _credits, ...rest }) => rest));

    await migrateToLatest(t.db);
    expect(await knex.schema.hasTable('request_logs')).to.equal(false);
    expect(await knex.schema.hasTable('unmatched_request_logs')).to.equal(false);
    // A page of 4,096 of key_1's rows, then 4: a block of each.
    const blocks = (await knex('request_log_blocks').where({ key_id: 'key_1' }).orderBy('id').select('count', 'admitted')) as Array<{ count: number; admitted: number }>;
    expect(blocks.map((b) => [Number(b.count), Number(b.admitted)])).to.deep.equal([
      [4_096, 3_072],
      [4, 3],
    ]);
    expect((await readLogs(knex, { keyId: 'key_1' })).map(asRow), 'key_1 in time order').to.deep.equal([...key1].sort(byTime));
    expect((await readLogs(knex, { keyId: 'key_2' })).map(asRow)).to.deep.equal([...key2].sort(byTime));
    expect((await readLogs(knex, { keyId: null })).map(asRow), 'logs of no key, by workspace').to.have.deep.members([...oldUnmatched, ...unmatched]);

    const newest = await listRequestLogs(knex, { workspaceId: 'ws_1', keyId: 'key_1', limit: 3 });
    expect(newest.map((l) => l.createdAt.getTime())).to.deep.equal([...key1].sort(byTime).reverse().slice(0, 3).map((l) => l.created_at));

    await migration.down(knex);
    expect(await knex.schema.hasTable('request_log_blocks')).to.equal(false);
    expect(((await knex('request_logs').select()) as Log[]).map(({ id: _id, ...rest }: Log & { id?: unknown }) => numeric(rest))).to.have.deep.members([
      ...key1,
      ...key2,
    ]);
    const restored = (await knex('unmatched_request_logs').select()) as Array<Log & { id?: unknown }>;
    expect(restored.map(({ id: _id, ...rest }) => numeric({ ...rest, key_id: null, credits_spent: 0 })), 'logs of no key, where that schema writes them').to.have.deep.members([
      ...oldUnmatched,
      ...unmatched,
    ]);
  });

  it('keeps every log exactly once when it fails part way, and the next run finishes the move', async () => {
    const { knex } = t.db;
    const logs = [...Array.from({ length: 10 }, (_, i) => log(i, 'key_1')), ...Array.from({ length: 10 }, (_, i) => log(i, 'key_2'))];
    await insert('request_logs', logs);
    // A real fault: deleting key_2's rows fails, after key_1's logs were moved.
    await knex.raw(
      dialect === 'sqlite'
        ? `create trigger fault_move before delete on request_logs when old.key_id = 'key_2' begin select raise(abort, 'injected failure'); end`
        : `create trigger fault_move before delete on request_logs for each row begin if old.key_id = 'key_2' then signal sqlstate '45000' set message_text = 'injected failure'; end if; end`,
    );
    const failed = await migrateToLatest(t.db).catch((err: unknown) => err);
    expect(String(failed)).to.include('injected failure');
    const left = ((await knex('request_logs').select()) as Array<Log & { id?: unknown }>).map(({ id: _id, ...rest }) => numeric(rest));
    const moved = (await knex.schema.hasTable('request_log_blocks')) ? (await readLogs(knex)).map(asRow) : [];
    // The pages moved before the failure stay moved, with their rows gone.
    expect([...left, ...moved], 'each log once, in rows or in blocks').to.have.deep.members(logs);
    await knex.raw('drop trigger fault_move');
    // Run as the service runs it at its next start: the failure left knex's lock free.
    await migrateToLatest(t.db);
    expect((await readLogs(knex)).map(asRow)).to.have.deep.members(logs);
    expect(await knex.schema.hasTable('request_logs')).to.equal(false);
  });
});
