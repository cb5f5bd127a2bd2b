import type { Key, Keysmith, UpdateKeyParams } from '@keysmith/sdk';
import type { PlanEditor } from '../framework/plan';
import type { Resource } from '../framework/resource';
import { apiKeySchema, keyToModel, upgradeV0, type ApiKeyModel } from './apiKeySchema';
import { callOptions, isConflict, isNotFound, limitsToApi, parseDuration, reportFailure, validateLimits, type Ctx } from './common';

const MIN_ROTATION_SECONDS = 3600;

/** The key's editable settings as the API takes them; lists left out are cleared (`[]`), as are null fields. */
function settings(m: ApiKeyModel): Required<Omit<UpdateKeyParams, 'name'>> {
  return {
    tags: m.tags ?? [],
    group: m.group ?? 'default',
    scopes: m.scopes ?? [],
    resources: m.resources ?? [],
    ipAllowlist: m.ip_allowlist ?? [],
    expiresAt: m.expires_at,
    quotaPolicyId: m.quota_policy_id,
    metadata: m.metadata_json === null ? null : (JSON.parse(m.metadata_json) as Record<string, unknown>),
    ...limitsToApi(m),
  };
}

/** When a rotation is due, by the provider's clock: `every` after the last rotation, or after creation. */
export function rotationDue(state: Pick<ApiKeyModel, 'rotation' | 'last_rotated_at' | 'created_at'>, every: string | undefined, now: Date): boolean {
  const seconds = every === undefined ? null : parseDuration(every);
  const since = state.last_rotated_at ?? state.created_at;
  if (seconds === null || typeof since !== 'string') return false;
  return now.getTime() >= Date.parse(since) + seconds * 1000;
}

