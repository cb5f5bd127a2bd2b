import type { Construct } from 'constructs';
import {
  type IResolvable,
  type TerraformMetaArguments,
  TerraformResource,
  booleanToTerraform,
  listMapper,
  stringToTerraform,
} from '../cdk';
import {
  type KeysmithCreditsBlock,
  type KeysmithQuotaBlock,
  type KeysmithRateLimitBlock,
  type KeysmithRotationBlock,
  creditsToHclTerraform,
  creditsToTerraform,
  quotaToHclTerraform,
  quotaToTerraform,
  rateLimitToHclTerraform,
  rateLimitToTerraform,
  rotationToHclTerraform,
  rotationToTerraform,
  withoutAbsent,
} from './blocks';
import { hclBoolean, hclString, hclStringList } from './hcl';
import { keysmithMetaArguments } from './provider';

/** Arguments of a `keysmith_api_key` resource, one per attribute of the provider's schema (camelCase). */
export interface KeysmithApiKeyResourceConfig extends TerraformMetaArguments {
  /** `name`: unique among the workspace's keys; a rename is an in-place update. */
  readonly name: string;
  /** `environment`: `production`, `preview` or `development`; a change replaces the key. @default "production" */
  readonly environment?: string;
  /** `tags`: free labels. @default none */
  readonly tags?: string[];
  /** `group`: for usage roll-ups. @default "default" */
  readonly group?: string;
  /** `scopes`: permissions such as `push:send`. @default none */
  readonly scopes?: string[];
  /** `resources`: allowed resource patterns. @default all resources */
  readonly resources?: string[];
  /** `ip_allowlist`: IPv4/IPv6 addresses and CIDRs. @default any address */
  readonly ipAllowlist?: string[];
  /** `expires_at`: RFC 3339 date-time. @default never expires */
  readonly expiresAt?: string;
  /** `rate_limit` block. @default the service's default (60 per 60 s) or the quota policy's */
  readonly rateLimit?: KeysmithRateLimitBlock | IResolvable;
  /** `quota` block. @default no quota of its own */
  readonly quota?: KeysmithQuotaBlock | IResolvable;
  /** `credits` block. @default unlimited */
  readonly credits?: KeysmithCreditsBlock | IResolvable;
  /** `quota_policy_id`: the policy this key follows; its own fields override it. @default none */
  readonly quotaPolicyId?: string;
  /** `metadata_json`: a JSON object (at most 4 KiB). @default none */
  readonly metadataJson?: string;
  /** `enabled`: false disables the key. @default true */
  readonly enabled?: boolean | IResolvable;
  /** `rotation` block. @default never rotated by Terraform */
  readonly rotation?: KeysmithRotationBlock | IResolvable;
}

/** The `keysmith_api_key` resource, attribute for attribute. Prefer the {@link ApiKey} construct. */
export class KeysmithApiKeyResource extends TerraformResource {
  /** The resource type in Terraform. */
  static readonly tfResourceType = 'keysmith_api_key';

  /** The arguments this resource was declared with. */
  readonly config: KeysmithApiKeyResourceConfig;

  /** Declares a `keysmith_api_key` resource; its logical name in Terraform comes from `id`. */
  constructor(scope: Construct, id: string, config: KeysmithApiKeyResourceConfig) {
    super(scope, id, { terraformResourceType: KeysmithApiKeyResource.tfResourceType, ...keysmithMetaArguments(config) });
    this.config = config;
  }

  /** The key id (`key_…`), stable for the key's whole life, also across rotations. */
  get id(): string {
    return this.getStringAttribute('id');
  }

  /** The key's name. */
  get name(): string {
    return this.getStringAttribute('name');
  }

  /** The key's environment. */
  get environment(): string {
    return this.getStringAttribute('environment');
  }

  /** The key's group. */
  get group(): string {
    return this.getStringAttribute('group');
  }

  /** The full secret: sensitive, known after create or rotate, null after import. Stored in state. */
  get secret(): string {
    return this.getStringAttribute('secret');
  }

  /** The masked secret shown in lists (`acme_live_Ab3x…9fQ2`). */
  get start(): string {
    return this.getStringAttribute('start');
  }

  /** `active`, `disabled`, `expired` or `revoked`. */
  get status(): string {
    return this.getStringAttribute('status');
  }

  /** When the key was created (RFC 3339). */
  get createdAt(): string {
    return this.getStringAttribute('created_at');
  }

  /** When the secret was last rotated (RFC 3339); null before the first rotation. */
  get lastRotatedAt(): string {
    return this.getStringAttribute('last_rotated_at');
  }

  /** When the key expires (RFC 3339), if ever. */
  get expiresAt(): string {
    return this.getStringAttribute('expires_at');
  }

  /** Whether the key is enabled. */
  get enabled(): IResolvable {
    return this.getBooleanAttribute('enabled');
  }

  /** The quota policy the key follows, if any. */
  get quotaPolicyId(): string {
    return this.getStringAttribute('quota_policy_id');
  }

  protected override synthesizeAttributes(): Record<string, unknown> {
    const c = this.config;
    return {
      name: stringToTerraform(c.name),
      environment: stringToTerraform(c.environment),
      tags: listMapper(stringToTerraform, false)(c.tags),
      group: stringToTerraform(c.group),
      scopes: listMapper(stringToTerraform, false)(c.scopes),
      resources: listMapper(stringToTerraform, false)(c.resources),
      ip_allowlist: listMapper(stringToTerraform, false)(c.ipAllowlist),
      expires_at: stringToTerraform(c.expiresAt),
      rate_limit: rateLimitToTerraform(c.rateLimit),
      quota: quotaToTerraform(c.quota),
      credits: creditsToTerraform(c.credits),
      quota_policy_id: stringToTerraform(c.quotaPolicyId),
      metadata_json: stringToTerraform(c.metadataJson),
      enabled: booleanToTerraform(c.enabled),
      rotation: rotationToTerraform(c.rotation),
    };
  }

  protected override synthesizeHclAttributes(): Record<string, unknown> {
    const c = this.config;
    return withoutAbsent({
      name: hclString(c.name),
      environment: hclString(c.environment),
      tags: hclStringList(c.tags),
      group: hclString(c.group),
      scopes: hclStringList(c.scopes),
      resources: hclStringList(c.resources),
      ip_allowlist: hclStringList(c.ipAllowlist),
      expires_at: hclString(c.expiresAt),
      rate_limit: rateLimitToHclTerraform(c.rateLimit),
      quota: quotaToHclTerraform(c.quota),
      credits: creditsToHclTerraform(c.credits),
      quota_policy_id: hclString(c.quotaPolicyId),
      metadata_json: hclString(c.metadataJson),
      enabled: hclBoolean(c.enabled),
      rotation: rotationToHclTerraform(c.rotation),
    });
  }
}
