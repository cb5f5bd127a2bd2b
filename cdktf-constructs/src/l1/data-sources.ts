import type { Construct } from 'constructs';
import { type IResolvable, type TerraformMetaArguments, TerraformDataSource, Token, stringToTerraform } from '../cdk';
import { withoutAbsent } from './blocks';
import { hclString } from './hcl';
import { keysmithMetaArguments } from './provider';

/** How a data source finds its object: by `id` or by `name`, exactly one of them. */
export interface KeysmithLookupConfig extends TerraformMetaArguments {
  /** The object's id. @default look up by `name` */
  readonly id?: string;
  /** The object's name. @default look up by `id` */
  readonly name?: string;
}

function lookupArguments(kind: string, config: KeysmithLookupConfig): void {
  const given = [config.id, config.name].filter((value) => value !== undefined).length;
  if (given !== 1) {
    throw new Error(`a ${kind} data source needs exactly one of id or name, got ${given === 0 ? 'neither' : 'both'}`);
  }
  for (const field of ['id', 'name'] as const) {
    const value = config[field];
    if (value !== undefined && !Token.isUnresolved(value) && value.trim() === '') {
      throw new Error(`${field} of a ${kind} data source must not be empty, got ${JSON.stringify(value)}`);
    }
  }
}

/** The `keysmith_api_key` data source: reads an existing key (never its secret). */
export class DataKeysmithApiKey extends TerraformDataSource {
  /** The data source type in Terraform. */
  static readonly tfResourceType = 'keysmith_api_key';

  /** How this data source finds its key. */
  readonly config: KeysmithLookupConfig;

  /** Reads the key with the given `id` or `name`. */
  constructor(scope: Construct, id: string, config: KeysmithLookupConfig) {
    lookupArguments('keysmith_api_key', config);
    super(scope, id, { terraformResourceType: DataKeysmithApiKey.tfResourceType, ...keysmithMetaArguments(config) });
    this.config = config;
  }

  /** The key id (`key_…`). */
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

  /** The key's tags. */
  get tags(): string[] {
    return this.getListAttribute('tags');
  }

  /** The key's scopes. */
  get scopes(): string[] {
    return this.getListAttribute('scopes');
  }

  /** The key's allowed resource patterns. */
  get resources(): string[] {
    return this.getListAttribute('resources');
  }

  /** The key's IP allow-list. */
  get ipAllowlist(): string[] {
    return this.getListAttribute('ip_allowlist');
  }

  /** When the key expires (RFC 3339), if ever. */
  get expiresAt(): string {
    return this.getStringAttribute('expires_at');
  }

  /** The quota policy the key follows, if any. */
  get quotaPolicyId(): string {
    return this.getStringAttribute('quota_policy_id');
  }

  /** The key's metadata as a JSON object. */
  get metadataJson(): string {
    return this.getStringAttribute('metadata_json');
  }

  /** Whether the key is enabled. */
  get enabled(): IResolvable {
    return this.getBooleanAttribute('enabled');
  }

  /** The masked secret (`acme_live_Ab3x…9fQ2`). */
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

  /** When the secret was last rotated (RFC 3339), if ever. */
  get lastRotatedAt(): string {
    return this.getStringAttribute('last_rotated_at');
  }

  protected override synthesizeAttributes(): Record<string, unknown> {
    return { id: stringToTerraform(this.config.id), name: stringToTerraform(this.config.name) };
  }

  protected override synthesizeHclAttributes(): Record<string, unknown> {
    return withoutAbsent({ id: hclString(this.config.id), name: hclString(this.config.name) });
  }
}

/** The `keysmith_quota_policy` data source: reads an existing quota policy. */
export class DataKeysmithQuotaPolicy extends TerraformDataSource {
  /** The data source type in Terraform. */
  static readonly tfResourceType = 'keysmith_quota_policy';

  /** How this data source finds its policy. */
  readonly config: KeysmithLookupConfig;

  /** Reads the policy with the given `id` or `name`. */
  constructor(scope: Construct, id: string, config: KeysmithLookupConfig) {
    lookupArguments('keysmith_quota_policy', config);
    super(scope, id, { terraformResourceType: DataKeysmithQuotaPolicy.tfResourceType, ...keysmithMetaArguments(config) });
    this.config = config;
  }

  /** The policy id. */
  get id(): string {
    return this.getStringAttribute('id');
  }

  /** The policy's name. */
  get name(): string {
    return this.getStringAttribute('name');
  }

  protected override synthesizeAttributes(): Record<string, unknown> {
    return { id: stringToTerraform(this.config.id), name: stringToTerraform(this.config.name) };
  }

  protected override synthesizeHclAttributes(): Record<string, unknown> {
    return withoutAbsent({ id: hclString(this.config.id), name: hclString(this.config.name) });
  }
}
