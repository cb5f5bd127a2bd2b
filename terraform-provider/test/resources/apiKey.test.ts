import { expect } from 'chai';
import { forEachDialect } from '@keysmith/service/dist/test/helpers/databases';
import { UNKNOWN, type TfValue } from '../../src/framework/contract';
import { expectNoErrors, ProviderFixture } from './core';

const TYPE = 'keysmith_api_key';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

forEachDialect('keysmith_api_key against a real service', (dialect) => {
  let f: ProviderFixture;
  before(async () => {
    f = await ProviderFixture.start(dialect);
  });
  after(async () => {
    await f.stop();
  });

  const webshop = {
    name: 'Webshop integration',
    scopes: ['push:send'],
    ip_allowlist: ['10.0.0.0/8'],
    quota: { daily: 10_000 },
    metadata_json: '{"team":"payments","tier":1}',
  };

  async function applied(values: Record<string, unknown>, prior: TfValue = null): Promise<any> {
    const r = await f.terraform.apply(TYPE, prior, values);
    expectNoErrors(r.diagnostics);
    return r.state;
  }

  it('plans a create with the computed values unknown and the defaults known, applies it exactly as planned, then plans no change', async () => {
    const plan = await f.terraform.plan(TYPE, null, webshop);
    expectNoErrors(plan.diagnostics);
    const planned = plan.planned as any;
    for (const name of ['id', 'secret', 'start', 'status', 'created_at', 'last_rotated_at']) expect(planned[name], name).to.equal(UNKNOWN);
    expect(planned).to.include({ environment: 'production', group: 'default', enabled: true, name: 'Webshop integration' });

    const state = await applied(webshop);
    expect(state.id).to.match(/^key_/);
    expect(state.status).to.equal('active');
    expect((await f.sdk.verify(state.secret, { ip: '10.1.2.3' })).valid).to.equal(true);
    const key = await f.sdk.keys.get(state.id);
    expect(key).to.deep.include({ name: 'Webshop integration', scopes: ['push:send'], ipAllowlist: ['10.0.0.0/8'], metadata: { team: 'payments', tier: 1 } });

    const refreshed = await f.terraform.read(TYPE, state);
    expect(refreshed).to.deep.equal(state);
    const again = await f.terraform.plan(TYPE, refreshed, { ...webshop, metadata_json: '{ "tier": 1, "team": "payments" }' });
    expect(again.planned, 'reordered metadata is no change').to.deep.equal(state);
    expect(again.requiresReplace).to.deep.equal([]);
  });

  it('renames and edits in place (same id, same secret), and shows an edit made through the SDK as drift', async () => {
    const state = await applied({ name: 'before' });
    const plan = await f.terraform.plan(TYPE, state, { name: 'after', tags: ['billing'] });
    expect(plan.requiresReplace).to.deep.equal([]);
    expect((plan.planned as any).secret).to.equal(state.secret);
    const renamed = await applied({ name: 'after', tags: ['shop', 'billing'] }, state);
    expect(renamed).to.include({ id: state.id, secret: state.secret, name: 'after' });
    expect(renamed.tags, 'the declared order, though the service sorts them').to.deep.equal(['shop', 'billing']);
    expect((await f.sdk.keys.get(state.id)).tags).to.deep.equal(['billing', 'shop']);
    expect((await f.terraform.plan(TYPE, await f.terraform.read(TYPE, renamed), { name: 'after', tags: ['shop', 'billing'] })).planned).to.deep.equal(renamed);

    await f.sdk.keys.update(state.id, { name: 'edited by hand', scopes: ['admin'] });
    const drifted = (await f.terraform.read(TYPE, renamed)) as any;
    expect(drifted).to.include({ name: 'edited by hand' });
    expect(drifted.scopes).to.deep.equal(['admin']);
    const back = await f.terraform.plan(TYPE, drifted, { name: 'after', tags: ['shop', 'billing'] });
    expect(back.planned).to.include({ name: 'after', scopes: null });
    const fixed = await applied({ name: 'after', tags: ['shop', 'billing'] }, drifted);
    expect((await f.sdk.keys.get(state.id)).scopes).to.deep.equal([]);
    expect(fixed.name).to.equal('after');
  });

  it('replaces the key when environment changes', async () => {
    const state = await applied({ name: 'env', environment: 'preview' });
    const r = await f.terraform.apply(TYPE, state, { name: 'env', environment: 'development' });
    expectNoErrors(r.diagnostics);
    expect(r.plan.requiresReplace).to.deep.equal([['environment']]);
    const replaced = r.state as any;
    expect(replaced.id).to.not.equal(state.id);
    expect(replaced.environment).to.equal('development');
    expect(replaced.secret).to.match(/_dev_/);
    expect(await f.terraform.read(TYPE, state), 'the old, never used key is deleted').to.equal(null);
  });

  it('disables and enables the key through enabled', async () => {
    const state = await applied({ name: 'switch' });
    const plan = await f.terraform.plan(TYPE, state, { name: 'switch', enabled: false });
    expect(plan.planned).to.include({ status: 'disabled', enabled: false, secret: state.secret });
    const off = await applied({ name: 'switch', enabled: false }, state);
    expect(off.status).to.equal('disabled');
    expect(await f.sdk.verify(state.secret)).to.include({ valid: false, code: 'DISABLED' });
    const on = await applied({ name: 'switch' }, off);
    expect(on).to.include({ status: 'active', enabled: true });
    expect((await f.sdk.verify(state.secret)).valid).to.equal(true);
  });

  it('plans the status unknown when a new expiry revives an expired key, and applies it as planned', async () => {
    const soon = new Date(f.now.getTime() + HOUR).toISOString();
    const state = await applied({ name: 'expiring', expires_at: soon });
    f.advance(2 * HOUR);
    const expired = (await f.terraform.read(TYPE, state)) as any;
    expect(expired).to.include({ status: 'expired', expires_at: soon });
    const later = new Date(f.now.getTime() + DAY).toISOString();
    const plan = await f.terraform.plan(TYPE, expired, { name: 'expiring', expires_at: later });
    expect(plan.planned).to.include({ status: UNKNOWN, secret: state.secret });
    const revived = await applied({ name: 'expiring', expires_at: later }, expired);
    expect(revived).to.include({ status: 'active', expires_at: later });
  });

  it('spending credits is no drift: a plan after verifications plans no change', async () => {
    const config = { name: 'metered', credits: { remaining: 10 } };
    const state = await applied(config);
    expect((await f.sdk.verify(state.secret, { cost: 3 })).credits).to.equal(7);
    await f.harness.app.flush();
    const refreshed = await f.terraform.read(TYPE, state);
    expect((await f.terraform.plan(TYPE, refreshed, config)).planned).to.deep.equal(state);
  });

  it('creates a key disabled when enabled = false from the start', async () => {
    const state = await applied({ name: 'born off', enabled: false });
    expect(state).to.include({ status: 'disabled', enabled: false });
    expect((await f.sdk.keys.get(state.id)).status).to.equal('disabled');
  });

  it('deletes a never-used key, revokes a used one with a warning, and reads either as gone from state', async () => {
    const unused = await applied({ name: 'unused' });
    const gone = await f.terraform.apply(TYPE, unused, null);
    expect(gone.diagnostics).to.deep.equal([]);
    expect(gone.state).to.equal(null);
    expect(await f.terraform.read(TYPE, unused)).to.equal(null);

    const policy = await f.sdk.quotaPolicies.create({ name: 'used by a key', quota: { daily: 5 } });
    const used = await applied({ name: 'used', quota_policy_id: policy.id });
    await f.sdk.verify(used.secret);
    const revoked = await f.terraform.apply(TYPE, used, null);
    expect(revoked.state).to.equal(null);
    expect(revoked.diagnostics).to.have.length(1);
    expect(revoked.diagnostics[0]).to.include({ severity: 'warning', summary: 'Key revoked instead of deleted' });
    expect(JSON.stringify(revoked.diagnostics)).to.not.include(used.secret);
    const kept = await f.sdk.keys.get(used.id);
    expect(kept).to.include({ status: 'revoked', name: `used (revoked ${used.id})`, quotaPolicyId: null });
    await f.sdk.quotaPolicies.delete(policy.id); // the revoked key no longer holds its policy
    expect((await applied({ name: 'used' })).name, 'the name is free again').to.equal('used');
  });

  it('keeps a used key revoked outside Terraform in state as revoked, and replaces it under the same name', async () => {
    const state = await applied({ name: 'revoked behind our back' });
    await f.sdk.verify(state.secret);
    await f.sdk.keys.revoke(state.id);
    const refreshed = (await f.terraform.read(TYPE, state)) as any;
    expect(refreshed).to.include({ id: state.id, status: 'revoked' });
    const plan = await f.terraform.plan(TYPE, refreshed, { name: 'revoked behind our back' });
    expect(plan.requiresReplace).to.deep.equal([['status']]);
    expect(plan.planned).to.include({ status: UNKNOWN, id: UNKNOWN, secret: UNKNOWN });
    const r = await f.terraform.apply(TYPE, refreshed, { name: 'revoked behind our back' });
    expectNoErrors(r.diagnostics);
    expect(r.diagnostics.map((d) => d.summary)).to.deep.equal(['Key revoked instead of deleted']);
    expect(r.state).to.include({ status: 'active', name: 'revoked behind our back' });
    expect((r.state as any).id).to.not.equal(state.id);
  });

  describe('rotation as code', () => {
    const rotating = { name: 'rotating', rotation: { every: '90d', overlap: '24h' } };

    it('plans nothing before `every` has passed, and changing only rotation rotates nothing', async () => {
      const state = await applied(rotating);
      expect(state.rotation).to.deep.equal({ every: '90d', overlap: '24h' });
      expect(state.last_rotated_at).to.equal(null);
      f.advance(30 * DAY);
      const quiet = await f.terraform.plan(TYPE, await f.terraform.read(TYPE, state), rotating);
      expect(quiet.planned).to.deep.equal(state);

      const changed = await applied({ name: 'rotating', rotation: { every: '60d' } }, state);
      expect(changed).to.include({ secret: state.secret, start: state.start, last_rotated_at: null });
      expect(changed.rotation).to.deep.equal({ every: '60d', overlap: '0s' });
      expect((await f.sdk.keys.get(state.id)).lastRotatedAt).to.equal(null);
      await f.terraform.apply(TYPE, changed, null);
    });

    it('when due, plans an in-place update with the secret unknown; apply rotates with the overlap, and the old secret verifies only inside it', async () => {
      const rotating = { name: 'rotating when due', rotation: { every: '90d', overlap: '24h' } };
      const state = await applied(rotating);
      f.advance(91 * DAY);
      const refreshed = await f.terraform.read(TYPE, state);
      const plan = await f.terraform.plan(TYPE, refreshed, rotating);
      expectNoErrors(plan.diagnostics);
      expect(plan.requiresReplace).to.deep.equal([]);
      expect(plan.planned).to.include({ id: state.id, secret: UNKNOWN, start: UNKNOWN, last_rotated_at: UNKNOWN, name: 'rotating when due' });

      const rotated = await applied(rotating, refreshed);
      expect(rotated.id).to.equal(state.id);
      expect(rotated.secret).to.be.a('string').and.not.equal(state.secret);
      expect(new Date(rotated.last_rotated_at).getTime()).to.equal(f.now.getTime());
      expect((await f.sdk.verify(rotated.secret)).valid, 'new secret').to.equal(true);
      expect((await f.sdk.verify(state.secret)).valid, 'old secret inside the overlap').to.equal(true);

      f.advance(25 * HOUR);
      expect((await f.sdk.verify(state.secret)).valid, 'old secret after the overlap').to.equal(false);
      const after = await f.terraform.plan(TYPE, await f.terraform.read(TYPE, rotated), rotating);
      expect(after.planned, 'the next rotation is 90 days after the last one').to.deep.equal(rotated);
      f.advance(89 * DAY - 25 * HOUR);
      expect((await f.terraform.plan(TYPE, rotated, rotating)).planned, '89 days after').to.deep.equal(rotated);
      f.advance(DAY);
      expect((await f.terraform.plan(TYPE, rotated, rotating)).planned, '90 days after').to.include({ secret: UNKNOWN });
      expect((await f.sdk.verify(rotated.secret)).valid).to.equal(true);
    });
  });

  it('imports by id: secret null, and a plan with the declared config replaces nothing and leaves the secret alone', async () => {
    const created = await f.sdk.keys.create({ name: 'made by hand', environment: 'preview', scopes: ['a', 'b'], rateLimit: { limit: 10, windowSeconds: 60 } });
    const r = await f.provider.importResourceState(TYPE, created.key.id);
    expectNoErrors(r.diagnostics);
    expect(r.imported).to.have.length(1);
    const imported = await f.terraform.read(TYPE, r.imported[0]!.state);
    expect(imported).to.include({ id: created.key.id, secret: null, environment: 'preview', name: 'made by hand', enabled: true, rotation: null });
    const config = { name: 'made by hand', environment: 'preview', scopes: ['a', 'b'], rate_limit: { limit: 10, window_seconds: 60 }, rotation: { every: '90d' } };
    const plan = await f.terraform.plan(TYPE, imported, config);
    expectNoErrors(plan.diagnostics);
    expect(plan.requiresReplace).to.deep.equal([]);
    expect((plan.planned as any).secret).to.equal(null);
    const state = await applied(config, imported);
    expect(state).to.include({ id: created.key.id, secret: null });
    expect((await f.terraform.plan(TYPE, state, config)).planned).to.deep.equal(state);

    const missing = await f.provider.importResourceState(TYPE, 'key_doesnotexist');
    expect(missing.diagnostics[0]).to.include({ severity: 'error', summary: 'Cannot import a non-existent object' });
  });

  it('upgrades v0 state (flat rate_limit and rate_limit_window) to the v1 rate_limit block, and then plans no change', async () => {
    const state = await applied({ name: 'old state', rate_limit: { limit: 10, window_seconds: 60 } });
    const { rate_limit: _rl, rotation: _rot, enabled: _en, ...rest } = state;
    const v0 = { ...rest, rate_limit: 10, rate_limit_window: 60 };
    const r = await f.provider.upgradeResourceState(TYPE, 0, v0);
    expectNoErrors(r.diagnostics);
    expect(r.upgradedState).to.deep.equal(state);
    const plan = await f.terraform.plan(TYPE, await f.terraform.read(TYPE, r.upgradedState), { name: 'old state', rate_limit: { limit: 10, window_seconds: 60 } });
    expect(plan.planned).to.deep.equal(state);
    const newer = await f.provider.upgradeResourceState(TYPE, 2, state);
    expect(newer.diagnostics[0]).to.include({ severity: 'error', summary: 'Unsupported state version' });
  });

  it('reads the data source by id and by exact name, without a secret', async () => {
    const state = await applied({ name: 'findable', tags: ['x'] });
    await applied({ name: 'findable too' });
    for (const config of [{ id: state.id, name: null }, { id: null, name: 'findable' }]) {
      const r = await f.provider.readDataSource(TYPE, config);
      expectNoErrors(r.diagnostics);
      expect(r.state).to.deep.include({ id: state.id, name: 'findable', tags: ['x'], status: 'active', start: state.start });
      expect(r.state).to.not.have.property('secret');
    }
    const none = await f.provider.readDataSource(TYPE, { id: null, name: 'nobody' });
    expect(none.diagnostics[0]).to.deep.include({ severity: 'error', summary: 'Key not found', attribute: ['name'] });
  });

  it('refuses invalid settings with diagnostics naming each attribute, and no secret in any', async () => {
    const cases: Array<[Record<string, unknown>, string, Array<string | number>]> = [
      [{ rotation: { every: 'ninety days' } }, 'Invalid duration', ['rotation', 'every']],
      [{ rotation: { every: '30m' } }, 'Rotation too frequent', ['rotation', 'every']],
      [{ rotation: { every: '1h', overlap: '2h' } }, 'Overlap longer than the rotation', ['rotation', 'overlap']],
      [{ environment: 'staging' }, 'Unknown environment', ['environment']],
      [{ ip_allowlist: ['10.0.0.1', '10.0.0.0/33'] }, 'Invalid IP address or CIDR', ['ip_allowlist', 1]],
      [{ quota: { monthly: -1 } }, 'Negative number', ['quota', 'monthly']],
      [{ metadata_json: '[1]' }, 'Invalid JSON object', ['metadata_json']],
      [{ credits: { remaining: 1, refill_amount: 5 } }, 'Incomplete credit refill', ['credits', 'refill_interval_seconds']],
      [{ quota: {} }, 'Empty quota', ['quota']],
      [{ name: ' padded' }, 'Invalid name', ['name']],
      [{ scopes: ['a', 'b', 'a'] }, 'Duplicate entry', ['scopes', 2]],
      [{ tags: ['x', ' x'] }, 'Duplicate entry', ['tags', 1]],
    ];
    for (const [values, summary, path] of cases) {
      const r = await f.provider.validateResourceConfig(TYPE, f.terraform.config(TYPE, { name: 'invalid', ...values }));
      expect(r.diagnostics, summary).to.have.length(1);
      expect(r.diagnostics[0], summary).to.deep.include({ severity: 'error', summary, attribute: path });
    }
  });
});