export const apiKeyResource: Resource<ApiKeyModel, Keysmith> = {
  typeName: 'keysmith_api_key',
  schema: apiKeySchema,
  upgradeState: { 0: upgradeV0 },

  validate(config, diagnostics) {
    validateLimits(config, diagnostics);
    const every = config.rotation?.every;
    const overlap = config.rotation?.overlap;
    const everySeconds = typeof every === 'string' ? parseDuration(every) : null;
    const overlapSeconds = typeof overlap === 'string' ? parseDuration(overlap) : null;
    if (everySeconds !== null && everySeconds < MIN_ROTATION_SECONDS) {
      diagnostics.error('Rotation too frequent', `rotation.every must be at least 1h, got "${every}".`, ['rotation', 'every']);
    }
    if (everySeconds !== null && overlapSeconds !== null && overlapSeconds > everySeconds) {
      diagnostics.error('Overlap longer than the rotation', `rotation.overlap ("${overlap}") must not be longer than rotation.every ("${every}").`, ['rotation', 'overlap']);
    }
  },

  modifyPlan(plan: PlanEditor, now: Date) {
    const prior = plan.prior as unknown as ApiKeyModel | null;
    if (prior === null) return;
    if (prior.status === 'revoked') {
      // Revoked behind Terraform's back: revocation is permanent, so the declared key is a new one.
      plan.setUnknown(['status']);
      plan.requireReplace(['status']);
      return;
    }
    const enabled = plan.planned.enabled;
    const switchable = prior.status === 'active' || prior.status === 'disabled';
    if (plan.planned.expires_at !== (prior.expires_at ?? null)) {
      // A new expiry may end or revive the key: its status is known only once the service answers.
      plan.setUnknown(['status']);
    } else if (typeof enabled === 'boolean' && enabled !== prior.enabled) {
      if (switchable) plan.set(['status'], enabled ? 'active' : 'disabled');
      else plan.setUnknown(['status']);
    }
    const rotation = plan.config.rotation as unknown as ApiKeyModel['rotation'];
    if (rotation && typeof rotation.every === 'string' && rotationDue(prior, rotation.every, now)) {
      plan.setUnknown(['secret']);
      plan.setUnknown(['start']);
      plan.setUnknown(['last_rotated_at']);
    }
  },

  async create({ planned }, ctx) {
    let created;
    try {
      const { tags, scopes, resources, ipAllowlist, ...rest } = settings(planned);
      created = await ctx.client.keys.create(
        {
          name: planned.name,
          environment: (planned.environment ?? 'production') as Key['environment'],
          ...rest,
          ...(tags.length ? { tags } : {}),
          ...(scopes.length ? { scopes } : {}),
          ...(resources.length ? { resources } : {}),
          ...(ipAllowlist.length ? { ipAllowlist } : {}),
        },
        callOptions(ctx),
      );
    } catch (err) {
      reportFailure(ctx.diagnostics, 'Could not create the key', err);
      return null;
    }
    let key = created.key;
    if (planned.enabled === false) {
      try {
        key = await ctx.client.keys.disable(key.id, callOptions(ctx));
      } catch (err) {
        reportFailure(ctx.diagnostics, `Created key ${key.id} but could not disable it`, err, ['enabled']);
      }
    }
    return keyToModel(key, created.secret, planned);
  },

  async read({ state }, ctx) {
    const key = await getKey(String(state.id), ctx);
    return key ? keyToModel(key, state.secret ?? null, state) : null;
  },

  async update({ prior, planned }, ctx) {
    const id = String(prior.id);
    let key: Key | null = null;
    let secret = prior.secret ?? null;
    try {
      const before = settings(prior);
      const after = settings(planned);
      const changes: UpdateKeyParams = {};
      if (prior.name !== planned.name) changes.name = planned.name;
      for (const field of Object.keys(after) as Array<keyof typeof after>) {
        if (JSON.stringify(before[field]) !== JSON.stringify(after[field])) Object.assign(changes, { [field]: after[field] });
      }
      if (Object.keys(changes).length > 0) key = await ctx.client.keys.update(id, changes, callOptions(ctx));

      const status = key?.status ?? prior.status;
      if (planned.enabled === false && status === 'active') key = await ctx.client.keys.disable(id, callOptions(ctx));
      if (planned.enabled === true && status === 'disabled') key = await ctx.client.keys.enable(id, callOptions(ctx));

      if (planned.secret === undefined) {
        const overlapSeconds = parseDuration(planned.rotation?.overlap ?? '0s') ?? 0;
        const rotated = await ctx.client.keys.rotate(id, { overlapSeconds }, callOptions(ctx));
        key = rotated.key;
        secret = rotated.secret;
      }
      key ??= await ctx.client.keys.get(id, callOptions(ctx));
    } catch (err) {
      reportFailure(ctx.diagnostics, `Could not update key ${id}`, err);
      return null;
    }
    return keyToModel(key, secret, planned);
  },

  async delete({ prior }, ctx) {
    const id = String(prior.id);
    try {
      await ctx.client.keys.delete(id, callOptions(ctx));
      return;
    } catch (err) {
      if (isNotFound(err)) return;
      if (!isConflict(err, 'KEY_HAS_HISTORY')) {
        reportFailure(ctx.diagnostics, `Could not delete key ${id}`, err);
        return;
      }
    }
    try {
      if (prior.status !== 'revoked') await ctx.client.keys.revoke(id, callOptions(ctx));
    } catch (err) {
      if (!isConflict(err, 'KEY_REVOKED')) {
        reportFailure(ctx.diagnostics, `Key ${id} has been used and could not be revoked`, err);
        return;
      }
    }
    // A revoked key keeps its name, and names are unique among a workspace's keys: free it, so the
    // replacement Terraform creates next (or any later key) can take it. It also still counts as a user
    // of its quota policy, which could then never be destroyed: detach it (its limits no longer matter).
    const retired = retiredName(prior.name, id);
    try {
      await ctx.client.keys.update(id, { name: retired, quotaPolicyId: null }, callOptions(ctx));
    } catch (err) {
      reportFailure(ctx.diagnostics, `Key ${id} was revoked but keeps its name`, err);
      return;
    }
    ctx.diagnostics.warning(
      'Key revoked instead of deleted',
      `Key ${id} has been used, so Keysmith keeps it and its history: it was revoked (it can never verify again), renamed "${retired}" to free its name, detached from any quota policy, and removed from Terraform state.`,
    );
  },

  async importState(id, ctx) {
    const key = await getKey(id, ctx);
    return key ? keyToModel(key, null, {}) : null;
  },
};

/** The name a revoked key is given when Terraform lets go of it: its own, marked, within 255 characters. */
export function retiredName(name: string, id: string): string {
  const suffix = ` (revoked ${id})`;
  return `${name.slice(0, 255 - suffix.length)}${suffix}`;
}

async function getKey(id: string, ctx: Ctx): Promise<Key | null> {
  try {
    return await ctx.client.keys.get(id, callOptions(ctx));
  } catch (err) {
    if (!isNotFound(err)) reportFailure(ctx.diagnostics, `Could not read key ${id}`, err);
    return null;
  }
}
