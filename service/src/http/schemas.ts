import Joi from 'joi';
import type { Clock } from '../clock';
import { isIpOrCidr } from '../domain/ip';
import { ENVIRONMENTS, KEY_STATUSES, MAX_OVERLAP_SECONDS, QUOTA_WINDOWS, ROOT_SCOPES } from '../domain/model';
import { VERIFY_CODES } from '../domain/verification';

/** Joi schemas shared by the routes; the OpenAPI document is generated from these same objects. */

const MAX_INT = Number.MAX_SAFE_INTEGER;
export const METADATA_MAX_BYTES = 4096;
const PRINTABLE = /^[^\u0000-\u001f\u007f]+$/;

export const ErrorSchema = Joi.object({
  error: Joi.object({
    code: Joi.string().required(),
    message: Joi.string().required(),
    requestId: Joi.string().required(),
    details: Joi.array().items(Joi.object({ field: Joi.string().required(), message: Joi.string().required() })),
  }).required(),
}).label('Error');

export const RateLimitSchema = Joi.object({
  limit: Joi.number().integer().min(1).max(1_000_000_000).required(),
  windowSeconds: Joi.number().integer().min(1).max(30 * 86400).required(),
}).label('RateLimit');

const quotaAmount = Joi.number().integer().min(0).max(MAX_INT);
export const QuotaSchema = Joi.object(Object.fromEntries(QUOTA_WINDOWS.map((w) => [w, quotaAmount])))
  .min(1)
  .label('Quota');

export const CreditsSchema = Joi.object({
  remaining: Joi.number().integer().min(0).max(MAX_INT).required(),
  refill: Joi.object({
    amount: Joi.number().integer().min(1).max(MAX_INT).required(),
    intervalSeconds: Joi.number().integer().min(60).max(366 * 86400).required(),
  }),
}).label('Credits');

export const idParam = (what: string) => Joi.string().min(1).max(64).pattern(/^[A-Za-z0-9_]+$/).required().description(`${what} id`);

/** A date-time that must lie after the injected clock's now. */
function futureDate(clock: Clock): Joi.DateSchema {
  return Joi.date()
    .iso()
    .custom((value: Date, helpers) => (value.getTime() <= clock.now().getTime() ? helpers.error('date.future') : value))
    .messages({ 'date.future': '{{#label}} must be in the future' });
}

const metadata = Joi.object()
  .unknown(true)
  .custom((value: object, helpers) => {
    const bytes = Buffer.byteLength(JSON.stringify(value));
    return bytes > METADATA_MAX_BYTES ? helpers.error('metadata.size', { bytes }) : value;
  })
  .messages({ 'metadata.size': `{{#label}} must be at most ${METADATA_MAX_BYTES} bytes as JSON, got {{#bytes}}` });

/** The editable fields of a key; create requires `name`, PATCH requires at least one field. */
export function keySettingsFields(clock: Clock): Record<string, Joi.Schema> {
  return {
    name: Joi.string().trim().min(1).max(255).pattern(PRINTABLE),
    // Trimmed: MySQL's PAD SPACE collations would see 'a' and 'a ' as one tag.
    tags: Joi.array().items(Joi.string().trim().min(1).max(64).pattern(PRINTABLE)).max(50).unique(),
    group: Joi.string().min(1).max(64).pattern(/^[A-Za-z0-9._:-]+$/),
    scopes: Joi.array().items(Joi.string().min(1).max(128).pattern(/^[A-Za-z0-9._:*/-]+$/)).max(100).unique(),
    resources: Joi.array().items(Joi.string().min(1).max(256).pattern(PRINTABLE)).max(100).unique(),
    ipAllowlist: Joi.array()
      .items(
        Joi.string()
          .max(64)
          .custom((value: string, helpers) => (isIpOrCidr(value) ? value : helpers.error('string.ipOrCidr')))
          .messages({ 'string.ipOrCidr': '{{#label}} must be an IPv4 or IPv6 address or CIDR (e.g. 10.0.0.0/8), got {{#value}}' }),
      )
      .max(100)
      .unique(),
    expiresAt: futureDate(clock).allow(null),
    rateLimit: RateLimitSchema.allow(null),
    quota: QuotaSchema.allow(null),
    credits: CreditsSchema.allow(null),
    quotaPolicyId: Joi.string().max(64).pattern(/^[A-Za-z0-9_]+$/).allow(null),
    metadata: metadata.allow(null),
  };
}

