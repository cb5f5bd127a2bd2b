import { expect } from 'chai';
import { forEachDialect } from '../helpers/databases';
import { Harness, json } from '../helpers/harness';
import { writeLogs } from '../helpers/requestLogs';

forEachDialect('/v1/keys routes', (dialect) => {
  let h: Harness;
  before(async () => {
    h = await Harness.start(dialect);
  });
  after(() => h.stop());

  describe('create', () => {
    it('answers 201 with the key and its secret, uncacheable, with an ETag and a Location', async () => {
      const res = await h.inject('POST', '/v1/keys', {
        payload: { name: 'Webshop integration', environment: 'production', scopes: ['push:send'], ipAllowlist: ['10.0.0.0/8', '2001:db8::/32'], quota: { daily: 10_000 } },
      });
      expect(res.statusCode).to.equal(201);
      expect(res.headers['cache-control']).to.equal('no-store');
      expect(res.headers.etag).to.equal('"1"');
      const body = json(res);
      expect(res.headers.location).to.equal(`/v1/keys/${body.key.id}`);
      expect(body.secret).to.match(/^acme_live_[0-9A-Za-z]{38}$/);
      expect(body.key).to.include({ name: 'Webshop integration', status: 'active', start: `acme_live_${body.secret.slice(10, 14)}…${body.secret.slice(-4)}` });
      expect(body.key.id).to.match(/^key_/);
    });

    it('replays the same key and secret for the same Idempotency-Key and body, and refuses another body', async () => {
      const send = (payload: object) => h.inject('POST', '/v1/keys', { payload, headers: { 'idempotency-key': 'create-webshop-7' } });
      const first = await send({ name: 'idem', tags: ['a'] });
      const keysBefore = await h.count('api_keys');
      const again = await send({ tags: ['a'], name: 'idem' });
      expect(again.statusCode).to.equal(201);
      expect(again.headers['idempotent-replayed']).to.equal('true');
      expect(json(again)).to.deep.equal(json(first));
      expect(await h.count('api_keys')).to.equal(keysBefore);
      const other = await send({ name: 'idem-2' });
      expect(other.statusCode).to.equal(409);
      expect(json(other).error.code).to.equal('IDEMPOTENCY_KEY_REUSED');
    });

    it('names the taken name in a 409', async () => {
      await h.createKey({ name: 'Unique name' });
      const res = await h.inject('POST', '/v1/keys', { payload: { name: 'unique NAME' } });
      expect(res.statusCode).to.equal(409);
      expect(json(res).error).to.include({ code: 'NAME_TAKEN' });
      expect(json(res).error.message).to.include('"unique NAME"');
    });
  });

  describe('list', () => {
    let ids: string[];
    before(async () => {
      const made = [
        await h.createKey({ name: 'list alpha', tags: ['crm'], group: 'team-a', environment: 'development' }),
        await h.createKey({ name: 'list beta', tags: ['crm', 'billing'], group: 'team-b' }),
        await h.createKey({ name: 'list gamma', tags: ['billing'], group: 'team-a', environment: 'preview' }),
      ];
      ids = made.map((m) => m.key.id);
      await h.inject('POST', `/v1/keys/${ids[2]}/disable`);
    });

    const names = async (query: string) => {
      const res = await h.inject('GET', `/v1/keys?${query}`);
      expect(res.statusCode, res.payload).to.equal(200);
      return (json(res).items as Array<{ name: string }>).map((k) => k.name).filter((n) => n.startsWith('list '));
    };

    it('filters by name, status, environment, tag and group, newest first', async () => {
      expect(await names('q=LIST')).to.deep.equal(['list gamma', 'list beta', 'list alpha']);
      expect(await names('q=list&status=disabled')).to.deep.equal(['list gamma']);
      expect(await names('q=list&environment=development')).to.deep.equal(['list alpha']);
      expect(await names('q=list&tag=crm')).to.deep.equal(['list beta', 'list alpha']);
      expect(await names('q=list&group=team-a&tag=billing')).to.deep.equal(['list gamma']);
      expect(await names('q=100%25')).to.deep.equal([]);
      expect(await names('q=st_a'), 'an underscore is literal, not a wildcard').to.deep.equal([]);
    });

    it('pages with an opaque cursor until nextCursor is null, seeing every key once', async () => {
      const seen: string[] = [];
      let url = '/v1/keys?limit=2';
      for (let pages = 0; pages < 50; pages++) {
        const body = json(await h.inject('GET', url));
        seen.push(...body.items.map((k: { id: string }) => k.id));
        if (!body.nextCursor) break;
        url = `/v1/keys?limit=2&cursor=${body.nextCursor}`;
      }
      expect(new Set(seen).size).to.equal(seen.length);
      expect(seen.length).to.equal(await h.app.db.knex('api_keys').where({ workspace_id: h.tenants.acme.workspaceId }).whereNull('deleted_at').count({ n: '*' }).first().then((r) => Number((r as { n: number }).n)));
      for (const id of ids) expect(seen).to.include(id);
    });

    it('refuses a cursor it did not issue, naming the field', async () => {
      const res = await h.inject('GET', '/v1/keys?cursor=bm90LWEtY3Vyc29y');
      expect(res.statusCode).to.equal(400);
      expect(json(res).error.details[0].field).to.equal('cursor');
    });
  });

  describe('get, edit and state changes', () => {
    it('shows one key with usage per window and its ETag', async () => {
      const { key } = await h.createKey({ quota: { daily: 100, total: 1000 } });
      const res = await h.inject('GET', `/v1/keys/${key.id}`);
      expect(res.statusCode).to.equal(200);
      expect(res.headers.etag).to.equal('"1"');
      const body = json(res);
      expect(body.usage).to.deep.include({ window: 'daily', used: 0, limit: 100, remaining: 100 });
      expect(body.usage).to.deep.include({ window: 'weekly', used: 0, limit: null, remaining: null });
      expect(body.effectiveLimits.rateLimit).to.deep.equal({ limit: 60, windowSeconds: 60 });
    });

    it('edits with If-Match, refuses a stale version with 412, and clears a field with null', async () => {
      const { key } = await h.createKey({ metadata: { plan: 'gold' }, expiresAt: '2027-01-01T00:00:00Z' });
      const ok = await h.inject('PATCH', `/v1/keys/${key.id}`, { payload: { tags: ['x'], expiresAt: null }, headers: { 'if-match': '"1"' } });
      expect(ok.statusCode).to.equal(200);
      expect(ok.headers.etag).to.equal('"2"');
      expect(json(ok)).to.include({ expiresAt: null, version: 2 });
      const stale = await h.inject('PATCH', `/v1/keys/${key.id}`, { payload: { tags: ['y'] }, headers: { 'if-match': '"1"' } });
      expect(stale.statusCode).to.equal(412);
      expect(json(stale).error.code).to.equal('VERSION_MISMATCH');
      expect(json(await h.inject('GET', `/v1/keys/${key.id}`)).tags).to.deep.equal(['x']);
    });

    it('disables, enables, revokes; rotation answers a new secret uncached', async () => {
      const { key, secret } = await h.createKey();
      expect(json(await h.inject('POST', `/v1/keys/${key.id}/disable`)).status).to.equal('disabled');
      expect(json(await h.inject('POST', `/v1/keys/${key.id}/enable`)).status).to.equal('active');
      const rotated = await h.inject('POST', `/v1/keys/${key.id}/rotate`, { payload: { overlapSeconds: 60 } });
      expect(rotated.statusCode).to.equal(200);
      expect(rotated.headers['cache-control']).to.equal('no-store');
      expect(json(rotated).secret).to.not.equal(secret);
      expect(json(rotated).key.id).to.equal(key.id);
      expect(json(await h.inject('POST', `/v1/keys/${key.id}/revoke`)).status).to.equal('revoked');
      const enable = await h.inject('POST', `/v1/keys/${key.id}/enable`);
      expect(enable.statusCode).to.equal(409);
      expect(json(enable).error.code).to.equal('KEY_REVOKED');
    });

    it('replays a rotation for the same Idempotency-Key instead of rotating again, and refuses the key once it no longer fits', async () => {
      const { key } = await h.createKey();
      const rotate = (payload: object, idempotencyKey = 'rotate-webshop-1') =>
        h.inject('POST', `/v1/keys/${key.id}/rotate`, { payload, headers: { 'idempotency-key': idempotencyKey } });
      const first = await rotate({ overlapSeconds: 60 });
      const secretsBefore = await h.count('key_secrets');
      const again = await rotate({ overlapSeconds: 60 });
      expect(again.statusCode).to.equal(200);
      expect(again.headers['idempotent-replayed']).to.equal('true');
      expect(again.headers['cache-control']).to.equal('no-store');
      expect(json(again).secret).to.equal(json(first).secret);
      expect(await h.count('key_secrets')).to.equal(secretsBefore);
      const rotations = json(await h.inject('GET', `/v1/audit-events?keyId=${key.id}`)).items.filter((e: { action: string }) => e.action === 'key.rotated');
      expect(rotations).to.have.length(1);

      const otherBody = await rotate({ overlapSeconds: 0 });
      expect(otherBody.statusCode).to.equal(409);
      expect(json(otherBody).error.code).to.equal('IDEMPOTENCY_KEY_REUSED');
      expect((await rotate({ overlapSeconds: 60 }, 'rotate-webshop-2')).statusCode).to.equal(200);
      const afterNewerRotation = await rotate({ overlapSeconds: 60 });
      expect(afterNewerRotation.statusCode).to.equal(409);
      expect(json(afterNewerRotation).error.message).to.include('rotated again since');
    });

    it('deletes an unused key (then 404) and refuses one with history with KEY_HAS_HISTORY', async () => {
      const unused = await h.createKey();
      expect((await h.inject('DELETE', `/v1/keys/${unused.key.id}`)).statusCode).to.equal(204);
      expect((await h.inject('GET', `/v1/keys/${unused.key.id}`)).statusCode).to.equal(404);
      const used = await h.createKey();
      await h.app.db.knex('api_keys').where({ id: used.key.id }).update({ usage_count: 3, last_used_at: Date.now() });
      const res = await h.inject('DELETE', `/v1/keys/${used.key.id}`);
      expect(res.statusCode).to.equal(409);
      expect(json(res).error.code).to.equal('KEY_HAS_HISTORY');
      expect(json(res).error.message).to.match(/disable or revoke/);
    });

    it('applies a bulk action with one result per id, unknown ids included', async () => {
      const a = await h.createKey();
      const b = await h.createKey();
      const res = await h.inject('POST', '/v1/keys/bulk', { payload: { action: 'disable', ids: [a.key.id, 'key_doesNotExist', b.key.id] } });
      expect(res.statusCode).to.equal(200);
      expect(json(res).results).to.deep.equal([
        { id: a.key.id, ok: true, status: 'disabled' },
        { id: 'key_doesNotExist', ok: false, error: { code: 'NOT_FOUND', message: 'no key with id key_doesNotExist' } },
        { id: b.key.id, ok: true, status: 'disabled' },
      ]);
    });

    it('lists audit events of a key, newest first', async () => {
      const { key } = await h.createKey();
      await h.inject('POST', `/v1/keys/${key.id}/disable`);
      const audit = json(await h.inject('GET', `/v1/audit-events?keyId=${key.id}`));
      expect(audit.items.map((e: { action: string }) => e.action)).to.deep.equal(['key.disabled', 'key.created']);
      expect(audit.items[0].requestId).to.match(/^req_/);
    });

    it('pages request logs newest first, counts admitted calls per window, and hides them from other tenants', async () => {
      const { key } = await h.createKey({ quota: { daily: 10 } });
      const now = h.clock.now().getTime();
      const log = (code: string, agoMs: number) => ({
        workspaceId: h.tenants.acme.workspaceId, keyId: key.id, endpoint: '/push', code, durationMicros: 80, clientIp: '10.0.0.1', creditsSpent: 1, createdAt: now - agoMs,
      });
      // Oldest first: 8 days ago (monthly only), 2 days ago (weekly), 1 hour ago VALID and RATE_LIMITED, 1 minute ago.
      for (const row of [log('VALID', 8 * 86400_000), log('VALID', 2 * 86400_000), log('VALID', 3600_000), log('RATE_LIMITED', 3500_000), log('VALID', 60_000)]) {
        await writeLogs(h.app.db.knex, [row]);
      }
      await h.app.db.knex('api_keys').where({ id: key.id }).update({ usage_count: 4 });
      const first = json(await h.inject('GET', `/v1/keys/${key.id}/logs?limit=2`));
      expect(first.items.map((l: { code: string }) => l.code)).to.deep.equal(['VALID', 'RATE_LIMITED']);
      const second = json(await h.inject('GET', `/v1/keys/${key.id}/logs?limit=2&cursor=${first.nextCursor}`));
      expect(second.items.map((l: { createdAt: string }) => new Date(l.createdAt).getTime())).to.deep.equal([now - 3600_000, now - 2 * 86400_000]);
      const usage = json(await h.inject('GET', `/v1/keys/${key.id}`)).usage;
      expect(usage).to.deep.equal([
        { window: 'total', used: 4, limit: null, remaining: null },
        { window: 'daily', used: 2, limit: 10, remaining: 8 },
        { window: 'weekly', used: 3, limit: null, remaining: null },
        { window: 'monthly', used: 4, limit: null, remaining: null },
      ]);
      expect((await h.inject('GET', `/v1/keys/${key.id}/logs`, { as: 'globex' })).statusCode).to.equal(404);
    });
  });

  describe('secrets stay out of logs and audit rows', () => {
    it('answers a database failure with 500 INTERNAL and the request id, writes nothing, and logs no SQL or hash', async () => {
      const before = await h.snapshotCounts();
      await h.injectFault('key_secrets');
      try {
        const res = await h.inject('POST', '/v1/keys', { payload: { name: 'doomed' } });
        expect(res.statusCode).to.equal(500);
        expect(json(res).error).to.deep.equal({
          code: 'INTERNAL',
          message: `internal error; quote request id ${res.headers['x-request-id']} when reporting it`,
          requestId: res.headers['x-request-id'],
        });
        const logged = h.logLines.map((l) => JSON.parse(l)).find((l) => l.msg === 'request failed' && l.requestId === res.headers['x-request-id']);
        expect(logged.err.message).to.include('injected failure on key_secrets');
        expect(JSON.stringify(logged)).not.to.match(/insert into|[0-9a-f]{64}/i);
      } finally {
        await h.removeFault('key_secrets');
      }
      expect(await h.snapshotCounts()).to.deep.equal(before);
    });

    it('never writes a created or rotated secret, or its hash, to the log or the audit trail', async () => {
      const { key, secret } = await h.createKey({ name: 'log-check' });
      const rotated = json(await h.inject('POST', `/v1/keys/${key.id}/rotate`));
      const hashes = [secret, rotated.secret].flatMap((s: string) => h.app.peppers.candidateHashes(s));
      const audit = JSON.stringify(await h.app.db.knex('audit_events').select());
      for (const text of [h.logLines.join('\n'), audit]) {
        for (const needle of [secret, rotated.secret, ...hashes]) expect(text).not.to.include(needle);
      }
      const line = h.logLines.map((l) => JSON.parse(l)).find((l) => l.route === '/v1/keys/{id}/rotate');
      expect(line).to.include({ method: 'POST', status: 200 });
      expect(line.requestId).to.match(/^req_/);
      expect(line.durationMs).to.be.a('number');
    });
  });
});

