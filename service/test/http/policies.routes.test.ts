import { expect } from 'chai';
import { forEachDialect } from '../helpers/databases';
import { Harness, json } from '../helpers/harness';

forEachDialect('/v1/quota-policies routes', (dialect) => {
  let h: Harness;
  before(async () => {
    h = await Harness.start(dialect);
  });
  after(() => h.stop());

  it('creates, reads, edits with If-Match, lists and deletes a policy', async () => {
    const created = await h.inject('POST', '/v1/quota-policies', {
      payload: { name: 'standard', quota: { daily: 10_000, monthly: 200_000 }, rateLimit: { limit: 60, windowSeconds: 60 } },
    });
    expect(created.statusCode).to.equal(201);
    const policy = json(created);
    expect(policy).to.include({ name: 'standard', version: 1 });
    const edited = await h.inject('PATCH', `/v1/quota-policies/${policy.id}`, { payload: { quota: { daily: 5 } }, headers: { 'if-match': '1' } });
    expect(json(edited).quota).to.deep.equal({ daily: 5 });
    const audits = await h.count('audit_events');
    const same = await h.inject('PATCH', `/v1/quota-policies/${policy.id}`, { payload: { quota: { daily: 5 }, name: 'standard' } });
    expect(json(same).version, 'a PATCH that changes nothing keeps the version').to.equal(2);
    expect(await h.count('audit_events')).to.equal(audits);
    const stale = await h.inject('PATCH', `/v1/quota-policies/${policy.id}`, { payload: { name: 'x' }, headers: { 'if-match': '1' } });
    expect(stale.statusCode).to.equal(412);
    expect(json(await h.inject('GET', '/v1/quota-policies')).items.map((p: { id: string }) => p.id)).to.include(policy.id);
    expect((await h.inject('DELETE', `/v1/quota-policies/${policy.id}`)).statusCode).to.equal(204);
    expect((await h.inject('GET', `/v1/quota-policies/${policy.id}`)).statusCode).to.equal(404);
  });

  it('refuses to delete a policy keys point at, and lets a key leave it with null', async () => {
    const policy = json(await h.inject('POST', '/v1/quota-policies', { payload: { name: 'in-use', quota: { daily: 1 } } }));
    const { key } = await h.createKey({ quotaPolicyId: policy.id });
    const refused = await h.inject('DELETE', `/v1/quota-policies/${policy.id}`);
    expect(refused.statusCode).to.equal(409);
    expect(json(refused).error.code).to.equal('POLICY_IN_USE');
    await h.inject('PATCH', `/v1/keys/${key.id}`, { payload: { quotaPolicyId: null } });
    expect((await h.inject('DELETE', `/v1/quota-policies/${policy.id}`)).statusCode).to.equal(204);
  });

  it('needs policies:write to change policies and hides other tenants\' policies', async () => {
    const readOnly = await h.rootKeyWithScopes(['keys:read']);
    const res = await h.inject('POST', '/v1/quota-policies', { payload: { name: 'nope' }, as: { authorization: `Bearer ${readOnly}` } });
    expect(res.statusCode).to.equal(403);
    expect(json(res).error.message).to.include('policies:write');
    const theirs = json(await h.inject('POST', '/v1/quota-policies', { payload: { name: 'globex-plan' }, as: 'globex' }));
    expect((await h.inject('GET', `/v1/quota-policies/${theirs.id}`)).statusCode).to.equal(404);
    expect((await h.inject('PATCH', `/v1/quota-policies/${theirs.id}`, { payload: { name: 'mine' } })).statusCode).to.equal(404);
  });
});
