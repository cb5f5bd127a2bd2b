import type { Construct } from 'constructs';
import { TerraformProvider, Token, numberToTerraform, stringToTerraform, type TerraformMetaArguments } from '../cdk';
import { checkWholeNumber } from '../validation';
import { withoutAbsent } from './blocks';
import { hclNumber, hclString } from './hcl';

/** The provider's address in the registry namespace Terraform installs it from (a filesystem mirror). */
export const KEYSMITH_PROVIDER_SOURCE = 'keysmith.local/keysmith/keysmith';

/** The provider versions these classes are written for. */
export const KEYSMITH_PROVIDER_VERSION_CONSTRAINT = '~> 0.1';

/** What every Keysmith resource and data source passes to cdktf besides its type: the generator metadata and Terraform's meta-arguments. */
export function keysmithMetaArguments(config: TerraformMetaArguments) {
  return {
    terraformGeneratorMetadata: { providerName: 'keysmith', providerVersionConstraint: KEYSMITH_PROVIDER_VERSION_CONSTRAINT },
    provider: config.provider,
    dependsOn: config.dependsOn,
    count: config.count,
    lifecycle: config.lifecycle,
    forEach: config.forEach,
    provisioners: config.provisioners,
    connection: config.connection,
  };
}

/** Configuration of the `keysmith` provider. */
export interface KeysmithProviderConfig {
  /**
   * Base URL of the Keysmith service, e.g. `https://keys.example.com`.
   * @default the provider reads `KEYSMITH_ENDPOINT` from its environment at plan/apply
   */
  readonly endpoint?: string;
  /**
   * Root key the provider authenticates with. A plain string given here is written into the synthesized
   * `cdk.tf.json`; leave it out (or pass a sensitive `TerraformVariable`) to keep it out of files.
   * @default the provider reads `KEYSMITH_ROOT_KEY` from its environment at plan/apply
   */
  readonly rootKey?: string;
  /** Most requests the provider has in flight at once. @default the SDK's default */
  readonly maxConcurrent?: number;
  /** Most requests per second the provider starts, retries included (may be fractional, e.g. 0.5). @default the SDK's default */
  readonly requestsPerSecond?: number;
  /** Retries of a failed request (429, 5xx, no answer). @default the SDK's default */
  readonly maxRetries?: number;
  /** Time limit of one request in milliseconds. @default the SDK's default */
  readonly timeoutMs?: number;
  /** Alias, for a second configuration of the provider (another service or workspace). @default no alias */
  readonly alias?: string;
}

/** The `keysmith` provider (`keysmith.local/keysmith/keysmith`). */
export class KeysmithProvider extends TerraformProvider {
  /** The provider's local name in Terraform. */
  static readonly tfResourceType = 'keysmith';

  private readonly config: KeysmithProviderConfig;
  private aliasName?: string;

  /** Declares the provider in `scope`'s stack; every prop is optional, see {@link KeysmithProviderConfig}. */
  constructor(scope: Construct, id: string, config: KeysmithProviderConfig = {}) {
    super(scope, id, {
      terraformResourceType: KeysmithProvider.tfResourceType,
      terraformGeneratorMetadata: {
        providerName: KeysmithProvider.tfResourceType,
        providerVersionConstraint: KEYSMITH_PROVIDER_VERSION_CONSTRAINT,
      },
      terraformProviderSource: KEYSMITH_PROVIDER_SOURCE,
    });
    const endpoint = config.endpoint;
    if (endpoint !== undefined && !Token.isUnresolved(endpoint) && !/^https?:\/\/\S+$/.test(endpoint)) {
      throw new Error(`endpoint must be an http or https url, got ${JSON.stringify(endpoint)}`);
    }
    checkWholeNumber('maxConcurrent', config.maxConcurrent, 1);
    const rate = config.requestsPerSecond;
    if (rate !== undefined && !Token.isUnresolved(rate) && !(typeof rate === 'number' && Number.isFinite(rate) && rate > 0)) {
      throw new Error(`requestsPerSecond must be a number greater than 0, got ${String(rate)}`);
    }
    checkWholeNumber('maxRetries', config.maxRetries, 0);
    checkWholeNumber('timeoutMs', config.timeoutMs, 1);
    this.config = config;
    this.aliasName = config.alias;
  }

  /** The alias, when this is not the default configuration. */
  override get alias(): string | undefined {
    return this.aliasName;
  }

  override set alias(value: string | undefined) {
    this.aliasName = value;
  }

  protected override synthesizeAttributes(): Record<string, unknown> {
    return {
      endpoint: stringToTerraform(this.config.endpoint),
      root_key: stringToTerraform(this.config.rootKey),
      max_concurrent: numberToTerraform(this.config.maxConcurrent),
      requests_per_second: numberToTerraform(this.config.requestsPerSecond),
      max_retries: numberToTerraform(this.config.maxRetries),
      timeout_ms: numberToTerraform(this.config.timeoutMs),
    };
  }

  protected override synthesizeHclAttributes(): Record<string, unknown> {
    return withoutAbsent({
      endpoint: hclString(this.config.endpoint),
      root_key: hclString(this.config.rootKey),
      max_concurrent: hclNumber(this.config.maxConcurrent),
      requests_per_second: hclNumber(this.config.requestsPerSecond),
      max_retries: hclNumber(this.config.maxRetries),
      timeout_ms: hclNumber(this.config.timeoutMs),
    });
  }
}