describe('service endpoints', () => {
  let h: Harness;
  before(async () => {
    h = await Harness.start('sqlite');
  });
  after(() => h.stop());

  it('answers liveness and readiness', async () => {
    expect(json(await h.inject('GET', '/healthz', { as: null }))).to.deep.equal({ status: 'ok' });
    expect(json(await h.inject('GET', '/readyz', { as: null }))).to.deep.equal({ status: 'ready', database: 'sqlite' });
  });

  it('publishes an OpenAPI 3 document generated from the route schemas', async () => {
    const doc = json(await h.inject('GET', '/openapi.json', { as: null }));
    expect(doc.openapi).to.match(/^3\./);
    const create = doc.paths['/v1/keys'].post;
    expect(create.security).to.deep.equal([{ rootKey: ['keys:write'] }, { session: [] }]);
    const body = create.requestBody.content['application/json'].schema;
    const schema = body.$ref ? doc.components.schemas[body.$ref.split('/').pop()] : body;
    expect(schema.required).to.include('name');
    expect(schema.properties.environment.enum).to.deep.equal(['production', 'preview', 'development']);
    expect(schema.additionalProperties).to.equal(false);
    expect(Object.keys(create.responses)).to.include.members(['201', '400', '401', '403', '409']);
    for (const path of ['/v1/keys/{id}', '/v1/keys/{id}/rotate', '/v1/keys/bulk', '/v1/quota-policies/{id}', '/v1/audit-events', '/healthz']) {
      expect(doc.paths, path).to.have.property(path);
    }
    expect(doc.paths['/v1/keys'].get.parameters.map((p: { name: string }) => p.name)).to.include.members(['q', 'status', 'environment', 'tag', 'group', 'limit', 'cursor']);
  });

  it('answers unknown routes in the error format, naming the path', async () => {
    const res = await h.inject('GET', '/v1/nothing-here');
    expect(res.statusCode).to.equal(404);
    expect(json(res).error).to.include({ code: 'NOT_FOUND', message: 'no route GET /v1/nothing-here' });
    expect(json(res).error.requestId).to.equal(res.headers['x-request-id']);
  });
});
