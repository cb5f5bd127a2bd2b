import { Construct, type IConstruct } from 'constructs';
import type { TerraformProvider } from './cdk';
import { DataKeysmithQuotaPolicy } from './l1/data-sources';
import { KeysmithQuotaPolicyResource } from './l1/quota-policy-resource';
import { type Credits, type Quota, type RateLimit, creditsBlock, quotaBlock, rateLimitBlock } from './limits';
import { checkText } from './validation';

/** A quota policy, declared in this stack or imported. */
export interface IQuotaPolicy extends IConstruct {
  /** The policy id; a token resolved by Terraform. */
  readonly policyId: string;
}

/** Props of a {@link QuotaPolicy}. */
export interface QuotaPolicyProps {
  /** Name of the policy, unique in the workspace (1 to 255 characters). */
  readonly name: string;
  /** Request caps of every key that follows the policy. @default no quota */
  readonly quota?: Quota;
  /** Rate limit of every key that follows the policy. @default the service's default rate limit */
  readonly rateLimit?: RateLimit;
  /** Credit balance of every key that follows the policy. @default unlimited */
  readonly credits?: Credits;
  /** The provider configuration to use. @default the stack's default `keysmith` provider */
  readonly provider?: TerraformProvider;
}

/**
 * A named, reusable bundle of quota, rate limit and credits that keys point at (`keysmith_quota_policy`).
 * Props are validated when the construct is made.
 */
export class QuotaPolicy extends Construct implements IQuotaPolicy {
  /**
   * A policy that already exists, by id. It is read through the `keysmith_quota_policy` data source, so a
   * plan fails if the id does not exist.
   */
  static fromPolicyId(scope: Construct, id: string, policyId: string): IQuotaPolicy {
    checkText('policyId', policyId, 64, { pattern: /^[A-Za-z0-9_]+$/, allowed: 'letters, digits and _' });
    return new ImportedQuotaPolicy(scope, id, policyId);
  }

  /** The `keysmith_quota_policy` resource behind this construct (its Terraform name is the construct id). */
  readonly resource: KeysmithQuotaPolicyResource;

  /** Declares a quota policy; fails with a message naming the prop when a prop is invalid. */
  constructor(scope: Construct, id: string, props: QuotaPolicyProps) {
    super(scope, id);
    checkText('name', props.name, 255);
    this.resource = new KeysmithQuotaPolicyResource(this, 'Default', {
      name: props.name,
      quota: quotaBlock('quota', props.quota),
      rateLimit: rateLimitBlock('rateLimit', props.rateLimit),
      credits: creditsBlock('credits', props.credits),
      provider: props.provider,
    });
  }

  /** The policy id. */
  get policyId(): string {
    return this.resource.id;
  }

  /** The policy's name. */
  get name(): string {
    return this.resource.name;
  }
}

class ImportedQuotaPolicy extends Construct implements IQuotaPolicy {
  private readonly data: DataKeysmithQuotaPolicy;

  constructor(scope: Construct, id: string, policyId: string) {
    super(scope, id);
    this.data = new DataKeysmithQuotaPolicy(this, 'Default', { id: policyId });
  }

  get policyId(): string {
    return this.data.id;
  }
}
