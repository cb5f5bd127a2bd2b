import type { Server } from '@hapi/hapi';
import Joi from 'joi';
import { QUOTA_WINDOWS, ENVIRONMENTS } from '../../domain/model';
import { MAX_SECRET_LENGTH } from '../../domain/secrets';
import { EXHAUSTED_WINDOWS, VERIFY_CODES, type VerifyRequest, type VerifyResult } from '../../domain/verification';
import type { Verifier } from '../../verify/verifier';
import type { Metrics } from '../../verify/metrics';
import { callerOf } from '../auth';
import { managementRoute } from '../route';

export const MAX_COST = 1_000_000;
export const VERIFY_PATH = '/v1/verify';
export const VERIFY_SCOPE = 'keys:verify';
/** Room for an oversized key to reach validation, which names the field, rather than a bare 413. */
export const VERIFY_MAX_BYTES = 64 * 1024;

const MAX_KEY_LENGTH = MAX_SECRET_LENGTH * 2;
const PRINTABLE = /^[\x21-\x7e]+$/;
const MAX_RESOURCE_LENGTH = 512;
const MAX_SCOPES = 64;
const MAX_SCOPE_LENGTH = 128;
const MAX_ENDPOINT_LENGTH = 255;

export const VerifyPayload = Joi.object({
  key: Joi.string()
    .max(MAX_KEY_LENGTH)
    .pattern(PRINTABLE)
    .message('key must be printable ASCII without spaces (a Keysmith key never has anything else)')
    .required(),
  ip: Joi.string().ip({ version: ['ipv4', 'ipv6'], cidr: 'forbidden' }).description('The client IP the calling service saw (IPv4 or IPv6).'),
  resource: Joi.string().max(MAX_RESOURCE_LENGTH),
  scopes: Joi.array().items(Joi.string().max(MAX_SCOPE_LENGTH)).max(MAX_SCOPES),
  cost: Joi.number().integer().min(0).max(MAX_COST).description('Credits this request spends (default 1).'),
  endpoint: Joi.string().max(MAX_ENDPOINT_LENGTH).description('Recorded in the request log.'),
}).label('VerifyRequest');

const text = (value: unknown, max: number): boolean => typeof value === 'string' && value.length > 0 && value.length <= max;

/**
 * The body of most calls, taken as it is when it plainly satisfies {@link VerifyPayload} without
 * conversion: an object of `key` and any of `endpoint`, `resource`, `cost` and `scopes`, each within its
 * limits. Anything else (an `ip`, which needs Joi's address grammar, an unknown field, a number in a
 * string, any problem) gets undefined, and goes to Joi, which decides and names every problem. Joi costs
 * about a tenth of a verification's CPU; a test holds the two to the same answers.
 */
export function plainVerifyPayload(payload: unknown): VerifyRequest | undefined {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return undefined;
  const fields = payload as Record<string, unknown>;
  for (const name in fields) {
    const value = fields[name];
    switch (name) {
      case 'key':
        if (!(typeof value === 'string' && value.length <= MAX_KEY_LENGTH && PRINTABLE.test(value))) return undefined;
        break;
      case 'endpoint':
        if (!text(value, MAX_ENDPOINT_LENGTH)) return undefined;
        break;
      case 'resource':
        if (!text(value, MAX_RESOURCE_LENGTH)) return undefined;
        break;
      case 'cost':
        // -0 is left to Joi, which answers 0 for it.
        if (!(typeof value === 'number' && Number.isInteger(value) && value <= MAX_COST && (value > 0 || Object.is(value, 0)))) return undefined;
        break;
      case 'scopes':
        if (!(Array.isArray(value) && value.length <= MAX_SCOPES && value.every((scope) => text(scope, MAX_SCOPE_LENGTH)))) return undefined;
        break;
      default:
        return undefined;
    }
  }
  return typeof fields.key === 'string' ? (fields as unknown as VerifyRequest) : undefined;
}

