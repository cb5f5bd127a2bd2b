import { expect } from 'chai';
import { BadRequestError, ConflictError, NotFoundError, PermissionDeniedError, PreconditionFailedError, type Keysmith } from '@keysmith/sdk';
import { forEachDialect } from '@keysmith/service/dist/test/helpers/databases';
import { LiveService, rejectionOf, uniqueName, useLiveService } from './service';

// Quota policies, audit events and the workspace through the SDK, against the real service over HTTP.
forEachDialect('SDK against the service: policies, audit events, workspace', (dialect) => {
  let service: LiveService;
  let client: Keysmith;

  useLiveService(dialect, (started, startedClient) => {
    service = started;
    client = startedClient;
  });

  it('quotaPolicies.create makes a policy keys can use; a taken name is a ConflictError', async () => {
    const name = uniqueName('policy');
    const policy = await client.quotaPolicies.create({ name, quota: { daily: 2 } });
    expect(policy).to.include({ name });
    const { secret } = await client.keys.create({ name: uniqueName('with policy'), quotaPolicyId: policy.id });
    expect((await client.verify(secret)).code).to.equal('VALID');
    expect((await client.verify(secret)).code).to.equal('VALID');
    const third = await client.verify(secret);
    expect([third.code, third.window]).to.deep.equal(['QUOTA_EXCEEDED', 'daily']);
    const err = await rejectionOf(client.quotaPolicies.create({ name }));
    expect((err as ConflictError).code).to.equal('NAME_TAKEN');
  });

  it('quotaPolicies.list pages through every policy; a limit over 100 is a BadRequestError', async () => {
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await client.quotaPolicies.create({ name: uniqueName('listed') })).id);
    const seen = [];
    for await (const policy of client.quotaPolicies.list({ limit: 1 })) seen.push(policy.id);
    expect(seen).to.include.members(ids);
    const page = await client.quotaPolicies.list({ limit: 1 });
    expect(page.items).to.have.length(1);
    expect(await rejectionOf(client.quotaPolicies.list({ limit: 1000 }))).to.be.instanceOf(BadRequestError);
  });

  it('quotaPolicies.get reads a policy; another workspace\'s is a NotFoundError', async () => {
    const policy = await client.quotaPolicies.create({ name: uniqueName('get') });
    expect((await client.quotaPolicies.get(policy.id)).id).to.equal(policy.id);
    expect(await rejectionOf(service.otherTenant().quotaPolicies.get(policy.id))).to.be.instanceOf(NotFoundError);
  });

  it('quotaPolicies.update applies with the current version; a stale one is a PreconditionFailedError', async () => {
    const policy = await client.quotaPolicies.create({ name: uniqueName('update'), quota: { daily: 5 } });
    const updated = await client.quotaPolicies.update(policy.id, { quota: { daily: 50 } }, { ifMatch: policy.version });
    expect(updated.quota).to.deep.equal({ daily: 50 });
    expect(await rejectionOf(client.quotaPolicies.update(policy.id, { quota: null }, { ifMatch: policy.version }))).to.be.instanceOf(PreconditionFailedError);
  });

  it('quotaPolicies.delete removes an unused policy; one keys use is a ConflictError POLICY_IN_USE', async () => {
    const unused = await client.quotaPolicies.create({ name: uniqueName('unused') });
    await client.quotaPolicies.delete(unused.id);
    expect(await rejectionOf(client.quotaPolicies.get(unused.id))).to.be.instanceOf(NotFoundError);
    const used = await client.quotaPolicies.create({ name: uniqueName('used') });
    await client.keys.create({ name: uniqueName('user'), quotaPolicyId: used.id });
    const err = await rejectionOf(client.quotaPolicies.delete(used.id));
    expect((err as ConflictError).code).to.equal('POLICY_IN_USE');
  });

  it('auditEvents.list shows a key\'s lifecycle newest first; a malformed keyId is a BadRequestError', async () => {
    const { key } = await client.keys.create({ name: uniqueName('audited') });
    await client.keys.disable(key.id);
    const actions = [];
    for await (const event of client.auditEvents.list({ keyId: key.id, limit: 1 })) actions.push(event.action);
    expect(actions).to.deep.equal(['key.disabled', 'key.created']);
    expect(await rejectionOf(client.auditEvents.list({ keyId: 'not a key id' }))).to.be.instanceOf(BadRequestError);
  });

  it('workspace.get and update read and change the workspace; without workspaces:admin it is a PermissionDeniedError', async () => {
    const before = await client.workspace.get();
    expect(before.slug).to.equal('acme');
    const updated = await client.workspace.update({ planLimits: { perMinute: 600 } });
    expect(updated.planLimits.perMinute).to.equal(600);
    expect((await client.workspace.get()).planLimits.perMinute).to.equal(600);
    const keysOnly = service.client({ rootKey: await service.harness.rootKeyWithScopes(['keys:read', 'keys:write']) });
    const err = (await rejectionOf(keysOnly.workspace.update({ name: 'taken over' }))) as PermissionDeniedError;
    expect(err).to.be.instanceOf(PermissionDeniedError);
    expect(err.message).to.contain('workspaces:admin');
  });
});
