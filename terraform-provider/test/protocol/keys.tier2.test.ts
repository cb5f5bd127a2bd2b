import { expect } from 'chai';
import { Keysmith } from '@keysmith/sdk';
import { Harness } from '@keysmith/service/dist/test/helpers/harness';
import { UNKNOWN, type AttributePath, type Diagnostic, type TfValue } from '../../src/framework/contract';
import { TerraformCore } from '../helpers/terraformCore';
import { BLOCKS, proposedNew } from '../resources/core';
import { conform } from '../../src/framework/values';

const KEY = 'keysmith_api_key';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function noErrors(diagnostics: Diagnostic[]): void {
  expect(diagnostics.filter((d) => d.severity === 'error'), JSON.stringify(diagnostics)).to.deep.equal([]);
}

/**
 * One Terraform command against the real provider process over gRPC with mTLS: Terraform starts a
 * process per command, so each step starts one, with the provider's clock at the test's `now`
 * (KEYSMITH_PROVIDER_NOW), configures it from the environment, and shuts it down after.
 */
class Command {
  constructor(readonly core: TerraformCore) {}

  async plan(prior: TfValue, values: Record<string, unknown> | null): Promise<{ planned: any; requiresReplace: AttributePath[] }> {
    const config = values === null ? null : conform(BLOCKS[KEY]!, values);
    if (config) noErrors((await this.core.validateResource(KEY, config)).diagnostics);
    const schema = (await this.core.schema()).resources[KEY]!;
    const r = await this.core.plan(KEY, prior, config === null ? null : proposedNew(schema.block, prior, config), config);
    noErrors(r.diagnostics);
    return { planned: r.plannedState, requiresReplace: r.requiresReplace };
  }

  /** Plan and apply, as `terraform apply` does (a replacement is a destroy then a create). */
  async run(prior: TfValue, values: Record<string, unknown> | null): Promise<{ state: any; requiresReplace: AttributePath[]; diagnostics: Diagnostic[] }> {
    const plan = await this.plan(prior, values);
    const config = values === null ? null : conform(BLOCKS[KEY]!, values);
    if (plan.requiresReplace.length > 0) {
      const destroyed = await this.core.apply(KEY, prior, null, null);
      noErrors(destroyed.diagnostics);
      const create = await this.plan(null, values);
      const created = await this.core.apply(KEY, null, create.planned, config);
      noErrors(created.diagnostics);
      return { state: created.newState, requiresReplace: plan.requiresReplace, diagnostics: created.diagnostics };
    }
    const r = await this.core.apply(KEY, prior, plan.planned, config);
    noErrors(r.diagnostics);
    return { state: r.newState, requiresReplace: [], diagnostics: r.diagnostics };
  }

  async read(state: TfValue): Promise<any> {
    const r = await this.core.read(KEY, state);
    noErrors(r.diagnostics);
    return r.newState;
  }
}

