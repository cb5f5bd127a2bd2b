import { expect } from 'chai';
import { forEachDialect } from '../helpers/databases';
import { Harness, json } from '../helpers/harness';
import { readLogs, writeLogs } from '../helpers/requestLogs';

type Usage = { window: string; granularity: string; buckets: Array<{ start: string; counts: Record<string, number> }> };

forEachDialect('key usage for charts, the logs outcome filter, policies in use', (dialect) => {
  let h: Harness;
  before(async () => {
    h = await Harness.start(dialect);
  });
  after(() => h.stop());

  const verify = async (secret: string): Promise<string> => {
    const res = await h.inject('POST', '/v1/verify', { payload: { key: secret } });
    return json(res).code as string;
  };
  const at = async (iso: string, secret: string, times = 1): Promise<string[]> => {
    h.clock.set(new Date(iso));
    const codes: string[] = [];
    for (let i = 0; i < times; i++) codes.push(await verify(secret));
    return codes;
  };
  const usage = async (id: string, window?: string): Promise<Usage> => {
    const res = await h.inject('GET', `/v1/keys/${id}/usage${window ? `?window=${window}` : ''}`);
    expect(res.statusCode, res.payload).to.equal(200);
    return json(res) as Usage;
  };
  /** The buckets that have counts, by start. */
  const nonEmpty = (u: Usage) => Object.fromEntries(u.buckets.filter((b) => Object.keys(b.counts).length > 0).map((b) => [b.start, b.counts]));

  it('counts verifications per hour and per UTC day by code, every bucket present, the window edges exact', async () => {
    h.clock.set(new Date('2026-05-20T00:00:00Z'));
    const { key, secret } = await h.createKey({ name: 'charted', rateLimit: { limit: 2, windowSeconds: 60 } });
    expect(await at('2026-05-27T23:59:00Z', secret)).to.deep.equal(['VALID']); // before the 7 d window, inside 30 d
    expect(await at('2026-06-02T10:59:59.999Z', secret)).to.deep.equal(['VALID']); // 1 ms before the 24 h window
    expect(await at('2026-06-02T11:00:00.000Z', secret)).to.deep.equal(['VALID']); // first instant of the 24 h window
    expect(await at('2026-06-03T09:10:00Z', secret, 3)).to.deep.equal(['VALID', 'VALID', 'RATE_LIMITED']);
    expect(await at('2026-06-03T10:00:00Z', secret)).to.deep.equal(['VALID']); // first instant of the current hour
    await h.app.flush();
    h.clock.set(new Date('2026-06-03T10:30:00Z'));

    const day = await usage(key.id as string);
    expect(day).to.include({ window: '24h', granularity: 'hour' });
    expect(day.buckets).to.have.length(24);
    expect(day.buckets[0]!.start).to.equal('2026-06-02T11:00:00.000Z');
    expect(day.buckets[23]!.start).to.equal('2026-06-03T10:00:00.000Z');
    expect(nonEmpty(day)).to.deep.equal({
      '2026-06-02T11:00:00.000Z': { VALID: 1 },
      '2026-06-03T09:00:00.000Z': { VALID: 2, RATE_LIMITED: 1 },
      '2026-06-03T10:00:00.000Z': { VALID: 1 },
    });

    const week = await usage(key.id as string, '7d');
    expect(week).to.include({ window: '7d', granularity: 'day' });
    expect(week.buckets.map((b) => b.start)).to.deep.equal(
      ['05-28', '05-29', '05-30', '05-31', '06-01', '06-02', '06-03'].map((d) => `2026-${d}T00:00:00.000Z`),
    );
    expect(nonEmpty(week)).to.deep.equal({
      '2026-06-02T00:00:00.000Z': { VALID: 2 },
      '2026-06-03T00:00:00.000Z': { VALID: 3, RATE_LIMITED: 1 },
    });

    const month = await usage(key.id as string, '30d');
    expect(month.buckets).to.have.length(30);
    expect(month.buckets[0]!.start).to.equal('2026-05-05T00:00:00.000Z');
    expect(nonEmpty(month)).to.deep.equal({
      '2026-05-27T00:00:00.000Z': { VALID: 1 },
      '2026-06-02T00:00:00.000Z': { VALID: 2 },
      '2026-06-03T00:00:00.000Z': { VALID: 3, RATE_LIMITED: 1 },
    });

    // An hour later the oldest hour has left the window and a new, empty one has come in.
    h.clock.set(new Date('2026-06-03T11:00:00Z'));
    const later = await usage(key.id as string);
    expect(later.buckets[0]!.start).to.equal('2026-06-02T12:00:00.000Z');
    expect(later.buckets[23]).to.deep.equal({ start: '2026-06-03T11:00:00.000Z', counts: {} });
    expect(Object.values(nonEmpty(later))).to.deep.equal([{ VALID: 2, RATE_LIMITED: 1 }, { VALID: 1 }]);
  });

  it("counts a block inside one bucket by its summary and opens only the blocks across a bucket's edge, over the key's index", async () => {
    h.clock.set(new Date('2026-07-10T12:30:00Z'));
    const { key } = await h.createKey({ name: 'summarised' });
    const keyId = key.id as string;
    const { workspaceId } = h.tenants.acme;
    const at = (iso: string, ms = 0) => new Date(iso).getTime() + ms;
    const logs = (code: string, from: number, n: number) => Array.from({ length: n }, (_, i) => ({ workspaceId, keyId, code, createdAt: from + i }));
    // A year of history before the window: the range on the blocks' times, not the key alone, narrows the read.
    await writeLogs(h.app.db.knex, logs('VALID', at('2025-07-10T00:00:00Z'), 200));
    // And other keys' blocks, which the read must not go through.
    await writeLogs(h.app.db.knex, Array.from({ length: 500 }, (_, i) => ({ workspaceId, keyId: `key_other${i}`, code: 'VALID', createdAt: at('2026-07-09T12:00:00Z') })));
    // Inside the bucket of 8 July, and inside that of 9 July: counted from `codes`.
    await writeLogs(h.app.db.knex, [...logs('VALID', at('2026-07-08T10:00:00Z'), 30), ...logs('RATE_LIMITED', at('2026-07-08T11:00:00Z'), 5)]);
    await writeLogs(h.app.db.knex, logs('VALID', at('2026-07-09T23:00:00Z'), 7));
    // Across midnight into 10 July: opened, its logs counted one by one.
    await writeLogs(h.app.db.knex, [...logs('VALID', at('2026-07-09T23:59:59Z', 995), 10), ...logs('EXPIRED', at('2026-07-10T00:00:00Z', 5), 2)]);
    const crossing = (await h.app.db.knex('request_log_blocks').where({ key_id: keyId }).max({ id: 'id' }).first()) as { id: number | string };
    if (dialect === 'mysql') await h.app.db.knex.raw('analyze table request_log_blocks');

    const seen: Array<{ sql: string; bindings: Array<string | number> }> = [];
    const listener = (q: { sql: string; bindings: Array<string | number> }) => seen.push(q);
    h.app.db.knex.on('query', listener);
    let week: Usage;
    try {
      week = await usage(keyId, '7d');
    } finally {
      h.app.db.knex.off('query', listener);
    }
    expect(nonEmpty(week)).to.deep.equal({
      '2026-07-08T00:00:00.000Z': { VALID: 30, RATE_LIMITED: 5 },
      '2026-07-09T00:00:00.000Z': { VALID: 7 + 5 },
      '2026-07-10T00:00:00.000Z': { VALID: 5, EXPIRED: 2 },
    });
    const reads = seen.filter((q) => q.sql.includes('request_log_blocks'));
    expect(reads, 'a summary query, then one that opens blocks').to.have.length(2);
    expect(reads[0]!.sql).not.to.include('logs');
    expect(reads[1]!.bindings.map(Number), 'the blocks opened').to.deep.equal([Number(crossing.id)]);
    const { sql, bindings } = reads[0]!;
    if (dialect === 'sqlite') {
      const plan = (await h.app.db.knex.raw(`explain query plan ${sql}`, bindings)) as Array<{ detail: string }>;
      expect(plan.map((p) => p.detail).join('\n')).to.include('INDEX request_log_blocks_key_time');
    } else {
      const [rows] = (await h.app.db.knex.raw(`explain ${sql}`, bindings)) as [Array<{ key: string }>];
      expect(rows[0]!.key).to.equal('request_log_blocks_key_time');
    }
  });

  it("answers 404 for another workspace's key and 400 for an unknown window", async () => {
    const globex = await h.createKey({ name: 'theirs' }, 'globex');
    const res = await h.inject('GET', `/v1/keys/${globex.key.id}/usage`);
    expect(res.statusCode).to.equal(404);
    expect(json(res).error.code).to.equal('NOT_FOUND');
    const own = await h.createKey({ name: 'window check' });
    const bad = await h.inject('GET', `/v1/keys/${own.key.id}/usage?window=1y`);
    expect(bad.statusCode).to.equal(400);
    expect(json(bad).error.message).to.include('window');
  });

  it('filters request logs by outcome, with paging inside the filter', async () => {
    const { key, secret } = await h.createKey({ name: 'filtered', rateLimit: { limit: 1, windowSeconds: 60 } });
    expect([await verify(secret), await verify(secret), await verify(secret)]).to.deep.equal(['VALID', 'RATE_LIMITED', 'RATE_LIMITED']);
    await h.app.flush();
    const page = async (query: string) => json(await h.inject('GET', `/v1/keys/${key.id}/logs?${query}`));
    const limited = await page('code=RATE_LIMITED');
    expect(limited.items.map((l: { code: string }) => l.code)).to.deep.equal(['RATE_LIMITED', 'RATE_LIMITED']);
    expect((await page('code=VALID')).items).to.have.length(1);
    expect((await page('code=EXPIRED')).items).to.deep.equal([]);
    const first = await page('code=RATE_LIMITED&limit=1');
    expect(first.items).to.have.length(1);
    const second = await page(`code=RATE_LIMITED&limit=1&cursor=${first.nextCursor}`);
    expect(second.items.map((l: { id: string }) => l.id)).to.deep.equal([limited.items[1].id]);
    const bad = await h.inject('GET', `/v1/keys/${key.id}/logs?code=FINE`);
    expect(bad.statusCode).to.equal(400);
  });

  it('pages a key\'s logs newest first by (time, id), whole or filtered, across blocks that overlap in time, from an index without a sort; an id cursor of before is refused', async () => {
    const { key } = await h.createKey({ name: 'paged' });
    const keyId = key.id as string;
    const { workspaceId } = h.tenants.acme;
    const now = h.clock.now().getTime();
    const log = (code: string, createdAt: number) => ({ workspaceId, keyId, code, createdAt });
    // Logs of one millisecond with several codes, each its own flush, and flushes of earlier logs written after later ones.
    const codes = ['VALID', 'RATE_LIMITED', 'VALID', 'EXPIRED', 'VALID', 'RATE_LIMITED', 'VALID'];
    const spec = [...codes.map((code) => log(code, now)), log('VALID', now - 5), log('RATE_LIMITED', now - 5), log('VALID', now + 3)];
    for (const one of spec) await writeLogs(h.app.db.knex, [one]);
    // Two instances' flushes over the same second, their logs interleaved in time, and a day-old block of 300.
    for (const parity of [0, 1]) {
      await writeLogs(h.app.db.knex, Array.from({ length: 40 }, (_, i) => log(i % 4 ? 'VALID' : 'RATE_LIMITED', now - 1_000 + 2 * i + parity)));
    }
    await writeLogs(h.app.db.knex, Array.from({ length: 300 }, (_, i) => log(i % 3 ? 'VALID' : 'RATE_LIMITED', now - 86_400_000 - i)));
    if (dialect === 'mysql') await h.app.db.knex.raw('analyze table request_log_blocks');
    const newestFirst = (await readLogs(h.app.db.knex, { keyId }))
      .map((r) => ({ id: String(r.id), code: r.code, at: r.createdAt }))
      .sort((a, b) => b.at - a.at || Number(b.id) - Number(a.id));
    expect(newestFirst).to.have.length(390);

    const seen: Array<{ sql: string; bindings: unknown[] }> = [];
    const listener = (q: { sql: string; bindings: unknown[] }) => seen.push(q);
    const all = async (filter: string, limit: number): Promise<string[]> => {
      const ids: string[] = [];
      let cursor: string | null = null;
      do {
        const page = json(await h.inject('GET', `/v1/keys/${keyId}/logs?limit=${limit}${filter}${cursor ? `&cursor=${cursor}` : ''}`));
        ids.push(...page.items.map((l: { id: string }) => l.id));
        cursor = page.nextCursor;
      } while (cursor);
      return ids;
    };
    h.app.db.knex.on('query', listener);
    try {
      expect(await all('', 7)).to.deep.equal(newestFirst.map((l) => l.id));
      expect(await all('&code=VALID', 3)).to.deep.equal(newestFirst.filter((l) => l.code === 'VALID').map((l) => l.id));
      expect(await all('&code=RATE_LIMITED', 50)).to.deep.equal(newestFirst.filter((l) => l.code === 'RATE_LIMITED').map((l) => l.id));
    } finally {
      h.app.db.knex.off('query', listener);
    }
    const ordered = seen.filter((q) => /from .request_log_blocks./i.test(q.sql) && /order by/i.test(q.sql));
    expect(ordered.length, 'list queries').to.be.greaterThan(10);
    for (const { sql, bindings } of ordered) {
      if (dialect === 'sqlite') {
        const plan = ((await h.app.db.knex.raw(`explain query plan ${sql}`, bindings as never)) as Array<{ detail: string }>).map((p) => p.detail).join('\n');
        expect(plan, sql).not.to.include('TEMP B-TREE');
      } else {
        const [[row]] = (await h.app.db.knex.raw(`explain ${sql}`, bindings as never)) as [Array<{ key: string; Extra: string | null }>];
        expect(row!.key, sql).to.equal('request_log_blocks_key_time');
        expect(row!.Extra ?? '', sql).not.to.include('filesort');
      }
    }

    // A cursor of before the blocks: the id of the last log of a page, base64url('c1:<id>'). That id is gone.
    const gone = await h.inject('GET', `/v1/keys/${keyId}/logs?cursor=${Buffer.from(`c1:${newestFirst[4]!.id}`).toString('base64url')}`);
    expect(gone.statusCode).to.equal(400);
    expect(json(gone).error.message).to.include('cursor');
  });

  it('refuses to delete a policy in use with POLICY_IN_USE naming the first 20 keys, id and name', async () => {
    const policy = json(await h.inject('POST', '/v1/quota-policies', { payload: { name: 'shared plan', quota: { daily: 100 } } }));
    const ids: string[] = [];
    for (let i = 0; i < 22; i++) ids.push((await h.createKey({ name: `user ${String(i).padStart(2, '0')}`, quotaPolicyId: policy.id })).key.id as string);
    const res = await h.inject('DELETE', `/v1/quota-policies/${policy.id}`);
    expect(res.statusCode).to.equal(409);
    const { error } = json(res);
    expect(error.code).to.equal('POLICY_IN_USE');
    expect(error.details).to.have.length(20);
    const byId = [...ids].sort();
    const named = await Promise.all(byId.slice(0, 20).map(async (id) => `${id} (${json(await h.inject('GET', `/v1/keys/${id}`)).name})`));
    expect(error.details).to.deep.equal(named.map((message) => ({ field: 'keys', message })));
    expect(error.message).to.include('used by 22 keys').and.include(named[0]).and.include('and 2 more');
    expect((await h.inject('GET', `/v1/quota-policies/${policy.id}`)).statusCode, 'still there').to.equal(200);

    const lone = json(await h.inject('POST', '/v1/quota-policies', { payload: { name: 'lone plan', quota: { daily: 1 } } }));
    const user = await h.createKey({ name: 'only user', quotaPolicyId: lone.id });
    const one = json(await h.inject('DELETE', `/v1/quota-policies/${lone.id}`)).error;
    expect(one.message).to.equal(`quota policy ${lone.id} is used by 1 key: ${user.key.id} (only user); point them elsewhere first`);
    await h.inject('PATCH', `/v1/keys/${user.key.id}`, { payload: { quotaPolicyId: null } });
    expect((await h.inject('DELETE', `/v1/quota-policies/${lone.id}`)).statusCode).to.equal(204);
  });
});
