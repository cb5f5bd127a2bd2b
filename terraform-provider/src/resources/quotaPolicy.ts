import type { Keysmith, QuotaPolicy } from '@keysmith/sdk';
import type { Diagnostics } from '../framework/diagnostics';
import type { DataSource, Resource } from '../framework/resource';
import { computedCopy, type BlockSpec, type SchemaSpec } from '../framework/schema';
import { callOptions, isNotFound, limitBlocks, validateName, limitsFromApi, limitsToApi, reportFailure, validateLimits, type Ctx, type LimitsModel } from './common';

export interface QuotaPolicyModel extends LimitsModel {
  id: string | null | undefined;
  name: string;
}

const block: BlockSpec = {
  description: 'A reusable quota policy: keys pointing at it (quota_policy_id) follow its limits.',
  attributes: {
    id: { type: 'string', description: 'The policy id (`pol_…`).', computed: true, useStateForUnknown: true },
    name: { type: 'string', description: 'The policy name, unique in the workspace.', required: true, validate: validateName },
  },
  blocks: limitBlocks,
};

export const quotaPolicySchema: SchemaSpec = { version: 0, block };

function toModel(policy: QuotaPolicy): QuotaPolicyModel {
  return { id: policy.id, name: policy.name, ...limitsFromApi(policy) };
}

export const quotaPolicyResource: Resource<QuotaPolicyModel, Keysmith> = {
  typeName: 'keysmith_quota_policy',
  schema: quotaPolicySchema,
  validate: (config, diagnostics) => validateLimits(config, diagnostics),

  async create({ planned }, ctx) {
    try {
      return toModel(await ctx.client.quotaPolicies.create({ name: planned.name, ...limitsToApi(planned) }, callOptions(ctx)));
    } catch (err) {
      reportFailure(ctx.diagnostics, 'Could not create the quota policy', err);
      return null;
    }
  },

  async read({ state }, ctx) {
    return readPolicy(String(state.id), ctx);
  },

  async update({ prior, planned }, ctx) {
    try {
      return toModel(await ctx.client.quotaPolicies.update(String(prior.id), { name: planned.name, ...limitsToApi(planned) }, callOptions(ctx)));
    } catch (err) {
      reportFailure(ctx.diagnostics, 'Could not update the quota policy', err);
      return null;
    }
  },

  async delete({ prior }, ctx) {
    try {
      await ctx.client.quotaPolicies.delete(String(prior.id), callOptions(ctx));
    } catch (err) {
      if (!isNotFound(err)) reportFailure(ctx.diagnostics, 'Could not delete the quota policy', err);
    }
  },

  importState: (id, ctx) => readPolicy(id, ctx),
};

async function readPolicy(id: string, ctx: Ctx): Promise<QuotaPolicyModel | null> {
  try {
    return toModel(await ctx.client.quotaPolicies.get(id, callOptions(ctx)));
  } catch (err) {
    if (!isNotFound(err)) reportFailure(ctx.diagnostics, 'Could not read the quota policy', err);
    return null;
  }
}

export const quotaPolicyDataSource: DataSource<QuotaPolicyModel, Keysmith> = {
  typeName: 'keysmith_quota_policy',
  schema: { version: 0, block: computedCopy(block, ['id', 'name']) },
  validate: (config, diagnostics) => exactlyOneLookup(config, diagnostics),

  async read(config, ctx) {
    try {
      if (config.id) return toModel(await ctx.client.quotaPolicies.get(config.id, callOptions(ctx)));
      const matches: QuotaPolicy[] = [];
      for await (const policy of ctx.client.quotaPolicies.list({}, callOptions(ctx))) if (policy.name === config.name) matches.push(policy);
      if (matches.length === 1) return toModel(matches[0]!);
      ctx.diagnostics.error('Quota policy not found', `No quota policy is named "${config.name}".`, ['name']);
      return null;
    } catch (err) {
      reportFailure(ctx.diagnostics, 'Could not read the quota policy', err, isNotFound(err) ? ['id'] : undefined);
      return null;
    }
  },
};

/** A data source looks up by `id` or by `name`, exactly one of them. */
export function exactlyOneLookup(config: { id?: string | null; name?: string | null }, diagnostics: Diagnostics): void {
  const given = [config.id, config.name].filter((v) => v !== null).length; // unknown (undefined) counts as given
  if (given !== 1) diagnostics.error('Give exactly one of id or name', given === 0 ? 'Neither id nor name is set.' : 'Both id and name are set; give one.', ['id']);
}
