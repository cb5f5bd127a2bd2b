import { expect } from 'chai';
import { UNKNOWN, type TfValue } from '../../src/framework/contract';
import { inconsistencies, planChange } from '../../src/framework/plan';
import type { SchemaSpec } from '../../src/framework/schema';
import { conform } from '../../src/framework/values';
import { sameJson } from '../../src/resources/common';

/** A schema exercising every plan rule, with plain values: no service, no gRPC. */
const spec: SchemaSpec = {
  version: 0,
  block: {
    attributes: {
      id: { type: 'string', description: 'id', computed: true, useStateForUnknown: true },
      name: { type: 'string', description: 'name', required: true },
      kind: { type: 'string', description: 'kind', optional: true, computed: true, default: 'a', requiresReplace: true },
      doc: { type: 'string', description: 'json', optional: true, semanticEquals: sameJson },
      token: { type: 'string', description: 'token', computed: true, sensitive: true, useStateForUnknown: true },
      updated: { type: 'string', description: 'changes on every update', computed: true },
    },
    blocks: {
      every: { nesting: 'single', block: { attributes: { size: { type: 'string', description: 's', required: true }, extra: { type: 'string', description: 'e', optional: true, computed: true, default: '0s' } } } },
    },
  },
};

const cfg = (v: Record<string, unknown>) => conform(spec.block, v);
/** Terraform's proposed new state: config, with computed nulls from prior. */
function proposed(prior: TfValue, config: Record<string, TfValue>): Record<string, TfValue> {
  const p = prior as Record<string, TfValue> | null;
  const out = { ...config };
  for (const [name, a] of Object.entries(spec.block.attributes)) if (a.computed && out[name] === null) out[name] = p ? (p[name] ?? null) : null;
  return out;
}
const prior = cfg({ id: 'x1', name: 'n', kind: 'a', doc: '{"a":1,"b":2}', token: 's3cret', updated: 't1', every: null });

describe('plan rules (plain values)', () => {
  it('on create: computed values unknown, defaults applied, nothing to replace', () => {
    const config = cfg({ name: 'n', every: { size: '1' } });
    const { planned, requiresReplace } = planChange(spec, null, proposed(null, config), config);
    expect(planned).to.deep.equal({ id: UNKNOWN, name: 'n', kind: 'a', doc: null, token: UNKNOWN, updated: UNKNOWN, every: { size: '1', extra: '0s' } });
    expect(requiresReplace).to.deep.equal([]);
  });

  it('a delete (proposed null) passes through as null', () => {
    expect(planChange(spec, prior, null, null)).to.deep.equal({ planned: null, requiresReplace: [] });
  });

  it('no change: the prior state comes back as it was, computed values included', () => {
    const config = cfg({ name: 'n', doc: '{ "b": 2, "a": 1 }' });
    const { planned } = planChange(spec, prior, proposed(prior, config), config);
    expect(planned, 'semantically equal JSON keeps the prior spelling').to.deep.equal(prior);
  });

  it('on update: useStateForUnknown keeps the prior value, other computed values become unknown', () => {
    const config = cfg({ name: 'renamed' });
    const { planned, requiresReplace } = planChange(spec, prior, proposed(prior, config), config);
    expect(planned).to.deep.include({ id: 'x1', token: 's3cret', updated: UNKNOWN, name: 'renamed', doc: null });
    expect(requiresReplace).to.deep.equal([]);
  });

  it('a requiresReplace change is reported by path, and then no prior value is kept', () => {
    const config = cfg({ name: 'n', kind: 'b', doc: '{"a":1,"b":2}' });
    const { planned, requiresReplace } = planChange(spec, prior, proposed(prior, config), config);
    expect(requiresReplace).to.deep.equal([['kind']]);
    expect(planned).to.deep.include({ id: UNKNOWN, token: UNKNOWN, kind: 'b' });
  });

  it('an unknown config value for a requiresReplace attribute plans a replacement', () => {
    const config = cfg({ name: 'n', kind: UNKNOWN, doc: '{"a":1,"b":2}' });
    expect(planChange(spec, prior, proposed(prior, config), config).requiresReplace).to.deep.equal([['kind']]);
  });

  it('modifyPlan can unknown a value on an otherwise unchanged object, and ask for a replacement', () => {
    const config = cfg({ name: 'n', doc: '{"a":1,"b":2}' });
    const rotated = planChange(spec, prior, proposed(prior, config), config, (plan) => plan.setUnknown(['token']));
    expect(rotated.planned).to.deep.include({ token: UNKNOWN, id: 'x1' });
    expect(rotated.requiresReplace).to.deep.equal([]);

    const replaced = planChange(spec, prior, proposed(prior, config), config, (plan) => {
      plan.setUnknown(['updated']);
      plan.requireReplace(['updated']);
    });
    expect(replaced.requiresReplace).to.deep.equal([['updated']]);
    expect(replaced.planned).to.deep.include({ id: UNKNOWN, token: UNKNOWN });
  });

  it('finds where an apply result breaks its plan: a changed known value, a value left unknown', () => {
    const planned = { id: UNKNOWN, name: 'n', every: { size: '1', extra: '0s' }, tags: ['a', UNKNOWN] } as TfValue;
    expect(inconsistencies(planned, { id: 'x', name: 'n', every: { size: '1', extra: '0s' }, tags: ['a', 'b'] })).to.deep.equal([]);
    expect(inconsistencies(planned, { id: 'x', name: 'other', every: { size: '1', extra: '1s' }, tags: ['z', 'b'] })).to.deep.equal([
      ['name'],
      ['every', 'extra'],
      ['tags', 0],
    ]);
    expect(inconsistencies(planned, { id: UNKNOWN, name: 'n', every: { size: '1', extra: '0s' }, tags: ['a', 'b'] })).to.deep.equal([['id']]);
  });
});
