import { expect } from 'chai';
import fc from 'fast-check';
import { MAX_BLOCK_SPAN_MS } from '../../src/repositories/requestLogBlocks';
import { listRequestLogs, type LogPosition } from '../../src/repositories/requestLogs';
import { forEachDialect, openTestDatabase, type TestDatabase } from '../helpers/databases';
import { readLogs, writeLogs } from '../helpers/requestLogs';

forEachDialect('request logs: a key\'s list over blocks of several instances', (dialect) => {
  let t: TestDatabase;
  before(async () => {
    t = await openTestDatabase(dialect);
  });
  after(async () => {
    await t.dispose();
  });

  const CODES = ['VALID', 'RATE_LIMITED', 'EXPIRED'];
  let run = 0;

  it('pages every log exactly once, newest first by (time, id), whole or of one code, however the flushes overlap', async () => {
    // Flushes of a few instances: each a block of logs over a span of time that others' blocks overlap.
    const flush = fc.record({
      start: fc.integer({ min: 0, max: 200 }),
      // Mostly a flush's second; sometimes a flush retried after an outage, longer than a block may span.
      logs: fc.array(fc.record({ offset: fc.oneof(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 3 * MAX_BLOCK_SPAN_MS })), code: fc.constantFrom(...CODES) }), {
        minLength: 1,
        maxLength: 25,
      }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(flush, { minLength: 1, maxLength: 12 }), fc.integer({ min: 1, max: 9 }), fc.option(fc.constantFrom(...CODES), { nil: undefined }), async (flushes, limit, code) => {
        const keyId = `key_${++run}`;
        for (const f of flushes) {
          await writeLogs(
            t.db.knex,
            f.logs.map((l) => ({ workspaceId: 'ws_1', keyId, code: l.code, createdAt: 1_790_000_000_000 + f.start + l.offset })),
          );
        }
        const expected = (await readLogs(t.db.knex, { keyId }))
          .filter((l) => code === undefined || l.code === code)
          .sort((a, b) => b.createdAt - a.createdAt || b.id - a.id)
          .map((l) => String(l.id));
        const listed: string[] = [];
        let after: LogPosition | undefined;
        for (;;) {
          const page = await listRequestLogs(t.db.knex, { workspaceId: 'ws_1', keyId, limit, ...(code ? { code } : {}), ...(after ? { after } : {}) });
          listed.push(...page.map((l) => l.id));
          const last = page[page.length - 1];
          if (page.length < limit || last === undefined) break;
          after = { createdAt: last.createdAt.getTime(), id: Number(last.id) };
        }
        expect(listed).to.deep.equal(expected);
      }),
      { numRuns: dialect === 'sqlite' ? 60 : 25 },
    );
  });
});
