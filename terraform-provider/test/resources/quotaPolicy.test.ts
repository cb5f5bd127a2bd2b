import { expect } from 'chai';
import { forEachDialect } from '@keysmith/service/dist/test/helpers/databases';
import { UNKNOWN, type TfValue } from '../../src/framework/contract';
import { expectNoErrors, ProviderFixture } from './core';

const TYPE = 'keysmith_quota_policy';

forEachDialect('keysmith_quota_policy against a real service', (dialect) => {
  let f: ProviderFixture;
  before(async () => {
    f = await ProviderFixture.start(dialect);
  });
  after(async () => {
    await f.stop();
  });

  const standard = { name: 'standard', quota: { daily: 10_000, monthly: 200_000 }, rate_limit: { limit: 60, window_seconds: 60 } };

  it('plans a create with the id unknown, applies it as planned, and plans no change after', async () => {
    const plan = await f.terraform.plan(TYPE, null, standard);
    expectNoErrors(plan.diagnostics);
    expect((plan.planned as any).id).to.equal(UNKNOWN);
    expect((plan.planned as any).quota).to.deep.equal({ total: null, daily: 10_000, weekly: null, monthly: 200_000 });

    const { state, diagnostics } = await f.terraform.apply(TYPE, null, standard);
    expectNoErrors(diagnostics);
    const id = (state as any).id as string;
    expect(id).to.match(/^pol_/);
    const policy = await f.sdk.quotaPolicies.get(id);
    expect(policy.quota).to.deep.equal({ daily: 10_000, monthly: 200_000 });
    expect(policy.rateLimit).to.deep.equal({ limit: 60, windowSeconds: 60 });

    const again = await f.terraform.plan(TYPE, await f.terraform.read(TYPE, state), standard);
    expect(again.planned).to.deep.equal(state);
    expect(again.requiresReplace).to.deep.equal([]);
  });

  it('updates in place, shows an edit made outside as drift, and deletes', async () => {
    const { state } = await f.terraform.apply(TYPE, null, { name: 'pro', quota: { daily: 100 } });
    const id = (state as any).id as string;
    const updated = await f.terraform.apply(TYPE, state, { name: 'pro-plus', quota: { daily: 200 }, credits: { remaining: 5, refill_amount: 5, refill_interval_seconds: 3600 } });
    expectNoErrors(updated.diagnostics);
    expect((updated.state as any).id).to.equal(id);
    expect((await f.sdk.quotaPolicies.get(id)).credits).to.deep.equal({ remaining: 5, refill: { amount: 5, intervalSeconds: 3600 } });

    await f.sdk.quotaPolicies.update(id, { quota: { daily: 999 } });
    const refreshed = (await f.terraform.read(TYPE, updated.state)) as any;
    expect(refreshed.quota.daily).to.equal(999);
    const plan = await f.terraform.plan(TYPE, refreshed, { name: 'pro-plus', quota: { daily: 200 }, credits: { remaining: 5, refill_amount: 5, refill_interval_seconds: 3600 } });
    expect((plan.planned as any).quota.daily).to.equal(200);

    const destroyed = await f.terraform.apply(TYPE, refreshed as TfValue, null);
    expectNoErrors(destroyed.diagnostics);
    expect(destroyed.state).to.equal(null);
    expect(await f.terraform.read(TYPE, refreshed as TfValue)).to.equal(null);
  });

  it('rejects a negative quota with a diagnostic naming the attribute', async () => {
    const plan = await f.terraform.plan(TYPE, null, { name: 'bad', quota: { daily: -1 } });
    expect(plan.diagnostics).to.have.length(1);
    expect(plan.diagnostics[0]).to.include({ severity: 'error', summary: 'Negative number' });
    expect(plan.diagnostics[0]!.attribute).to.deep.equal(['quota', 'daily']);
  });

  it('reads the data source by id and by name', async () => {
    const { state } = await f.terraform.apply(TYPE, null, { name: 'lookup-me', rate_limit: { limit: 5, window_seconds: 1 } });
    const id = (state as any).id;
    for (const config of [{ id, name: null }, { id: null, name: 'lookup-me' }]) {
      const r = await f.provider.readDataSource(TYPE, config);
      expectNoErrors(r.diagnostics);
      expect(r.state).to.deep.include({ id, name: 'lookup-me', rate_limit: { limit: 5, window_seconds: 1 }, quota: null });
    }
    const neither = await f.provider.validateDataResourceConfig(TYPE, { id: null, name: null, quota: null, rate_limit: null, credits: null });
    expect(neither.diagnostics[0]).to.include({ summary: 'Give exactly one of id or name' });
  });

  it('imports a policy by id and plans no change for its declared config', async () => {
    const made = await f.sdk.quotaPolicies.create({ name: 'made by hand', rateLimit: { limit: 10, windowSeconds: 60 } });
    const r = await f.provider.importResourceState(TYPE, made.id);
    expectNoErrors(r.diagnostics);
    const state = await f.terraform.read(TYPE, r.imported[0]!.state);
    const plan = await f.terraform.plan(TYPE, state, { name: 'made by hand', rate_limit: { limit: 10, window_seconds: 60 } });
    expect(plan.planned).to.deep.equal(state);
    expect(plan.requiresReplace).to.deep.equal([]);
  });
});
