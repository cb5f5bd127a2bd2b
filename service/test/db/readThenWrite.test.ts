import { expect } from 'chai';
import type { Database } from '../../src/db/database';
import { lockForUpdate } from '../../src/db/database';
import { forEachDialect, openTestDatabase, type TestDatabase } from '../helpers/databases';

forEachDialect('Database.readThenWrite', (dialect) => {
  let t: TestDatabase;
  let db: Database;
  beforeEach(async () => {
    t = await openTestDatabase(dialect);
    db = t.db;
    await db.knex.schema.createTable('counters', (table) => {
      table.string('id', 16).primary();
      table.integer('n').notNullable();
    });
    await db.knex('counters').insert([
      { id: 'a', n: 1 },
      { id: 'b', n: 10 },
    ]);
  });
  afterEach(async () => {
    await t.dispose();
  });

  const read = (id: string) => lockForUpdate(db.knex('counters').select('n').where({ id }), db.knex);
  const add = (id: string, by: number) => db.knex('counters').where({ id }).update({ n: db.knex.raw('n + ?', [by]) });
  const values = async () => Object.fromEntries((await db.knex('counters').select('id', 'n').orderBy('id')).map((r: { id: string; n: number }) => [r.id, Number(r.n)]));

  it('hands the rows of every read to decide, and commits its writes', async () => {
    const seen = await db.readThenWrite([read('a'), read('b')], ([a, b]) => {
      const rows = [(a as Array<{ n: number }>)[0]!.n, (b as Array<{ n: number }>)[0]!.n];
      return { writes: [add('a', rows[1]!), add('b', 1)], result: rows };
    });
    expect(seen).to.deep.equal([1, 10]);
    expect(await values()).to.deep.equal({ a: 11, b: 11 });
  });

  it('writes nothing when a write fails, and leaves no lock or open transaction behind', async () => {
    const failing = db.knex('counters').insert({ id: 'a', n: 0 });
    const error = await db.readThenWrite([read('a')], () => ({ writes: [add('b', 5), failing], result: null })).then(
      () => null,
      (err: unknown) => err,
    );
    expect(String(error), 'the duplicate insert fails').to.match(/unique|duplicate/i);
    expect(await values()).to.deep.equal({ a: 1, b: 10 });
    // The same rows, locked again: a lock or transaction left open would make this wait and time out.
    await db.readThenWrite([read('a'), read('b')], () => ({ writes: [add('a', 1)], result: null }));
    expect(await values()).to.deep.equal({ a: 2, b: 10 });
  });

  it('serialises concurrent read-decide-write cycles on the locked row (no lost update)', async () => {
    const increments = Array.from({ length: 20 }, () =>
      db.readThenWrite([read('a')], ([rows]) => {
        const n = Number((rows as Array<{ n: number }>)[0]!.n);
        return { writes: [db.knex('counters').where({ id: 'a' }).update({ n: n + 1 })], result: n };
      }),
    );
    const seen = await Promise.all(increments);
    expect(new Set(seen).size, 'each cycle saw a different value').to.equal(20);
    expect((await values()).a).to.equal(21);
  });
});
