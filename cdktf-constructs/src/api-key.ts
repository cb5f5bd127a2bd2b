import { Construct, type IConstruct } from 'constructs';
import { Fn, type TerraformProvider, Token } from './cdk';
import { Duration } from './duration';
import { ENVIRONMENTS, type EnvironmentName } from './environment';
import { KeysmithApiKeyResource } from './l1/api-key-resource';
import { DataKeysmithApiKey } from './l1/data-sources';
import type { KeysmithRotationBlock } from './l1/blocks';
import { type Credits, type Quota, type RateLimit, creditsBlock, quotaBlock, rateLimitBlock } from './limits';
import type { IQuotaPolicy } from './quota-policy';
import {
  checkDurationAtLeast,
  checkDurationAtMost,
  checkIpAllowlist,
  checkOneOf,
  checkText,
  checkTextList,
} from './validation';

/** Ids of keys and policies, as the service makes them. */
const ID_RULE = { pattern: /^[A-Za-z0-9_]+$/, allowed: 'letters, digits and _' };

/** The largest metadata the service stores, in bytes of JSON. */
const METADATA_MAX_BYTES = 4096;

/** An API key, declared in this stack or imported. */
export interface IApiKey extends IConstruct {
  /** The key id (`key_…`); a token resolved by Terraform. */
  readonly keyId: string;
  /** The masked secret (`acme_live_Ab3x…9fQ2`). */
  readonly start: string;
  /** `active`, `disabled`, `expired` or `revoked`. */
  readonly status: string;
}

/** When and how Terraform rotates a key's secret. */
export interface Rotation {
  /**
   * Rotate once this much time has passed since the last rotation (or creation), at least 1 hour. The
   * rotation happens when a plan/apply runs after that moment (e.g. a scheduled pipeline), not by itself.
   */
  readonly every: Duration;
  /**
   * How long the previous secret keeps working after a rotation; at most `every` and at most 30 days.
   * @default Duration.seconds(0) — the old secret stops working at once
   */
  readonly overlap?: Duration;
}

/** Props of an {@link ApiKey}. */
export interface ApiKeyProps {
  /** Name of the key, unique among the workspace's keys (1 to 255 characters). A rename is an in-place update. */
  readonly name: string;
  /** Environment of the key; changing it replaces the key (a new secret). @default Environment.PRODUCTION */
  readonly environment?: EnvironmentName;
  /** Free labels (each 1 to 64 characters). @default no tags */
  readonly tags?: string[];
  /** Group for usage roll-ups. @default "default" */
  readonly group?: string;
  /** Permissions such as `push:send` (each 1 to 128 characters). @default no scopes */
  readonly scopes?: string[];
  /** Allowed resource patterns such as `models/gpt-*`. @default all resources */
  readonly resources?: string[];
  /** IPv4/IPv6 addresses and CIDRs the key may be used from. @default any address */
  readonly ipAllowlist?: string[];
  /**
   * Fixed expiry: a `Date` or an RFC 3339 string. Exclusive with `expiresIn`.
   * @default the key never expires (unless `expiresIn` is set)
   */
  readonly expiresAt?: Date | string;
  /**
   * Expiry relative to the apply that creates the key: Terraform computes `expires_at` as
   * `timeadd(plantimestamp(), expiresIn)` when it creates (or replaces) the key and keeps it afterwards
   * (`lifecycle.ignore_changes = ["expires_at"]`), so later plans show no change. Changing `expiresIn`
   * later does not move an existing key's expiry; set `expiresAt` for that. Exclusive with `expiresAt`.
   * @default the key never expires (unless `expiresAt` is set)
   */
  readonly expiresIn?: Duration;
  /** Rate limit of the key. @default the quota policy's, else the service's default (60 per minute) */
  readonly rateLimit?: RateLimit;
  /** Request caps of the key. @default the quota policy's, else none */
  readonly quota?: Quota;
  /** Credit balance of the key. @default the quota policy's, else unlimited */
  readonly credits?: Credits;
  /** A quota policy the key follows; the key's own `rateLimit`, `quota` and `credits` override it. @default none */
  readonly quotaPolicy?: IQuotaPolicy;
  /** Free JSON metadata, at most 4 KiB as JSON. @default none */
  readonly metadata?: Record<string, unknown>;
  /** False disables the key (verification refuses it) without deleting it. @default true */
  readonly enabled?: boolean;
  /** Rotate the secret periodically. @default never rotated by Terraform */
  readonly rotation?: Rotation;
  /** The provider configuration to use. @default the stack's default `keysmith` provider */
  readonly provider?: TerraformProvider;
}

/**
 * An API key (`keysmith_api_key`). The secret is known after the apply that creates or rotates the key:
 * use {@link ApiKey.secret} in a sensitive output or pass it to another resource. Props are validated
 * when the construct is made.
 */
export class ApiKey extends Construct implements IApiKey {
  /**
   * A key that already exists, by id. It is read through the `keysmith_api_key` data source (so a plan fails
   * if the id does not exist); an imported key has no secret.
   */
  static fromKeyId(scope: Construct, id: string, keyId: string): IApiKey {
    checkText('keyId', keyId, 64, ID_RULE);
    return new ImportedApiKey(scope, id, keyId);
  }

  /** The `keysmith_api_key` resource behind this construct (its Terraform name is the construct id). */
  readonly resource: KeysmithApiKeyResource;

