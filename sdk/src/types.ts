/**
 * The SDK's public type names. Each is an alias of a type generated from the service's OpenAPI document
 * (`src/generated/openapi.ts`), never a hand copy, so a contract change shows up here as a compile error.
 */
import type { components, operations } from './generated/openapi';

type Schemas = components['schemas'];
type QueryOf<Operation extends keyof operations> = NonNullable<operations[Operation]['parameters']['query']>;

/** An API key as lists and edits return it (never its secret; `start` is the masked secret). */
export type Key = Schemas['Key'];
/** One key with the limits in force (`effectiveLimits`) and its usage and remaining quota per window. */
export type KeyDetails = Schemas['KeyDetails'];
/**
 * The answer of `keys.create`: the key and its `secret`. The secret is in this answer only; the service
 * keeps no copy, so store it or hand it to its owner now.
 */
export type CreatedKey = Schemas['CreatedKey'];
/** The answer of `keys.rotate`: the key (same id and settings) and its new `secret`, shown this once. */
export type RotatedKey = Schemas['RotatedKey'];
/** What `keys.create` takes: `name` is required, everything else has a default. */
export type CreateKeyParams = Schemas['CreateKeyRequest'];
/** What `keys.update` takes: any of the key's settings; `null` clears a field. */
export type UpdateKeyParams = Schemas['UpdateKeyRequest'];
/** Filters and page size for `keys.list` (filters combine with AND). */
export type ListKeysParams = Omit<QueryOf<'listKeys'>, 'cursor'>;
/** What `keys.rotate` takes: `overlapSeconds` keeps the old secret valid that long (default 0). */
export type RotateKeyParams = Schemas['RotateRequest'];
/** What `keys.bulk` takes: one action for up to 100 key ids. */
export type BulkKeyActionParams = Schemas['BulkRequest'];
/** The answer of `keys.bulk`: one result per id, in the order sent. */
export type BulkKeyActionResult = Schemas['BulkResponse'];
/** Outcome filter (`code`, e.g. `RATE_LIMITED`) and page size for `keys.logs`. */
export type ListKeyLogsParams = Omit<QueryOf<'listKeyLogs'>, 'cursor'>;
/** One verification of a key, as its request log keeps it. */
export type RequestLog = Schemas['RequestLog'];
/** What `keys.usage` takes: `window` `24h` (per hour, the default), `7d` or `30d` (per UTC day). */
export type KeyUsageParams = QueryOf<'getKeyUsage'>;
/** A key's verifications per hour or day by result code (`buckets[i].counts.VALID`, …; a code that did not occur is absent). */
export type KeyUsage = Schemas['KeyUsage'];
/** A root key as lists show it: its scopes, masked `start`, `status`, who made it and when it was last used. */
export type RootKey = Schemas['RootKey'];
/** What `rootKeys.create` takes: a `name` and some of the calling root key's own `scopes`. */
export type CreateRootKeyParams = Schemas['CreateRootKeyRequest'];
/**
 * The answer of `rootKeys.create`: the root key and its `secret`. The secret is in this answer only; the
 * service keeps no copy.
 */
export type CreatedRootKey = Schemas['CreatedRootKey'];
/** A named, reusable `{quota, rateLimit, credits}` bundle keys can point at with `quotaPolicyId`. */
export type QuotaPolicy = Schemas['QuotaPolicy'];
/** What `quotaPolicies.create` takes: `name` is required. */
export type CreateQuotaPolicyParams = Schemas['CreateQuotaPolicyRequest'];
/** What `quotaPolicies.update` takes; `null` clears a limit. */
export type UpdateQuotaPolicyParams = Schemas['UpdateQuotaPolicyRequest'];
/** Page size for `quotaPolicies.list`. */
export type ListQuotaPoliciesParams = Omit<QueryOf<'listQuotaPolicies'>, 'cursor'>;
/** One lifecycle change: who did what to which object, with its state before and after (never secrets). */
export type AuditEvent = Schemas['AuditEvent'];
/** Filter (`keyId`) and page size for `auditEvents.list`. */
export type ListAuditEventsParams = Omit<QueryOf<'listAuditEvents'>, 'cursor'>;
/** The workspace of the root key: its limits, plan limits, credit balance and failed-auth policy. */
export type Workspace = Schemas['Workspace'];
/** What `workspace.update` takes. */
export type UpdateWorkspaceParams = Schemas['UpdateWorkspaceRequest'];
/** The answer of `verify`: `valid` and a `code` saying why, plus the key's details and remaining limits. */
export type VerifyResult = Schemas['VerifyResult'];
/** Why a verification answered as it did (`VALID`, `INVALID`, `REVOKED`, `RATE_LIMITED`, …). */
export type VerifyCode = VerifyResult['code'];
/** What a verification may say about the request besides the key: `ip`, `resource`, `scopes`, `cost`, `endpoint`. */
export type VerifyOptions = Omit<Schemas['VerifyRequest'], 'key'>;
/** A key's environment, part of its secret's text (`live`, `prev`, `dev`). */
export type Environment = Key['environment'];
/** A key's state. */
export type KeyStatus = Key['status'];