describe('tier 2: the provider process over gRPC against a real service (key lifecycle)', function () {
  this.timeout(60_000);
  let harness: Harness;
  let sdk: Keysmith;
  let now = new Date('2026-06-01T00:00:00Z');

  before(async () => {
    harness = await Harness.start('sqlite');
    await harness.server.start();
    sdk = new Keysmith({ baseUrl: harness.server.info.uri, rootKey: harness.tenants.acme.rootKey, maxRetries: 0 });
  });
  after(async () => {
    await harness.stop();
  });

  function advance(ms: number): void {
    now = new Date(now.getTime() + ms);
    harness.clock.advance(ms);
  }

  async function terraform<T>(step: (command: Command) => Promise<T>): Promise<T> {
    const core = await TerraformCore.start({
      env: { KEYSMITH_ENDPOINT: harness.server.info.uri, KEYSMITH_ROOT_KEY: harness.tenants.acme.rootKey, KEYSMITH_PROVIDER_NOW: now.toISOString() },
    });
    try {
      const configured = await core.configure({ endpoint: null, root_key: null, max_concurrent: null, requests_per_second: null, max_retries: 0, timeout_ms: null });
      noErrors(configured.diagnostics);
      return await step(new Command(core));
    } finally {
      await core.stop();
    }
  }

  const config = { name: 'tier2 webshop', scopes: ['push:send'], rotation: { every: '90d', overlap: '24h' } };
  let state: any;
  let firstSecret: string;

  it('plans a create with computed values unknown, applies it fully known and as planned, reads it back, and plans no change', async () => {
    const plan = await terraform((tf) => tf.plan(null, config));
    for (const name of ['id', 'secret', 'start', 'status', 'created_at', 'last_rotated_at']) expect(plan.planned[name], name).to.equal(UNKNOWN);
    expect(plan.planned).to.include({ environment: 'production', enabled: true, group: 'default' });

    state = (await terraform((tf) => tf.run(null, config))).state;
    expect(state).to.include({ name: 'tier2 webshop', status: 'active', environment: 'production' });
    firstSecret = state.secret;
    expect((await sdk.verify(firstSecret)).valid).to.equal(true);

    const again = await terraform(async (tf) => tf.plan(await tf.read(state), config));
    expect(again.planned).to.deep.equal(state);
  });

  it('updates in place: a rename keeps the id and secret; enabled = false disables', async () => {
    const renamed = { ...config, name: 'tier2 renamed' };
    const r = await terraform((tf) => tf.run(state, renamed));
    expect(r.state).to.include({ id: state.id, secret: firstSecret, name: 'tier2 renamed' });
    const off = await terraform((tf) => tf.run(r.state, { ...renamed, enabled: false }));
    expect(off.state).to.include({ status: 'disabled', enabled: false });
    expect(await sdk.verify(firstSecret)).to.include({ valid: false, code: 'DISABLED' });
    state = (await terraform((tf) => tf.run(off.state, config))).state;
    expect(state).to.include({ status: 'active', name: 'tier2 webshop' });
  });

  it('rotates when due by the provider clock (KEYSMITH_PROVIDER_NOW): plan shows the secret unknown, apply rotates with the overlap', async () => {
    advance(91 * DAY);
    const rotated = await terraform(async (tf) => {
      const refreshed = await tf.read(state);
      const plan = await tf.plan(refreshed, config);
      expect(plan.requiresReplace).to.deep.equal([]);
      expect(plan.planned).to.include({ id: state.id, secret: UNKNOWN, start: UNKNOWN, last_rotated_at: UNKNOWN });
      return (await tf.run(refreshed, config)).state;
    });
    expect(rotated.id).to.equal(state.id);
    expect(rotated.secret).to.not.equal(firstSecret);
    expect((await sdk.verify(rotated.secret)).valid).to.equal(true);
    expect((await sdk.verify(firstSecret)).valid, 'old secret inside the 24h overlap').to.equal(true);
    advance(25 * HOUR);
    expect((await sdk.verify(firstSecret)).valid, 'old secret after the overlap').to.equal(false);
    state = rotated;
    expect((await terraform((tf) => tf.plan(state, config))).planned).to.deep.equal(state);
  });

  it('imports by id with the secret null and plans no replacement; upgrades v0 state', async () => {
    const imported = await terraform(async (tf) => {
      const r = await tf.core.importState(KEY, state.id);
      noErrors(r.diagnostics);
      return tf.read(r.imported[0]!.state);
    });
    expect(imported).to.include({ id: state.id, secret: null, rotation: null });
    const plan = await terraform((tf) => tf.plan(imported, config));
    expect(plan.requiresReplace).to.deep.equal([]);
    expect(plan.planned.secret).to.equal(null);

    const { rate_limit: _r, rotation: _o, enabled: _e, ...v0 } = state;
    const upgraded = await terraform((tf) => tf.core.upgrade(KEY, 0, { ...v0, rate_limit: null, rate_limit_window: null }));
    noErrors(upgraded.diagnostics);
    expect(upgraded.upgradedState).to.deep.include({ id: state.id, rate_limit: null, rotation: null, enabled: true });
  });

  it('destroys (a used key is revoked with a warning), reads it as gone; a never-used key is deleted', async () => {
    const destroyed = await terraform((tf) => tf.core.apply(KEY, state, null, null));
    expect(destroyed.newState).to.equal(null);
    expect(destroyed.diagnostics.map((d) => [d.severity, d.summary])).to.deep.equal([['warning', 'Key revoked instead of deleted']]);
    expect((await sdk.keys.get(state.id)).status).to.equal('revoked');

    const unused = (await terraform((tf) => tf.run(null, { name: 'tier2 unused' }))).state;
    await terraform((tf) => tf.run(unused, null));
    expect(await terraform((tf) => tf.read(unused))).to.equal(null);
  });

  it('plans a replacement for a key revoked outside Terraform', async () => {
    const created = (await terraform((tf) => tf.run(null, { name: 'tier2 revoked outside' }))).state;
    await sdk.keys.revoke(created.id);
    const plan = await terraform(async (tf) => tf.plan(await tf.read(created), { name: 'tier2 revoked outside' }));
    expect(plan.requiresReplace).to.deep.equal([['status']]);
    expect(plan.planned.id).to.equal(UNKNOWN);
  });

  it('answers validation with attribute paths and reads the data sources by name, over gRPC', async () => {
    await terraform(async (tf) => {
      const invalid = await tf.core.validateResource(KEY, conform(BLOCKS[KEY]!, { name: 'x', rotation: { every: '30m', overlap: '2h' }, ip_allowlist: ['300.0.0.1'] }));
      expect(invalid.diagnostics.map((d) => [d.summary, d.attribute])).to.deep.equal([
        ['Invalid IP address or CIDR', ['ip_allowlist', 0]],
        ['Rotation too frequent', ['rotation', 'every']],
        ['Overlap longer than the rotation', ['rotation', 'overlap']],
      ]);
      const created = (await tf.run(null, { name: 'tier2 data source', tags: ['b', 'a'] })).state;
      const found = await tf.core.readDataSource(KEY, { id: null, name: 'tier2 data source' });
      noErrors(found.diagnostics);
      expect(found.state).to.deep.include({ id: created.id, status: 'active', tags: ['a', 'b'] });
      expect(found.state).to.not.have.property('secret');
    });
  });
});
