/**
 * CDKTF constructs for Keysmith: API keys, quota policies and rotations as code, over the
 * `keysmith.local/keysmith/keysmith` Terraform provider.
 */
export { ApiKey, type ApiKeyProps, type IApiKey, type Rotation } from './api-key';
export { Duration } from './duration';
export { Environment, type EnvironmentName } from './environment';
export type { CreditRefill, Credits, Quota, RateLimit } from './limits';
export { type IQuotaPolicy, QuotaPolicy, type QuotaPolicyProps } from './quota-policy';
export {
  KEYSMITH_PROVIDER_SOURCE,
  KEYSMITH_PROVIDER_VERSION_CONSTRAINT,
  KeysmithProvider,
  type KeysmithProviderConfig,
} from './l1/provider';
export { KeysmithApiKeyResource, type KeysmithApiKeyResourceConfig } from './l1/api-key-resource';
export { KeysmithQuotaPolicyResource, type KeysmithQuotaPolicyResourceConfig } from './l1/quota-policy-resource';
export { DataKeysmithApiKey, DataKeysmithQuotaPolicy, type KeysmithLookupConfig } from './l1/data-sources';
export type {
  KeysmithCreditsBlock,
  KeysmithQuotaBlock,
  KeysmithRateLimitBlock,
  KeysmithRotationBlock,
} from './l1/blocks';