  /** Declares an API key; fails with a message naming the prop when a prop is invalid. */
  constructor(scope: Construct, id: string, props: ApiKeyProps) {
    super(scope, id);
    checkText('name', props.name, 255);
    checkOneOf('environment', props.environment, ENVIRONMENTS);
    checkTextList('tags', props.tags, 50, 64);
    checkText('group', props.group, 64, { pattern: /^[A-Za-z0-9._:-]+$/, allowed: 'letters, digits and . _ : -' });
    checkTextList('scopes', props.scopes, 100, 128, { pattern: /^[A-Za-z0-9._:*/-]+$/, allowed: 'letters, digits and . _ : * / -' });
    checkTextList('resources', props.resources, 100, 256);
    checkIpAllowlist('ipAllowlist', props.ipAllowlist);
    if (props.enabled !== undefined && !Token.isUnresolved(props.enabled) && typeof props.enabled !== 'boolean') {
      throw new Error(`enabled must be true or false, got ${String(props.enabled)}`);
    }
    const expiry = expiresAt(props);
    this.resource = new KeysmithApiKeyResource(this, 'Default', {
      name: props.name,
      environment: props.environment,
      tags: props.tags,
      group: props.group,
      scopes: props.scopes,
      resources: props.resources,
      ipAllowlist: props.ipAllowlist,
      expiresAt: expiry,
      rateLimit: rateLimitBlock('rateLimit', props.rateLimit),
      quota: quotaBlock('quota', props.quota),
      credits: creditsBlock('credits', props.credits),
      quotaPolicyId: props.quotaPolicy?.policyId,
      metadataJson: metadataJson(props.metadata),
      enabled: props.enabled,
      rotation: rotationBlock(props.rotation),
      provider: props.provider,
      lifecycle: props.expiresIn !== undefined ? { ignoreChanges: ['expires_at'] } : undefined,
    });
  }

  /** The key id (`key_…`), stable for the key's whole life, also across rotations. */
  get keyId(): string {
    return this.resource.id;
  }

  /**
   * The full secret, marked sensitive by the provider. Known after the apply that creates or rotates the
   * key; it is stored in Terraform state, so protect the state. Use it in a `TerraformOutput` with
   * `sensitive: true`.
   */
  get secret(): string {
    return this.resource.secret;
  }

  /** The masked secret shown in lists (`acme_live_Ab3x…9fQ2`). */
  get start(): string {
    return this.resource.start;
  }

  /** `active`, `disabled`, `expired` or `revoked`. */
  get status(): string {
    return this.resource.status;
  }

  /** When the key was created (RFC 3339). */
  get createdAt(): string {
    return this.resource.createdAt;
  }

  /** When the secret was last rotated (RFC 3339), if ever. */
  get lastRotatedAt(): string {
    return this.resource.lastRotatedAt;
  }

  /** When the key expires (RFC 3339), if ever. */
  get expiresAt(): string {
    return this.resource.expiresAt;
  }
}

class ImportedApiKey extends Construct implements IApiKey {
  private readonly data: DataKeysmithApiKey;

  constructor(scope: Construct, id: string, keyId: string) {
    super(scope, id);
    this.data = new DataKeysmithApiKey(this, 'Default', { id: keyId });
  }

  get keyId(): string {
    return this.data.id;
  }

  get start(): string {
    return this.data.start;
  }

  get status(): string {
    return this.data.status;
  }
}

function expiresAt(props: ApiKeyProps): string | undefined {
  const { expiresAt: at, expiresIn: within } = props;
  if (at !== undefined && within !== undefined) {
    throw new Error(`expiresAt and expiresIn are exclusive, got both (${String(at)} and ${within.toHumanString()})`);
  }
  if (within !== undefined) {
    if (within.isUnresolved()) throw new Error('expiresIn must be a known duration, got a token');
    checkDurationAtLeast('expiresIn', within, Duration.seconds(1));
    return Fn.timeadd(Fn.plantimestamp(), within.toTerraformTimeadd());
  }
  if (at === undefined) return undefined;
  if (at instanceof Date) {
    if (Number.isNaN(at.getTime())) throw new Error('expiresAt must be a valid date, got an invalid Date');
    return at.toISOString();
  }
  if (Token.isUnresolved(at)) return at;
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(at) || Number.isNaN(Date.parse(at))) {
    throw new Error(`expiresAt must be an rfc 3339 date-time such as 2030-01-01T00:00:00Z, got ${JSON.stringify(at)}`);
  }
  return at;
}

function rotationBlock(rotation: Rotation | undefined): KeysmithRotationBlock | undefined {
  if (rotation === undefined) return undefined;
  checkDurationAtLeast('rotation.every', rotation.every, Duration.hours(1));
  checkDurationAtMost('rotation.overlap', rotation.overlap, rotation.every, 'rotation.every');
  checkDurationAtMost('rotation.overlap', rotation.overlap, Duration.days(30), 'the longest overlap');
  return { every: rotation.every.toHcl(), overlap: rotation.overlap?.toHcl() };
}

function metadataJson(metadata: Record<string, unknown> | undefined): string | undefined {
  if (metadata === undefined) return undefined;
  if (Token.isUnresolved(metadata)) return Fn.jsonencode(metadata);
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    throw new Error(`metadata must be a json object, got ${Array.isArray(metadata) ? 'an array' : String(metadata)}`);
  }
  const json = JSON.stringify(metadata);
  const bytes = Buffer.byteLength(json);
  if (bytes > METADATA_MAX_BYTES) {
    throw new Error(`metadata must be at most ${METADATA_MAX_BYTES} bytes as json, got ${bytes} bytes`);
  }
  return json;
}
