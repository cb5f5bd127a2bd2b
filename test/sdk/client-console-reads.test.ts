import { expect } from 'chai';
import { AuthenticationError, BadRequestError, NotFoundError, PermissionDeniedError, type Keysmith } from '@keysmith/sdk';
import { forEachDialect } from '@keysmith/service/dist/test/helpers/databases';
import { LiveService, rejectionOf, uniqueName, useLiveService } from './service';

// Root keys, key usage and the logs outcome filter through the SDK, against the real service over HTTP.
forEachDialect('SDK against the service: root keys, key usage, logs by outcome', (dialect) => {
  let service: LiveService;
  let client: Keysmith;

  useLiveService(dialect, (started, startedClient) => {
    service = started;
    client = startedClient;
  });

  it('rootKeys.create answers a working secret once; list shows the key without it; revoke refuses it on the next call', async () => {
    const name = uniqueName('ci reader');
    const { rootKey, secret } = await client.rootKeys.create({ name, scopes: ['keys:read'] });
    expect(rootKey).to.include({ name, status: 'active' });
    const asIt = service.client({ rootKey: secret });
    expect((await asIt.keys.list()).items).to.be.an('array');
    const listed = await client.rootKeys.list();
    expect(listed.find((k) => k.id === rootKey.id)).to.include({ name, status: 'active' });
    expect(JSON.stringify(listed)).not.to.include(secret);

    expect((await client.rootKeys.revoke(rootKey.id)).status).to.equal('revoked');
    expect(await rejectionOf(asIt.keys.list())).to.be.instanceOf(AuthenticationError);
  });

  it('rootKeys.create refuses a scope the caller lacks (PermissionDeniedError naming it); another workspace cannot revoke ours', async () => {
    const admin = service.client({ rootKey: await service.harness.rootKeyWithScopes(['workspaces:admin']) });
    const err = (await rejectionOf(admin.rootKeys.create({ name: uniqueName('escalated'), scopes: ['keys:write'] }))) as PermissionDeniedError;
    expect(err).to.be.instanceOf(PermissionDeniedError);
    expect(err.message).to.include('keys:write');
    const ours = (await client.rootKeys.list())[0]!;
    expect(await rejectionOf(service.otherTenant().rootKeys.revoke(ours.id))).to.be.instanceOf(NotFoundError);
  });

  it('keys.usage counts this hour\'s verifications by code; keys.logs filters by code', async () => {
    const { key, secret } = await client.keys.create({ name: uniqueName('charted'), rateLimit: { limit: 1, windowSeconds: 60 } });
    expect([(await client.verify(secret)).code, (await client.verify(secret)).code]).to.deep.equal(['VALID', 'RATE_LIMITED']);
    await service.harness.app.flush();
    const usage = await client.keys.usage(key.id);
    expect(usage).to.include({ window: '24h', granularity: 'hour' });
    expect(usage.buckets).to.have.length(24);
    expect(usage.buckets[23]!.counts).to.deep.equal({ VALID: 1, RATE_LIMITED: 1 });
    expect((await client.keys.usage(key.id, { window: '30d' })).buckets).to.have.length(30);
    const limited = await client.keys.logs(key.id, { code: 'RATE_LIMITED' });
    expect(limited.items.map((l) => l.code)).to.deep.equal(['RATE_LIMITED']);
    expect(await rejectionOf(client.keys.usage(key.id, { window: '1y' as '7d' }))).to.be.instanceOf(BadRequestError);
  });
});
