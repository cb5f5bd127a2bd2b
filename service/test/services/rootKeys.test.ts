import { expect } from 'chai';
import { AuthenticationError, NotFoundError } from '../../src/domain/errors';
import { generateSecret } from '../../src/domain/secrets';
import { forEachDialect } from '../helpers/databases';
import { Harness, json } from '../helpers/harness';

forEachDialect('root keys', (dialect) => {
  let h: Harness;
  before(async () => {
    h = await Harness.start(dialect);
  });
  after(() => h.stop());

  it('authenticate a well-formed, known, unrevoked root key only', async () => {
    const { rootKeys } = h.app.services;
    expect((await rootKeys.authenticate(h.tenants.acme.rootKey)).workspaceId).to.equal(h.tenants.acme.workspaceId);
    for (const text of ['', 'nonsense', generateSecret('acme', 'root'), generateSecret('acme', 'live')]) {
      expect(await Promise.resolve().then(() => rootKeys.authenticate(text)).catch((e: unknown) => e), text).to.be.instanceOf(AuthenticationError);
    }
  });

  it('stop working over HTTP once revoked, with an audit event; other tenants cannot revoke them', async () => {
    const secret = await h.rootKeyWithScopes(['keys:read']);
    const caller = { workspaceId: h.tenants.acme.workspaceId, actor: { type: 'cli' as const, id: 'ops' } };
    const target = (await h.app.services.rootKeys.list(caller.workspaceId)).find((k) => k.name === 'scoped')!;
    expect(target.start).to.equal(`${secret.slice(0, 14)}…${secret.slice(-4)}`);
    const asIt = { as: { authorization: `Bearer ${secret}` } };
    expect((await h.inject('GET', '/v1/keys', asIt)).statusCode).to.equal(200);
    const used = (await h.app.services.rootKeys.list(caller.workspaceId)).find((k) => k.id === target.id)!;
    expect(used.lastUsedAt?.getTime(), 'root-keys list shows when a key was last used').to.equal(h.clock.now().getTime());

    const globex = { workspaceId: h.tenants.globex.workspaceId, actor: caller.actor };
    expect(await h.app.services.rootKeys.revoke(globex, target.id).catch((e: unknown) => e)).to.be.instanceOf(NotFoundError);

    const revoked = await h.app.services.rootKeys.revoke(caller, target.id);
    expect(revoked.revokedAt).to.be.instanceOf(Date);
    const refused = await h.inject('GET', '/v1/keys', asIt);
    expect(refused.statusCode).to.equal(401);
    expect(json(refused).error.code).to.equal('UNAUTHORIZED');
    const events = (await h.app.services.audit.list(caller, { limit: 5 })).items;
    expect(events[0]).to.include({ action: 'root_key.revoked', targetId: target.id });
    expect(JSON.stringify(events)).not.to.include(secret);
  });
});