export function createKeyPayload(clock: Clock): Joi.ObjectSchema {
  return Joi.object({
    ...keySettingsFields(clock),
    name: (keySettingsFields(clock).name as Joi.StringSchema).required(),
    environment: Joi.string().valid(...ENVIRONMENTS).default('production'),
  }).label('CreateKeyRequest');
}

export function updateKeyPayload(clock: Clock): Joi.ObjectSchema {
  return Joi.object(keySettingsFields(clock)).min(1).label('UpdateKeyRequest');
}

const timestamp = Joi.date().iso();
const nullableTimestamp = timestamp.allow(null);

export const KeySchema = Joi.object({
  id: Joi.string().required(),
  workspaceId: Joi.string().required(),
  name: Joi.string().required(),
  environment: Joi.string().valid(...ENVIRONMENTS).required(),
  tags: Joi.array().items(Joi.string()).required(),
  group: Joi.string().required(),
  scopes: Joi.array().items(Joi.string()).required(),
  resources: Joi.array().items(Joi.string()).required(),
  ipAllowlist: Joi.array().items(Joi.string()).required(),
  expiresAt: nullableTimestamp.required(),
  rateLimit: RateLimitSchema.allow(null).required(),
  quota: QuotaSchema.allow(null).required(),
  credits: CreditsSchema.allow(null).required(),
  quotaPolicyId: Joi.string().allow(null).required(),
  metadata: Joi.object().unknown(true).allow(null).required(),
  status: Joi.string().valid(...KEY_STATUSES).required(),
  start: Joi.string().required().description('masked secret, e.g. acme_live_Ab3x…9fQ2'),
  createdAt: timestamp.required(),
  createdBy: Joi.string().required(),
  updatedAt: timestamp.required(),
  lastUsedAt: nullableTimestamp.required(),
  lastRotatedAt: nullableTimestamp.required(),
  usageCount: Joi.number().integer().required(),
  version: Joi.number().integer().required(),
}).label('Key');

export const IssuedSecretSchema = Joi.object({
  key: KeySchema.required(),
  secret: Joi.string().required().description('the secret; shown in this response only'),
}).label('CreatedKey');

export const KeyDetailsSchema = KeySchema.keys({
  effectiveLimits: Joi.object({
    rateLimit: RateLimitSchema.required(),
    quota: Joi.object(Object.fromEntries(QUOTA_WINDOWS.map((w) => [w, Joi.number()]))).required(),
    credits: CreditsSchema.allow(null).required(),
  }).required(),
  usage: Joi.array()
    .items(
      Joi.object({
        window: Joi.string().valid(...QUOTA_WINDOWS).required(),
        used: Joi.number().integer().required(),
        limit: Joi.number().integer().allow(null).required(),
        remaining: Joi.number().integer().allow(null).required(),
      }),
    )
    .required(),
}).label('KeyDetails');

export const PolicySchema = Joi.object({
  id: Joi.string().required(),
  workspaceId: Joi.string().required(),
  name: Joi.string().required(),
  quota: QuotaSchema.allow(null).required(),
  rateLimit: RateLimitSchema.allow(null).required(),
  credits: CreditsSchema.allow(null).required(),
  version: Joi.number().integer().required(),
  createdAt: timestamp.required(),
  updatedAt: timestamp.required(),
}).label('QuotaPolicy');

const policyFields = {
  name: Joi.string().trim().min(1).max(255).pattern(PRINTABLE),
  quota: QuotaSchema.allow(null),
  rateLimit: RateLimitSchema.allow(null),
  credits: CreditsSchema.allow(null),
};
export const CreatePolicyPayload = Joi.object({ ...policyFields, name: policyFields.name.required() }).label('CreateQuotaPolicyRequest');
export const UpdatePolicyPayload = Joi.object(policyFields).min(1).label('UpdateQuotaPolicyRequest');

export const AuditEventSchema = Joi.object({
  id: Joi.string().required(),
  workspaceId: Joi.string().required(),
  action: Joi.string().required(),
  targetType: Joi.string().required(),
  targetId: Joi.string().required(),
  keyId: Joi.string().allow(null).required(),
  actor: Joi.object({ type: Joi.string().required(), id: Joi.string().required(), email: Joi.string().description('An operator\'s email, with type operator.') }).required(),
  before: Joi.object().unknown(true).allow(null).required(),
  after: Joi.object().unknown(true).allow(null).required(),
  requestId: Joi.string().allow(null).required(),
  createdAt: timestamp.required(),
}).label('AuditEvent');

