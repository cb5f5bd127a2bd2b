import { expect } from 'chai';
import { InternalServerError, Keysmith } from '../src';
import { BASE_URL, api, errorBody, recordingClient, useNock } from './helpers';

const KEY = { id: 'key_1', name: 'billing', version: 3 };

describe('sdk resources', () => {
  useNock();

  it('keys: create, get, update with If-Match, disable, enable, revoke, rotate, delete, bulk hit their routes', async () => {
    api()
      .post('/v1/keys', { name: 'billing', scopes: ['push:send'] })
      .reply(201, { key: KEY, secret: 'acme_live_s' })
      .get('/v1/keys/key_1')
      .reply(200, { ...KEY, usage: [] })
      .patch('/v1/keys/key_1', { tags: ['a'], expiresAt: null })
      .matchHeader('if-match', '"3"')
      .reply(200, { ...KEY, version: 4 })
      .post('/v1/keys/key_1/disable')
      .reply(200, { ...KEY, status: 'disabled' })
      .post('/v1/keys/key_1/enable')
      .reply(200, { ...KEY, status: 'active' })
      .post('/v1/keys/key_1/revoke')
      .reply(200, { ...KEY, status: 'revoked' })
      .post('/v1/keys/key_1/rotate', { overlapSeconds: 300 })
      .reply(200, { key: KEY, secret: 'acme_live_t' })
      .delete('/v1/keys/key_1')
      .reply(204)
      .post('/v1/keys/bulk', { action: 'disable', ids: ['key_1', 'key_2'] })
      .reply(200, { results: [{ id: 'key_1', ok: true }, { id: 'key_2', ok: false, error: { code: 'NOT_FOUND' } }] });
    const { client } = recordingClient();
    expect((await client.keys.create({ name: 'billing', scopes: ['push:send'] })).secret).to.equal('acme_live_s');
    expect((await client.keys.get('key_1')).usage).to.deep.equal([]);
    expect((await client.keys.update('key_1', { tags: ['a'], expiresAt: null }, { ifMatch: 3 })).version).to.equal(4);
    expect((await client.keys.disable('key_1')).status).to.equal('disabled');
    expect((await client.keys.enable('key_1')).status).to.equal('active');
    expect((await client.keys.revoke('key_1')).status).to.equal('revoked');
    expect((await client.keys.rotate('key_1', { overlapSeconds: 300 })).secret).to.equal('acme_live_t');
    expect(await client.keys.delete('key_1')).to.equal(undefined);
    expect((await client.keys.bulk({ action: 'disable', ids: ['key_1', 'key_2'] })).results.map((r) => r.ok)).to.deep.equal([true, false]);
  });

  it('ids are encoded into the path', async () => {
    api().get('/v1/keys/a%2Fb%3Fc').reply(404, errorBody('NOT_FOUND'));
    const err = await recordingClient().client.keys.get('a/b?c').catch((e: unknown) => e);
    expect((err as { status: number }).status).to.equal(404);
  });

  it('quota policies and the workspace hit their routes', async () => {
    const policy = { id: 'qp_1', name: 'free' };
    api()
      .post('/v1/quota-policies', { name: 'free', quota: { daily: 100 } })
      .reply(201, policy)
      .get('/v1/quota-policies/qp_1')
      .reply(200, policy)
      .patch('/v1/quota-policies/qp_1', { quota: null })
      .matchHeader('if-match', '"7"')
      .reply(200, policy)
      .delete('/v1/quota-policies/qp_1')
      .reply(204)
      .get('/v1/workspace')
      .reply(200, { id: 'ws_1', slug: 'acme' })
      .patch('/v1/workspace', { maxActiveKeys: 3 })
      .reply(200, { id: 'ws_1', slug: 'acme', maxActiveKeys: 3 });
    const { client } = recordingClient();
    expect((await client.quotaPolicies.create({ name: 'free', quota: { daily: 100 } })).id).to.equal('qp_1');
    expect((await client.quotaPolicies.get('qp_1')).name).to.equal('free');
    await client.quotaPolicies.update('qp_1', { quota: null }, { ifMatch: '"7"' });
    await client.quotaPolicies.delete('qp_1');
    expect((await client.workspace.get()).slug).to.equal('acme');
    expect((await client.workspace.update({ maxActiveKeys: 3 })).maxActiveKeys).to.equal(3);
  });

  it('a quota policy create (no idempotency key on the service) is not retried after a 500, but is after a 503', async () => {
    api().post('/v1/quota-policies').reply(500, errorBody('INTERNAL')).post('/v1/quota-policies').reply(503, errorBody('UNAVAILABLE')).post('/v1/quota-policies').reply(201, { id: 'qp_2' });
    const { client } = recordingClient();
    expect(await client.quotaPolicies.create({ name: 'x' }).catch((e: unknown) => e)).to.be.instanceOf(InternalServerError);
    expect((await client.quotaPolicies.create({ name: 'x' })).id).to.equal('qp_2');
  });

  it('reads baseUrl and rootKey from KEYSMITH_BASE_URL and KEYSMITH_ROOT_KEY, and names what is missing', async () => {
    const saved = { base: process.env.KEYSMITH_BASE_URL, root: process.env.KEYSMITH_ROOT_KEY };
    try {
      delete process.env.KEYSMITH_BASE_URL;
      delete process.env.KEYSMITH_ROOT_KEY;
      expect(() => new Keysmith()).to.throw(TypeError, 'baseUrl is required: pass it or set KEYSMITH_BASE_URL');
      process.env.KEYSMITH_BASE_URL = `${BASE_URL}/`;
      expect(() => new Keysmith()).to.throw(TypeError, 'rootKey is required: pass it or set KEYSMITH_ROOT_KEY');
      process.env.KEYSMITH_ROOT_KEY = 'acme_root_fromenv';
      api().get('/v1/workspace').matchHeader('authorization', 'Bearer acme_root_fromenv').reply(200, { id: 'ws_1' });
      expect((await new Keysmith().workspace.get()).id).to.equal('ws_1');
      expect(() => new Keysmith({ requestsPerSecond: 0 })).to.throw(TypeError, 'requestsPerSecond must be a number above 0, got 0');
      expect(() => new Keysmith({ maxRetries: -1 })).to.throw(TypeError, 'maxRetries must be a whole number of at least 0, got -1');
    } finally {
      for (const [name, value] of [['KEYSMITH_BASE_URL', saved.base], ['KEYSMITH_ROOT_KEY', saved.root]] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });
});
