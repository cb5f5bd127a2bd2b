import { expect } from 'chai';
import { UNKNOWN, type TfValue } from '../../src/framework/contract';
import { STAND_IN_ENTRY, TerraformCore } from '../helpers/terraformCore';

type Obj = Record<string, TfValue>;
const ROOT_KEY = 'leakyroot_root_RRRRRRRRRRRRRRRRRRRRRRRR';

describe('protocol: Provider RPCs through the stand-in provider', () => {
  let core: TerraformCore;
  before(async () => {
    core = await TerraformCore.start({ entry: STAND_IN_ENTRY, env: { TF_LOG: 'trace' } });
  });
  after(async () => {
    if (core) expect(await core.stop()).to.equal(0);
  });

  const config: Obj = { name: 'web', environment: null, tags: ['a'], labels: null, count: null, rotation: { every: '90d', overlap: null }, rule: [{ limit: 5 }] };

  it('GetProviderSchema: schemas, capabilities (no plan on destroy, schema cacheable)', async () => {
    const raw = await core.getProviderSchemaRaw();
    expect(raw.server_capabilities).to.include({ plan_destroy: false, get_provider_schema_optional: true });
    const schemas = await core.schema();
    expect(Object.keys(schemas.resources)).to.deep.equal(['standin_thing']);
    expect(schemas.resources.standin_thing!.version).to.equal(1);
    expect(schemas.resources.standin_thing!.block.attributes.tags!.type).to.deep.equal(['list', 'string']);
    expect(schemas.resources.standin_thing!.block.blocks!.rule!.nesting).to.equal('list');
    expect(schemas.provider.block.attributes.root_key!.sensitive).to.equal(true);
  });

  it('GetMetadata lists the resource and data source types; GetFunctions is empty', async () => {
    const metadata = await core.call('GetMetadata');
    expect(metadata.resources).to.deep.equal([{ type_name: 'standin_thing' }]);
    expect(metadata.data_sources).to.deep.equal([{ type_name: 'standin_thing' }]);
    expect(await core.call('GetFunctions')).to.deep.include({ functions: {}, diagnostics: [] });
  });

  it('ConfigureProvider: the root key never comes back in a diagnostic', async () => {
    const result = await core.configure({ endpoint: null, root_key: `leak${ROOT_KEY}` });
    expect(result.diagnostics).to.have.length(1);
    expect(result.diagnostics[0]!.detail).to.equal('using [redacted]');
  });

  it('plans a create with computed values unknown, applies it fully known, reads it back', async () => {
    const plan = await core.plan('standin_thing', null, config, config);
    expect(plan.diagnostics).to.deep.equal([]);
    const planned = plan.plannedState as Obj;
    expect(planned.id).to.equal(UNKNOWN);
    expect(planned.secret).to.equal(UNKNOWN);
    expect(planned.environment).to.equal('production');
    expect(plan.requiresReplace).to.deep.equal([]);

    const applied = await core.apply('standin_thing', null, plan.plannedState, config);
    const state = applied.newState as Obj;
    expect(state.id).to.equal('thing_1');
    expect(state.secret).to.be.a('string');
    expect(state.rotation).to.deep.equal({ every: '90d', overlap: null });
    expect(state.rule).to.deep.equal([{ limit: 5 }]);
    expect(applied.privateData.toString()).to.equal('p1');

    const read = await core.read('standin_thing', state, applied.privateData);
    expect(read.newState).to.deep.equal(state);
    expect(read.privateData.toString()).to.equal('p1');
  });

  it('returns requires_replace as attribute paths', async () => {
    const prior = (await core.read('standin_thing', { id: 'thing_1' })).newState as Obj;
    const proposed = { ...prior, environment: 'preview' };
    const plan = await core.plan('standin_thing', prior, proposed, { ...config, environment: 'preview' });
    expect(plan.requiresReplace).to.deep.equal([['environment']]);
    expect((plan.plannedState as Obj).id).to.equal(UNKNOWN);
  });

  it('reads an object deleted outside as null', async () => {
    expect((await core.read('standin_thing', { id: 'thing_404' })).newState).to.equal(null);
  });

  it('imports by id (secret null)', async () => {
    const result = await core.importState('standin_thing', 'thing_1');
    expect(result.imported).to.have.length(1);
    expect(result.imported[0]!.typeName).to.equal('standin_thing');
    expect((result.imported[0]!.state as Obj)).to.include({ id: 'thing_1', name: 'web', secret: null });
    const missing = await core.importState('standin_thing', 'thing_404');
    expect(missing.diagnostics[0]).to.include({ severity: 'error', summary: 'Cannot import' });
  });

  it('UpgradeResourceState passes the stored JSON and answers in the current schema', async () => {
    const result = await core.upgrade('standin_thing', 0, { id: 'thing_9', name: 'old', rotation_every: '30d', rule: [] });
    expect(result.diagnostics).to.deep.equal([]);
    expect(result.upgradedState).to.deep.include({ id: 'thing_9', name: 'old', rotation: { every: '30d', overlap: null }, secret: null });
  });

  it('passes a failed apply\'s own error on, even when its partial state is unusable', async () => {
    const result = await core.apply('standin_thing', null, { ...config, name: 'fail', id: UNKNOWN, secret: UNKNOWN }, { ...config, name: 'fail' });
    expect(result.diagnostics).to.deep.equal([{ severity: 'error', summary: 'Create failed', detail: 'The API said no.' }]);
    expect(result.newState).to.equal(null);
  });

  it('plans and applies a destroy', async () => {
    const prior = (await core.read('standin_thing', { id: 'thing_1' })).newState;
    const plan = await core.plan('standin_thing', prior, null, null);
    expect(plan.plannedState).to.equal(null);
    expect((await core.apply('standin_thing', prior, null, null)).newState).to.equal(null);
  });

  it('reads a data source, and reports its errors with their path', async () => {
    const created = await core.apply('standin_thing', null, { ...config, id: UNKNOWN, secret: UNKNOWN, environment: 'production' }, config);
    const id = (created.newState as Obj).id as string;
    expect((await core.readDataSource('standin_thing', { id, name: null })).state).to.deep.equal({ id, name: 'web' });
    const missing = await core.readDataSource('standin_thing', { id: 'nope', name: null });
    expect(missing.diagnostics).to.deep.equal([{ severity: 'error', summary: 'Not found', detail: '', attribute: ['id'] }]);
  });

  it('carries diagnostic paths through attributes, list indexes and map keys', async () => {
    expect((await core.validateResource('standin_thing', { ...config, name: '' })).diagnostics[0]!.attribute).to.deep.equal(['name']);
    const rule = await core.validateResource('standin_thing', { ...config, rule: [{ limit: 1 }, { limit: -1 }] });
    expect(rule.diagnostics[0]!.attribute).to.deep.equal(['rule', 1, 'limit']);
    const raw = await core.call('ValidateResourceConfig', {
      type_name: 'standin_thing',
      config: (await import('../helpers/terraformCore')).encodeValue({ ...config, labels: { bad: 'x' } }, (await core.schema()).resources.standin_thing!.block),
    });
    const steps = (raw.diagnostics as Array<{ attribute: { steps: Array<Record<string, unknown>> } }>)[0]!.attribute.steps;
    expect(steps.map((s) => s.selector)).to.deep.equal(['attribute_name', 'element_key_string']);
    expect(steps[1]!.element_key_string).to.equal('bad');
  });

  it('answers an unknown resource type with an error diagnostic, not a crash', async () => {
    const raw = await core.call('ValidateResourceConfig', { type_name: 'standin_nothing', config: { msgpack: Buffer.from([0x80]) } });
    const diagnostics = raw.diagnostics as Array<{ severity: string; summary: string }>;
    expect(diagnostics[0]).to.include({ severity: 'ERROR', summary: 'Unknown resource type' });
  });

  it('answers a value that does not match the schema with a diagnostic at its path', async () => {
    const { encode } = await import('@msgpack/msgpack');
    const raw = await core.call('ValidateResourceConfig', { type_name: 'standin_thing', config: { msgpack: Buffer.from(encode({ name: 7 })) } });
    const diagnostics = raw.diagnostics as Array<{ summary: string; detail: string; attribute: { steps: Array<{ attribute_name: string }> } }>;
    expect(diagnostics[0]!.summary).to.equal('Invalid configuration from Terraform');
    expect(diagnostics[0]!.attribute.steps[0]!.attribute_name).to.equal('name');
  });

  it('answers MoveResourceState and ephemeral resources with diagnostics; StopProvider with no error', async () => {
    const move = await core.call('MoveResourceState', { source_type_name: 'x', target_type_name: 'standin_thing' });
    expect((move.diagnostics as unknown[]).length).to.equal(1);
    const ephemeral = await core.call('ValidateEphemeralResourceConfig', { type_name: 'standin_x' });
    expect((ephemeral.diagnostics as Array<{ summary: string }>)[0]!.summary).to.equal('Unknown ephemeral resource type');
    expect(await core.stopProvider()).to.equal('');
  });

  it('logs only hclog JSON lines on stderr, and no secret or root key in any of them', async () => {
    const lines = core.stderr.split('\n').filter((l) => l !== '');
    expect(lines.length).to.be.greaterThan(5);
    for (const line of lines) {
      const entry = JSON.parse(line) as Record<string, unknown>;
      expect(entry['@level']).to.be.oneOf(['trace', 'debug', 'info', 'warn', 'error']);
      expect(entry['@message']).to.be.a('string');
      expect(entry['@timestamp']).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    }
    expect(core.logs().some((e) => e.rpc === 'ApplyResourceChange')).to.equal(true);
    expect(core.stderr).to.not.include('RRRRRRRR');
    expect(core.stderr).to.not.include('acme_live_');
    expect(core.stderr).to.not.include('SSSSSSSS');
  });
});
