import { expect } from 'chai';
import { InternalServerError, PermissionDeniedError } from '../src';
import { api, errorBody, recordingClient, useNock } from './helpers';

const ROOT_KEY = { id: 'rk_2', name: 'ci', scopes: ['keys:read'], start: 'acme_root_Ab3…9fQ2', status: 'active', createdAt: '2026-06-01T00:00:00.000Z', createdBy: 'root_key:rk_1', lastUsedAt: null };

describe('sdk root keys and key usage', () => {
  useNock();

  it('rootKeys: list, create and revoke hit their routes; list answers the items', async () => {
    api()
      .get('/v1/root-keys')
      .reply(200, { items: [ROOT_KEY] })
      .post('/v1/root-keys', { name: 'ci', scopes: ['keys:read'] })
      .reply(201, { rootKey: ROOT_KEY, secret: 'acme_root_secret' }, { 'cache-control': 'no-store' })
      .post('/v1/root-keys/rk%2F2/revoke')
      .reply(200, { ...ROOT_KEY, status: 'revoked' });
    const { client } = recordingClient();
    expect(await client.rootKeys.list()).to.deep.equal([ROOT_KEY]);
    const created = await client.rootKeys.create({ name: 'ci', scopes: ['keys:read'] });
    expect(created.secret).to.equal('acme_root_secret');
    expect(created.rootKey.id).to.equal('rk_2');
    expect((await client.rootKeys.revoke('rk/2')).status).to.equal('revoked');
  });

  it('a root key create is not retried after a 500 (it may have made one), and a missing scope is a PermissionDeniedError', async () => {
    api()
      .post('/v1/root-keys')
      .reply(500, errorBody('INTERNAL'))
      .post('/v1/root-keys')
      .reply(403, errorBody('FORBIDDEN', 'root_key:rk_1 does not hold the scope keys:write, so it cannot grant it to a new root key'));
    const { client } = recordingClient();
    expect(await client.rootKeys.create({ name: 'x', scopes: ['keys:read'] }).catch((e: unknown) => e)).to.be.instanceOf(InternalServerError);
    const denied = await client.rootKeys.create({ name: 'x', scopes: ['keys:write'] }).catch((e: unknown) => e);
    expect(denied).to.be.instanceOf(PermissionDeniedError);
    expect((denied as Error).message).to.include('keys:write');
  });

  it('keys.usage sends the window (24h when left out), and keys.logs the outcome filter', async () => {
    const usage = { window: '7d', granularity: 'day', buckets: [{ start: '2026-06-01T00:00:00.000Z', counts: { VALID: 3, RATE_LIMITED: 1 } }] };
    api()
      .get('/v1/keys/key_1/usage')
      .query({ window: '7d' })
      .reply(200, usage)
      .get('/v1/keys/key_1/usage')
      .query({})
      .reply(200, { window: '24h', granularity: 'hour', buckets: [] })
      .get('/v1/keys/key_1/logs')
      .query({ code: 'RATE_LIMITED', limit: '5' })
      .reply(200, { items: [{ id: '9', code: 'RATE_LIMITED' }], nextCursor: null });
    const { client } = recordingClient();
    expect((await client.keys.usage('key_1', { window: '7d' })).buckets[0]!.counts.RATE_LIMITED).to.equal(1);
    expect((await client.keys.usage('key_1')).granularity).to.equal('hour');
    const page = await client.keys.logs('key_1', { code: 'RATE_LIMITED', limit: 5 });
    expect(page.items.map((l) => l.code)).to.deep.equal(['RATE_LIMITED']);
  });
});