const windowState = { limit: Joi.number().integer().required(), remaining: Joi.number().integer().required() };
const RateLimitState = Joi.object({ ...windowState, resetAt: Joi.string().isoDate().required() });
const QuotaState = Joi.object({ window: Joi.string().valid(...QUOTA_WINDOWS).required(), ...windowState, resetAt: Joi.string().isoDate().allow(null).required() });

const VerifyResponse = Joi.object({
  valid: Joi.boolean().required(),
  code: Joi.string().valid(...VERIFY_CODES).required(),
  window: Joi.string()
    .valid(...EXHAUSTED_WINDOWS)
    .description("With QUOTA_EXCEEDED: the quota window, the key's `credits`, or the workspace's shared credit `balance` that has no room."),
  keyId: Joi.string(),
  name: Joi.string(),
  environment: Joi.string().valid(...ENVIRONMENTS),
  scopes: Joi.array().items(Joi.string()),
  metadata: Joi.object().unknown(true).allow(null),
  expiresAt: Joi.string().isoDate().allow(null),
  ratelimit: RateLimitState,
  quota: Joi.array().items(QuotaState),
  credits: Joi.number(),
}).label('VerifyResult');

/**
 * The text of a verification's answer, exactly as `JSON.stringify` writes it. A VALID answer, what nearly
 * every call gets, is written field by field in the order the verifier builds it: `JSON.stringify` took
 * three times as long, about a tenth of what the lane spends on a call. The fields the service makes
 * itself (ids, environments, ISO times, window names, counts) go in as they are; a key's name, scopes and
 * metadata, which its owner chose, through `JSON.stringify`. A test holds the two to the same text.
 */
export function verifyAnswerJson(result: VerifyResult): string {
  const { keyId, name, environment, scopes, metadata, ratelimit, quota, credits } = result;
  if (result.code !== 'VALID' || !keyId || name === undefined || !environment || !scopes || metadata === undefined) return JSON.stringify(result);
  let text =
    `{"valid":true,"code":"VALID","keyId":"${keyId}","name":${JSON.stringify(name)},"environment":"${environment}",` +
    `"scopes":${JSON.stringify(scopes)},"metadata":${JSON.stringify(metadata)},` +
    `"expiresAt":${result.expiresAt == null ? 'null' : `"${result.expiresAt}"`}`;
  if (ratelimit) text += `,"ratelimit":{"limit":${ratelimit.limit},"remaining":${ratelimit.remaining},"resetAt":"${ratelimit.resetAt}"}`;
  if (quota) {
    text += ',"quota":[';
    for (let i = 0; i < quota.length; i++) {
      const q = quota[i]!;
      text += `${i === 0 ? '' : ','}{"window":"${q.window}","limit":${q.limit},"remaining":${q.remaining},"resetAt":${q.resetAt === null ? 'null' : `"${q.resetAt}"`}}`;
    }
    text += ']';
  }
  if (credits !== undefined) text += `,"credits":${credits}`;
  return `${text}}`;
}

export function registerVerifyRoutes(server: Server, verifier: Verifier, metrics: Metrics): void {
  server.route([
    managementRoute({
      method: 'POST',
      path: VERIFY_PATH,
      scope: VERIFY_SCOPE,
      // Services verify with root keys; the verify lane, which serves this call over sockets, reads no cookie.
      rootKeyOnly: true,
      operationId: 'verifyKey',
      description:
        'Is this key good for this request? Always 200 for a well-formed call; `code` says why not. Limits are consumed only when the answer is VALID.',
      validate: { payload: VerifyPayload },
      responses: { 200: VerifyResponse },
      maxBytes: VERIFY_MAX_BYTES,
      handler: (request) => verifier.verify(callerOf(request).workspaceId, request.payload as VerifyRequest),
    }),
    {
      method: 'GET',
      path: '/metrics',
      options: { description: 'Counters in the Prometheus text format: verifications by code, database work by purpose.' },
      handler: (_request, h) => h.response(metrics.render()).type('text/plain; version=0.0.4'),
    },
  ]);
}
