import type { Server } from '@hapi/hapi';
import Joi from 'joi';
import type { Services } from '../../app';
import type { ConflictCode } from '../../domain/errors';
import type { BulkAction } from '../../services/keys';
import { callerOf } from '../auth';
import { headerOf } from '../errors';
import { managementRoute, versioned } from '../route';
import { IssuedSecretSchema, KeySchema, RequestLogSchema, RotatePayload, idempotencyHeaders, pageOf, pageQuery, verifyCode } from '../schemas';
import type { LogFilter } from '../../services/keyReads';
import { keyIdParams, secretResponse } from './keys';

const MAX_BULK_IDS = 100;

export function registerKeyActionRoutes(server: Server, services: Services): void {
  const { keys, keyReads } = services;
  const stateChange = (action: 'disable' | 'enable' | 'revoke', description: string, conflicts: ConflictCode[]) =>
    managementRoute({
      method: 'POST',
      path: `/v1/keys/{id}/${action}`,
      scope: 'keys:write',
      operationId: `${action}Key`,
      description,
      validate: { params: keyIdParams, payload: Joi.object({}).allow(null) },
      responses: { 200: KeySchema },
      ...(conflicts.length > 0 ? { conflicts } : {}),
      handler: async (request, h) => versioned(h, await keys[action](callerOf(request), request.params.id as string)),
    });

  server.route([
    stateChange('disable', 'Stop a key, reversibly: verification answers DISABLED until it is enabled.', ['KEY_REVOKED']),
    stateChange('enable', 'Re-enable a disabled key (counts against maxActiveKeys).', ['KEY_REVOKED', 'MAX_ACTIVE_KEYS']),
    stateChange('revoke', 'Stop a key for good: it can be neither enabled nor rotated again.', []),
    managementRoute({
      method: 'POST',
      path: '/v1/keys/{id}/rotate',
      scope: 'keys:write',
      operationId: 'rotateKey',
      description:
        'Issue a new secret for the same key id and settings. overlapSeconds keeps the old secret valid that long (default 0). Idempotency-Key: the same key and body within 24 h return the same secret instead of rotating again.',
      validate: {
        params: keyIdParams,
        payload: RotatePayload,
        headers: idempotencyHeaders,
      },
      responses: { 200: IssuedSecretSchema.label('RotatedKey') },
      conflicts: ['KEY_REVOKED', 'IDEMPOTENCY_KEY_REUSED'],
      handler: async (request, h) => {
        const overlapSeconds = (request.payload as { overlapSeconds?: number } | null)?.overlapSeconds ?? 0;
        const rotated = await keys.rotate(callerOf(request), request.params.id as string, overlapSeconds, headerOf(request, 'idempotency-key'));
        const response = secretResponse(h, { key: rotated.key, secret: rotated.secret }, 200);
        return rotated.replayed ? response.header('idempotent-replayed', 'true') : response;
      },
    }),
    managementRoute({
      method: 'DELETE',
      path: '/v1/keys/{id}',
      scope: 'keys:write',
      operationId: 'deleteKey',
      description: 'Delete a key that was never used. A key with history answers 409 KEY_HAS_HISTORY: disable or revoke it instead.',
      validate: { params: keyIdParams },
      responses: { 204: null },
      conflicts: ['KEY_HAS_HISTORY'],
      handler: async (request, h) => {
        await keys.delete(callerOf(request), request.params.id as string);
        return h.response().code(204);
      },
    }),
    managementRoute({
      method: 'POST',
      path: '/v1/keys/bulk',
      scope: 'keys:write',
      operationId: 'bulkKeyAction',
      description: `Apply one action to up to ${MAX_BULK_IDS} keys; each id gets its own result.`,
      validate: {
        payload: Joi.object({
          action: Joi.string().valid('disable', 'enable', 'revoke', 'delete').required(),
          ids: Joi.array().items(Joi.string().min(1).max(64)).min(1).max(MAX_BULK_IDS).unique().required(),
        }).label('BulkRequest'),
      },
      responses: {
        200: Joi.object({
          results: Joi.array()
            .items(
              Joi.object({
                id: Joi.string().required(),
                ok: Joi.boolean().required(),
                status: Joi.string(),
                error: Joi.object({ code: Joi.string(), message: Joi.string() }),
              }),
            )
            .required(),
        }).label('BulkResponse'),
      },
      handler: async (request) => {
        const { action, ids } = request.payload as { action: BulkAction; ids: string[] };
        return { results: await keys.bulk(callerOf(request), action, ids) };
      },
    }),
    managementRoute({
      method: 'GET',
      path: '/v1/keys/{id}/logs',
      scope: 'keys:read',
      operationId: 'listKeyLogs',
      description: "A key's request logs (one per verification), newest first; `code` keeps one result code.",
      validate: { params: keyIdParams, query: Joi.object({ ...pageQuery, code: verifyCode.description('only logs with this result code') }) },
      responses: { 200: pageOf(RequestLogSchema, 'RequestLogList') },
      handler: (request) => keyReads.logs(callerOf(request), request.params.id as string, request.query as unknown as LogFilter),
    }),
  ]);
}
