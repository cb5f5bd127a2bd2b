import { expect } from 'chai';
import { forEachDialect } from '../helpers/databases';
import { Harness, json } from '../helpers/harness';

forEachDialect('root keys over HTTP', (dialect) => {
  let h: Harness;
  let acmeRootKeyId: string;
  before(async () => {
    h = await Harness.start(dialect);
    acmeRootKeyId = (await h.app.services.rootKeys.list(h.tenants.acme.workspaceId))[0]!.id;
  });
  after(() => h.stop());

  const bearer = (secret: string) => ({ authorization: `Bearer ${secret}` });

  it('create answers the secret once (no-store), the key works at once, and the list shows it without its secret', async () => {
    const created = await h.inject('POST', '/v1/root-keys', { payload: { name: 'ci reader', scopes: ['keys:read'] } });
    expect(created.statusCode, created.payload).to.equal(201);
    expect(created.headers['cache-control']).to.equal('no-store');
    const { rootKey, secret } = json(created);
    expect(secret).to.match(/^acme_root_[A-Za-z0-9]+$/);
    expect(rootKey).to.deep.include({ name: 'ci reader', scopes: ['keys:read'], status: 'active', createdBy: `root_key:${acmeRootKeyId}`, lastUsedAt: null });
    expect(rootKey.start).to.equal(`${secret.slice(0, 14)}…${secret.slice(-4)}`);
    expect(created.headers.location).to.equal(`/v1/root-keys/${rootKey.id}`);

    expect((await h.inject('GET', '/v1/keys', { as: bearer(secret) })).statusCode).to.equal(200);
    expect((await h.inject('POST', '/v1/keys', { as: bearer(secret), payload: { name: 'nope' } })).statusCode, 'only the scopes granted').to.equal(403);

    const listed = await h.inject('GET', '/v1/root-keys');
    expect(listed.statusCode).to.equal(200);
    expect(listed.payload).not.to.include(secret);
    const item = json(listed).items.find((k: { id: string }) => k.id === rootKey.id);
    expect(item).to.deep.include({ name: 'ci reader', status: 'active', lastUsedAt: h.clock.now().toISOString() });
    expect(Object.keys(item).sort()).to.deep.equal(['createdAt', 'createdBy', 'id', 'lastUsedAt', 'name', 'scopes', 'start', 'status']);

    const audit = json(await h.inject('GET', '/v1/audit-events?limit=100')).items as Array<{ action: string; targetId: string }>;
    expect(audit.find((e) => e.action === 'root_key.created' && e.targetId === rootKey.id)).to.exist;
    expect(JSON.stringify(audit)).not.to.include(secret);
  });

  it('revoke stops the root key on the very next call, is audited, and repeats harmlessly', async () => {
    const { rootKey, secret } = json(await h.inject('POST', '/v1/root-keys', { payload: { name: 'leaked', scopes: ['keys:read'] } }));
    expect((await h.inject('GET', '/v1/keys', { as: bearer(secret) })).statusCode, 'cached as authenticated').to.equal(200);
    const revoked = await h.inject('POST', `/v1/root-keys/${rootKey.id}/revoke`);
    expect(revoked.statusCode, revoked.payload).to.equal(200);
    expect(json(revoked)).to.include({ id: rootKey.id, status: 'revoked' });
    const refused = await h.inject('GET', '/v1/keys', { as: bearer(secret) });
    expect(refused.statusCode).to.equal(401);
    expect(json(refused).error.code).to.equal('UNAUTHORIZED');
    expect(json(await h.inject('POST', `/v1/root-keys/${rootKey.id}/revoke`))).to.include({ status: 'revoked' });
    const audit = json(await h.inject('GET', '/v1/audit-events?limit=100')).items as Array<{ action: string; targetId: string }>;
    expect(audit.filter((e) => e.action === 'root_key.revoked' && e.targetId === rootKey.id)).to.have.length(1);
    const listed = json(await h.inject('GET', '/v1/root-keys')).items.find((k: { id: string }) => k.id === rootKey.id);
    expect(listed.status).to.equal('revoked');
  });

  it('refuses to grant a scope the caller does not hold, naming it, and creates nothing', async () => {
    const admin = await h.rootKeyWithScopes(['workspaces:admin', 'keys:read']);
    const before = (await h.app.services.rootKeys.list(h.tenants.acme.workspaceId)).length;
    const res = await h.inject('POST', '/v1/root-keys', { as: bearer(admin), payload: { name: 'escalated', scopes: ['keys:read', 'keys:write'] } });
    expect(res.statusCode).to.equal(403);
    expect(json(res).error.code).to.equal('FORBIDDEN');
    expect(json(res).error.message).to.include('keys:write').and.not.include('keys:read');
    expect((await h.app.services.rootKeys.list(h.tenants.acme.workspaceId)).length).to.equal(before);
    const allowed = await h.inject('POST', '/v1/root-keys', { as: bearer(admin), payload: { name: 'narrower', scopes: ['keys:read'] } });
    expect(allowed.statusCode, 'a subset of its own scopes is fine').to.equal(201);
  });

  it("validates the body, and does not reach another workspace's root keys", async () => {
    for (const payload of [{ name: 'x', scopes: [] }, { name: 'x', scopes: ['keys:fly'] }, { scopes: ['keys:read'] }, { name: 'x', scopes: ['keys:read', 'keys:read'] }]) {
      const res = await h.inject('POST', '/v1/root-keys', { payload });
      expect(res.statusCode, JSON.stringify(payload)).to.equal(400);
    }
    const globexKey = (await h.app.services.rootKeys.list(h.tenants.globex.workspaceId))[0]!;
    expect((await h.inject('POST', `/v1/root-keys/${globexKey.id}/revoke`)).statusCode).to.equal(404);
    expect(json(await h.inject('GET', '/v1/root-keys')).items.map((k: { id: string }) => k.id)).not.to.include(globexKey.id);
    expect((await h.inject('GET', '/v1/keys', { as: 'globex' })).statusCode, 'still works').to.equal(200);
  });
});
