/**
 * A small in-memory provider that exercises every part of the protocol layer (nested blocks, unknowns,
 * sensitive values, diagnostics with paths, requires_replace, state upgrade, import) without Keysmith.
 */
import { UNKNOWN, type ProviderCore, type Schema, type Schemas, type TfValue } from '../../src/framework/contract';

type Obj = Record<string, TfValue>;

const thing: Schema = {
  version: 1,
  block: {
    description: 'A thing kept in memory.',
    attributes: {
      id: { type: 'string', description: 'Identity.', computed: true },
      name: { type: 'string', description: 'Name.', required: true },
      environment: { type: 'string', description: 'Forces replacement.', optional: true, computed: true },
      tags: { type: ['list', 'string'], description: 'Tags.', optional: true },
      labels: { type: ['map', 'string'], description: 'Labels.', optional: true },
      secret: { type: 'string', description: 'Secret.', computed: true, sensitive: true },
      count: { type: 'number', description: 'A number.', optional: true },
    },
    blocks: {
      rotation: {
        nesting: 'single',
        block: { attributes: { every: { type: 'string', description: 'Period.', required: true }, overlap: { type: 'string', description: 'Overlap.', optional: true } } },
      },
      rule: {
        nesting: 'list',
        block: { attributes: { limit: { type: 'number', description: 'Limit.', required: true } } },
      },
    },
  },
};

export const standInSchemas: Schemas = {
  provider: {
    version: 0,
    block: { attributes: { endpoint: { type: 'string', description: 'Endpoint.', optional: true }, root_key: { type: 'string', description: 'Root key.', optional: true, sensitive: true } } },
  },
  resources: { standin_thing: thing },
  dataSources: { standin_thing: { version: 0, block: { attributes: { id: { type: 'string', description: 'Id.', required: true }, name: { type: 'string', description: 'Name.', computed: true } } } } },
};

/** Creates the stand-in; `objects` is its "remote API". */
export function createStandInProvider(): ProviderCore & { objects: Map<string, Obj> } {
  const objects = new Map<string, Obj>();
  let next = 1;
  let rootKey = '';
  return {
    objects,
    schemas: () => standInSchemas,
    async validateProviderConfig() {
      return { diagnostics: [] };
    },
    async configureProvider(config) {
      rootKey = String((config as Obj | null)?.root_key ?? '');
      if (rootKey === 'bad') {
        return { diagnostics: [{ severity: 'error', summary: 'Root key rejected', detail: `The root key ${rootKey} was refused.`, attribute: ['root_key'] }] };
      }
      // A careless message that quotes the credential: the protocol layer must blank it.
      if (rootKey.startsWith('leak')) return { diagnostics: [{ severity: 'warning', summary: 'Check your key', detail: `using ${rootKey}` }] };
      return { diagnostics: [] };
    },
    async validateResourceConfig(_type, config) {
      const c = config as Obj;
      if (c.name === '') return { diagnostics: [{ severity: 'error', summary: 'Empty name', attribute: ['name'] }] };
      if (Array.isArray(c.rule) && (c.rule[1] as Obj | undefined)?.limit === -1) {
        return { diagnostics: [{ severity: 'error', summary: 'Negative limit', attribute: ['rule', 1, 'limit'] }] };
      }
      if (c.labels && typeof c.labels === 'object' && 'bad' in (c.labels as Obj)) {
        return { diagnostics: [{ severity: 'warning', summary: 'Bad label', attribute: ['labels', 'bad'] }] };
      }
      return { diagnostics: [] };
    },
    async validateDataResourceConfig() {
      return { diagnostics: [] };
    },
    async upgradeResourceState(_type, version, rawState) {
      const state = { ...(rawState as Obj) };
      if (version === 0) {
        // v0 kept the rotation period flat.
        state.rotation = state.rotation_every ? { every: state.rotation_every, overlap: null } : null;
        delete state.rotation_every;
      }
      return { diagnostics: [], upgradedState: state };
    },
    async readResource(_type, current) {
      const id = (current as Obj).id as string;
      const stored = objects.get(id);
      return { diagnostics: [], newState: stored ? { ...stored } : null };
    },
    async planResourceChange({ priorState, proposedNewState }) {
      // A slow call, to see that shutdown waits for calls in flight.
      if ((proposedNewState as Obj | null)?.name === 'slow') await new Promise((resolve) => setTimeout(resolve, 700));
      if (proposedNewState === null) return { diagnostics: [], plannedState: null, requiresReplace: [] };
      const planned = { ...(proposedNewState as Obj) };
      const prior = priorState as Obj | null;
      const requiresReplace: Array<Array<string | number>> = [];
      if (!prior) {
        planned.id = UNKNOWN;
        planned.secret = UNKNOWN;
        if (planned.environment === null) planned.environment = 'production';
      } else {
        if (planned.environment === null) planned.environment = prior.environment ?? null;
        if (planned.environment !== prior.environment) {
          requiresReplace.push(['environment']);
          planned.id = UNKNOWN;
          planned.secret = UNKNOWN;
        }
      }
      return { diagnostics: [], plannedState: planned, requiresReplace };
    },
    async applyResourceChange({ priorState, plannedState }) {
      if (plannedState === null) {
        objects.delete((priorState as Obj).id as string);
        return { diagnostics: [], newState: null };
      }
      const state = { ...(plannedState as Obj) };
      // A failed create whose partial state is not even valid: the error must still reach Terraform.
      if (state.name === 'fail') return { diagnostics: [{ severity: 'error', summary: 'Create failed', detail: 'The API said no.' }], newState: { name: 5 } };
      if (state.id === UNKNOWN) state.id = `thing_${next++}`;
      if (state.secret === UNKNOWN) state.secret = `acme_live_${'S'.repeat(24)}${next}`;
      objects.set(state.id as string, state);
      return { diagnostics: [], newState: state, privateData: Buffer.from('p1') };
    },
    async importResourceState(typeName, id) {
      const stored = objects.get(id);
      if (!stored) return { diagnostics: [{ severity: 'error', summary: 'Cannot import', detail: `No thing ${id}.` }], imported: [] };
      return { diagnostics: [], imported: [{ typeName, state: { ...stored, secret: null } }] };
    },
    async readDataSource(_type, config) {
      const id = (config as Obj).id as string;
      const stored = objects.get(id);
      if (!stored) return { diagnostics: [{ severity: 'error', summary: 'Not found', attribute: ['id'] }], state: null };
      return { diagnostics: [], state: { id, name: stored.name ?? null } };
    },
    async stop() {},
  };
}
