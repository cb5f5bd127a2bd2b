import type { Construct } from 'constructs';
import { type IResolvable, type TerraformMetaArguments, TerraformResource, stringToTerraform } from '../cdk';
import {
  type KeysmithCreditsBlock,
  type KeysmithQuotaBlock,
  type KeysmithRateLimitBlock,
  creditsToHclTerraform,
  creditsToTerraform,
  quotaToHclTerraform,
  quotaToTerraform,
  rateLimitToHclTerraform,
  rateLimitToTerraform,
  withoutAbsent,
} from './blocks';
import { hclString } from './hcl';
import { keysmithMetaArguments } from './provider';

/** Arguments of a `keysmith_quota_policy` resource. */
export interface KeysmithQuotaPolicyResourceConfig extends TerraformMetaArguments {
  /** `name`: unique in the workspace. */
  readonly name: string;
  /** `quota` block. @default no quota */
  readonly quota?: KeysmithQuotaBlock | IResolvable;
  /** `rate_limit` block. @default the service's default rate limit */
  readonly rateLimit?: KeysmithRateLimitBlock | IResolvable;
  /** `credits` block. @default unlimited */
  readonly credits?: KeysmithCreditsBlock | IResolvable;
}

/** The `keysmith_quota_policy` resource, attribute for attribute. Prefer the {@link QuotaPolicy} construct. */
export class KeysmithQuotaPolicyResource extends TerraformResource {
  /** The resource type in Terraform. */
  static readonly tfResourceType = 'keysmith_quota_policy';

  /** The arguments this resource was declared with. */
  readonly config: KeysmithQuotaPolicyResourceConfig;

  /** Declares a `keysmith_quota_policy` resource; its logical name in Terraform comes from `id`. */
  constructor(scope: Construct, id: string, config: KeysmithQuotaPolicyResourceConfig) {
    super(scope, id, { terraformResourceType: KeysmithQuotaPolicyResource.tfResourceType, ...keysmithMetaArguments(config) });
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
    const c = this.config;
    return {
      name: stringToTerraform(c.name),
      quota: quotaToTerraform(c.quota),
      rate_limit: rateLimitToTerraform(c.rateLimit),
      credits: creditsToTerraform(c.credits),
    };
  }

  protected override synthesizeHclAttributes(): Record<string, unknown> {
    const c = this.config;
    return withoutAbsent({
      name: hclString(c.name),
      quota: quotaToHclTerraform(c.quota),
      rate_limit: rateLimitToHclTerraform(c.rateLimit),
      credits: creditsToHclTerraform(c.credits),
    });
  }
}
