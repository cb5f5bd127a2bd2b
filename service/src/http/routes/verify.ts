import type { Server } from '@hapi/hapi';
import Joi from 'joi';
import { QUOTA_WINDOWS, ENVIRONMENTS } from '../../domain/model';
import { MAX_SECRET_LENGTH } from '../../domain/secrets';
import { EXHAUSTED_WINDOWS, VERIFY_CODES, type VerifyRequest } from '../../domain/verification';
import type { Verifier } from '../../verify/verifier';
import type { Metrics } from '../../verify/metrics';
import { callerOf } from '../auth';
import { managementRoute } from '../route';

export const MAX_COST = 1_000_000;
export const VERIFY_PATH = '/v1/verify';
export const VERIFY_SCOPE = 'keys:verify';
/** Room for an oversized key to reach validation, which names the field, rather than a bare 413. */
export const VERIFY_MAX_BYTES = 64 * 1024;

export const VerifyPayload = Joi.object({
  key: Joi.string()
    .max(MAX_SECRET_LENGTH * 2)
    .pattern(/^[\x21-\x7e]+$/)
    .message('key must be printable ASCII without spaces (a Keysmith key never has anything else)')
    .required(),
  ip: Joi.string().ip({ version: ['ipv4', 'ipv6'], cidr: 'forbidden' }).description('The client IP the calling service saw (IPv4 or IPv6).'),
  resource: Joi.string().max(512),
  scopes: Joi.array().items(Joi.string().max(128)).max(64),
  cost: Joi.number().integer().min(0).max(MAX_COST).description('Credits this request spends (default 1).'),
  endpoint: Joi.string().max(255).description('Recorded in the request log.'),
}).label('VerifyRequest');

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
