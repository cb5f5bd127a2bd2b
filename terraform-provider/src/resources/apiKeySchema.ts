import type { Key } from '@keysmith/sdk';
import type { BlockSpec, SchemaSpec } from '../framework/schema';
import {
  limitBlocks,
  limitsFromApi,
  listOrNull,
  sameInstant,
  sameJson,
  sameTags,
  validateDuration,
  validateEnvironment,
  validateIpList,
  validateJsonObject,
  validateName,
  validateUnique,
  validateRfc3339,
  type LimitsModel,
} from './common';

export interface RotationModel {
  every: string | undefined;
  overlap: string | null | undefined;
}

/** `keysmith_api_key` as the resource sees it; `undefined` is a value known only after apply. */
export interface ApiKeyModel extends LimitsModel {
  id: string | null | undefined;
  name: string;
  environment: string | null | undefined;
  tags: string[] | null;
  group: string | null | undefined;
  scopes: string[] | null;
  resources: string[] | null;
  ip_allowlist: string[] | null;
  expires_at: string | null;
  quota_policy_id: string | null;
  metadata_json: string | null;
  enabled: boolean | null | undefined;
  rotation: RotationModel | null;
  secret: string | null | undefined;
  start: string | null | undefined;
  status: string | null | undefined;
  created_at: string | null | undefined;
  last_rotated_at: string | null | undefined;
}

const stringList = ['list', 'string'] as const;

const computedString = (description: string, keep = true) => ({ type: 'string' as const, description, computed: true, useStateForUnknown: keep });

export const apiKeyBlock: BlockSpec = {
  description: 'An API key. Its secret is stored in Terraform state, marked sensitive.',
  attributes: {
    id: computedString('The key id (`key_…`), stable across rotations; import by it.'),
    name: { type: 'string', description: 'The key name; a rename is an in-place update.', required: true, validate: validateName },
    environment: {
      type: 'string',
      description: '`production`, `preview` or `development`; changing it replaces the key.',
      optional: true,
      computed: true,
      default: 'production',
      requiresReplace: true,
      validate: validateEnvironment,
    },
    tags: { type: stringList, description: 'Free-form tags (the service keeps them sorted; order is no change).', optional: true, semanticEquals: sameTags, validate: validateUnique },
    group: { type: 'string', description: 'The key group.', optional: true, computed: true, default: 'default' },
    scopes: { type: stringList, description: 'Scopes the key grants.', optional: true, validate: validateUnique },
    resources: { type: stringList, description: 'Resources the key may touch.', optional: true, validate: validateUnique },
    ip_allowlist: {
      type: stringList,
      description: 'IP addresses or CIDRs allowed to use the key.',
      optional: true,
      validate: (value, path) => [...validateIpList(value, path), ...validateUnique(value, path)],
    },
    expires_at: { type: 'string', description: 'When the key expires (RFC 3339).', optional: true, semanticEquals: sameInstant, validate: validateRfc3339 },
    quota_policy_id: { type: 'string', description: 'A quota policy whose limits the key follows.', optional: true },
    metadata_json: {
      type: 'string',
      description: 'A JSON object kept with the key; compared semantically (key order and whitespace are no change).',
      optional: true,
      semanticEquals: sameJson,
      validate: validateJsonObject,
    },
    enabled: { type: 'bool', description: 'False disables the key (reversibly); true enables it.', optional: true, computed: true, default: true },
    secret: { ...computedString('The secret, known after create and after each rotation; null after import.'), sensitive: true },
    start: computedString('The masked secret, e.g. `acme_live_Ab3x…9fQ2`.'),
    status: computedString('`active`, `disabled`, `expired` or `revoked`.'),
    created_at: computedString('When the key was created.'),
    last_rotated_at: computedString('When the key was last rotated; null if never.'),
  },
  blocks: {
    ...limitBlocks,
    rotation: {
      nesting: 'single',
      block: {
        description: 'Rotation as code: a plan or apply run after `every` has passed since the last rotation rotates the secret.',
        attributes: {
          every: { type: 'string', description: 'How often to rotate: a duration of at least 1h ("90d", "24h").', required: true, validate: validateDuration },
          overlap: {
            type: 'string',
            description: 'How long the old secret keeps working after a rotation (default "0s"; at most `every`).',
            optional: true,
            computed: true,
            default: '0s',
            validate: validateDuration,
          },
        },
      },
    },
  },
};

export const apiKeySchema: SchemaSpec = { version: 1, block: apiKeyBlock };

/**
 * State from the service's view of a key. What the service does not hold (the secret after create,
 * `rotation`) and the spelling of empty lists come from `reference`: the state being refreshed or the plan
 * being applied.
 */
export function keyToModel(key: Key, secret: string | null, reference: Partial<ApiKeyModel>): ApiKeyModel {
  const enabled = key.status === 'disabled' ? false : key.status === 'active' ? true : (reference.enabled ?? true);
  return {
    id: key.id,
    name: key.name,
    environment: key.environment,
    tags: listOrNull(key.tags, reference.tags),
    group: key.group,
    scopes: listOrNull(key.scopes, reference.scopes),
    resources: listOrNull(key.resources, reference.resources),
    ip_allowlist: listOrNull(key.ipAllowlist, reference.ip_allowlist),
    expires_at: key.expiresAt,
    quota_policy_id: key.quotaPolicyId,
    metadata_json: key.metadata ? JSON.stringify(key.metadata) : null,
    enabled,
    rotation: reference.rotation ?? null,
    secret,
    start: key.start,
    status: key.status,
    created_at: key.createdAt,
    last_rotated_at: key.lastRotatedAt,
    ...limitsFromApi(key),
  };
}

/** Schema version 0 had `rate_limit` and `rate_limit_window` (seconds) as two numbers, and no `rotation` or `enabled`. */
export function upgradeV0(raw: Record<string, unknown>): Record<string, unknown> {
  const { rate_limit: limit, rate_limit_window: window, ...rest } = raw;
  return {
    ...rest,
    rate_limit: typeof limit === 'number' && typeof window === 'number' ? { limit, window_seconds: window } : null,
    rotation: null,
    enabled: raw.status !== 'disabled',
  };
}