export const RequestLogSchema = Joi.object({
  id: Joi.string().required(),
  keyId: Joi.string().allow(null).required(),
  endpoint: Joi.string().allow(null).required(),
  code: Joi.string().required(),
  durationMicros: Joi.number().integer().required(),
  clientIp: Joi.string().allow(null).required(),
  creditsSpent: Joi.number().integer().required(),
  createdAt: timestamp.required(),
}).label('RequestLog');

/** The filters of a key list, for the HTTP query and the CLI alike. */
export const keyListFilters = {
  q: Joi.string().min(1).max(255).description('part of the name, case-insensitive'),
  status: Joi.string().valid(...KEY_STATUSES),
  environment: Joi.string().valid(...ENVIRONMENTS),
  tag: Joi.string().trim().min(1).max(64).description('tags are stored trimmed, so the filter is too'),
  group: Joi.string().min(1).max(64),
};

export const pageQuery = {
  limit: Joi.number().integer().min(1).max(100).default(20),
  cursor: Joi.string().max(200).pattern(/^[A-Za-z0-9_-]+$/),
};

export function pageOf(item: Joi.Schema, label: string): Joi.ObjectSchema {
  return Joi.object({ items: Joi.array().items(item).required(), nextCursor: Joi.string().allow(null).required() }).label(label);
}

/** `If-Match: 3`, `"3"` or `W/"3"`: the version last read, for edits that must not overwrite a newer one. */
export const ifMatchHeaders = Joi.object({
  'if-match': Joi.string().pattern(/^(W\/)?"?[0-9]{1,9}"?$/).description('the version you last read (ETag)'),
}).unknown(true);

/** `Idempotency-Key`: printable ASCII, up to 255 characters; the same key and body within 24 h replay the first answer. */
export const idempotencyHeaders = Joi.object({
  'idempotency-key': Joi.string().min(1).max(255).pattern(/^[\x21-\x7e]+$/).description('repeats within 24 h return the first answer'),
}).unknown(true);

export function parseIfMatch(value: string | undefined): number | undefined {
  return value === undefined ? undefined : Number(value.replace(/[^0-9]/g, ''));
}

export const RotatePayload = Joi.object({
  overlapSeconds: Joi.number().integer().min(0).max(MAX_OVERLAP_SECONDS).default(0).description('how long the old secret stays valid'),
})
  .allow(null)
  .label('RotateRequest');

export const RootKeySchema = Joi.object({
  id: Joi.string().required(),
  name: Joi.string().required(),
  scopes: Joi.array().items(Joi.string().valid(...ROOT_SCOPES)).required(),
  start: Joi.string().required().description('the masked secret'),
  status: Joi.string().valid('active', 'revoked').required(),
  createdAt: timestamp.required(),
  createdBy: Joi.string().allow(null).required().description('who made it (`root_key:rk_…`, `cli:…`); null when not recorded'),
  lastUsedAt: nullableTimestamp.required(),
}).label('RootKey');

export const CreateRootKeyPayload = Joi.object({
  name: Joi.string().trim().min(1).max(255).pattern(PRINTABLE).required(),
  scopes: Joi.array()
    .items(Joi.string().valid(...ROOT_SCOPES))
    .min(1)
    .unique()
    .required()
    .description("at most the scopes of the caller's own credential"),
}).label('CreateRootKeyRequest');

export const CreatedRootKeySchema = Joi.object({
  rootKey: RootKeySchema.required(),
  secret: Joi.string().required().description('the root key; shown in this response only'),
}).label('CreatedRootKey');

export const verifyCode = Joi.string().valid(...VERIFY_CODES);

export const KeyUsageSchema = Joi.object({
  window: Joi.string().valid('24h', '7d', '30d').required(),
  granularity: Joi.string().valid('hour', 'day').required(),
  buckets: Joi.array()
    .items(
      Joi.object({
        start: timestamp.required(),
        counts: Joi.object(Object.fromEntries(VERIFY_CODES.map((code) => [code, Joi.number().integer().min(1)])))
          .required()
          .description('verifications by result code; a code that did not occur is absent')
          .label('UsageCounts'),
      }).label('UsageBucket'),
    )
    .required()
    .description('every bucket of the window, oldest first; the last one holds now'),
}).label('KeyUsage');
