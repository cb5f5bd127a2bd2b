import { expect } from 'chai';
import { forEachDialect } from '../helpers/databases';
import { Harness, json } from '../helpers/harness';

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

  it('reads the usage of a key with one grouped query, from the covering index', async () => {
    const { key, secret } = await h.createKey({ name: 'explained' });
    await verify(secret);
    await h.app.flush();
    // A year of history before the window: the range on created_at, not the key alone, is what narrows the read.
    const { workspaceId } = h.tenants.acme;
    const yearAgo = h.clock.now().getTime() - 365 * 86_400_000;
    await h.app.db.knex('request_logs').insert(
      Array.from({ length: 200 }, (_, i) => ({ workspace_id: workspaceId, key_id: key.id, code: i % 4 ? 'VALID' : 'RATE_LIMITED', duration_micros: 1, created_at: yearAgo + i })),
    );
    if (dialect === 'mysql') await h.app.db.knex.raw('analyze table request_logs');
    const seen: Array<{ sql: string; bindings: Array<string | number> }> = [];
    const listener = (q: { sql: string; bindings: Array<string | number> }) => seen.push(q);
    h.app.db.knex.on('query', listener);
    try {
      await usage(key.id as string, '7d');
    } finally {
      h.app.db.knex.off('query', listener);
    }
    const grouped = seen.filter((q) => q.sql.includes('request_logs'));
    expect(grouped, 'queries on request_logs').to.have.length(1);
    const { sql, bindings } = grouped[0]!;
    expect(sql).to.match(/group by/i);
    if (dialect === 'sqlite') {
      const plan = (await h.app.db.knex.raw(`explain query plan ${sql}`, bindings)) as Array<{ detail: string }>;
      expect(plan.map((p) => p.detail).join('\n')).to.include('COVERING INDEX request_logs_key_time_id');
    } else {
      const [rows] = (await h.app.db.knex.raw(`explain ${sql}`, bindings)) as [Array<{ key: string; Extra: string }>];
      expect(rows[0]!.key).to.equal('request_logs_key_time_id');
      expect(rows[0]!.Extra).to.include('Using index');
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

  it('pages a key\'s logs newest first by (time, id), whole or filtered, from an index without a sort; an id cursor issued before still continues', async () => {
    const { key } = await h.createKey({ name: 'paged' });
    const keyId = key.id as string;
    const { workspaceId } = h.tenants.acme;
    const now = h.clock.now().getTime();
    // Logs of one millisecond with several codes, and logs written after others of a later time.
    const codes = ['VALID', 'RATE_LIMITED', 'VALID', 'EXPIRED', 'VALID', 'RATE_LIMITED', 'VALID'];
    const spec = [...codes.map((code) => [code, now] as const), ['VALID', now - 5] as const, ['RATE_LIMITED', now - 5] as const, ['VALID', now + 3] as const];
    for (const [code, at] of spec) await h.app.db.knex('request_logs').insert({ workspace_id: workspaceId, key_id: keyId, code, duration_micros: 1, created_at: at });
    await h.app.db.knex('request_logs').insert(
      Array.from({ length: 300 }, (_, i) => ({ workspace_id: workspaceId, key_id: keyId, code: i % 3 ? 'VALID' : 'RATE_LIMITED', duration_micros: 1, created_at: now - 86_400_000 - i })),
    );
    if (dialect === 'mysql') await h.app.db.knex.raw('analyze table request_logs');
    const rows = (await h.app.db.knex('request_logs').where({ key_id: keyId }).select('id', 'code', 'created_at')) as Array<{ id: number; code: string; created_at: number }>;
    const newestFirst = rows
      .map((r) => ({ id: String(r.id), code: r.code, at: Number(r.created_at) }))
      .sort((a, b) => b.at - a.at || Number(b.id) - Number(a.id));

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
    for (const { sql, bindings } of seen.filter((q) => /from .request_logs./i.test(q.sql) && /order by/i.test(q.sql) && /<\s*\?/.test(q.sql))) {
      const filtered = /`key_id` = \? and `code` = \?/.test(sql);
      if (dialect === 'sqlite') {
        const plan = ((await h.app.db.knex.raw(`explain query plan ${sql}`, bindings as never)) as Array<{ detail: string }>).map((p) => p.detail).join('\n');
        expect(plan, sql).not.to.include('TEMP B-TREE');
      } else {
        const [[row]] = (await h.app.db.knex.raw(`explain ${sql}`, bindings as never)) as [Array<{ key: string; Extra: string | null }>];
        expect(row!.key, sql).to.equal(filtered ? 'request_logs_key_code_time' : 'request_logs_key_time_id');
        expect(row!.Extra ?? '', sql).not.to.include('filesort');
      }
    }

    // A cursor from before: the id of the last log of a page, base64url('c1:<id>').
    const middle = newestFirst[4]!;
    const legacy = Buffer.from(`c1:${middle.id}`).toString('base64url');
    const continued = json(await h.inject('GET', `/v1/keys/${keyId}/logs?limit=3&cursor=${legacy}`));
    expect(continued.items.map((l: { id: string }) => l.id)).to.deep.equal(newestFirst.slice(5, 8).map((l) => l.id));
    const gone = await h.inject('GET', `/v1/keys/${keyId}/logs?cursor=${Buffer.from('c1:999999999').toString('base64url')}`);
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
