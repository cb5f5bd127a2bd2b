import type { Request, ResponseToolkit, Server } from '@hapi/hapi';
import Joi from 'joi';
import type { Clock } from '../../clock';
import type { ApiKey, KeyStatusFilter } from '../../domain/model';
import type { Services } from '../../app';
import type { CreateKeyInput, IssuedSecret, UpdateKeyInput } from '../../services/keys';
import { callerOf } from '../auth';
import { headerOf } from '../errors';
import { managementRoute, versioned } from '../route';
import {
  IssuedSecretSchema,
  KeyDetailsSchema,
  KeySchema,
  createKeyPayload,
  keyListFilters,
  idParam,
  idempotencyHeaders,
  ifMatchHeaders,
  pageOf,
  pageQuery,
  parseIfMatch,
  updateKeyPayload,
} from '../schemas';

export const keyIdParams = Joi.object({ id: idParam('key') });

/** The two answers that carry a secret: never cached anywhere. */
export function secretResponse(h: ResponseToolkit, issued: IssuedSecret, status: number) {
  return versioned(h, issued.key, issued, status).header('cache-control', 'no-store').header('pragma', 'no-cache');
}

export function registerKeyRoutes(server: Server, services: Services, clock: Clock): void {
  const { keys, keyReads } = services;
  server.route([
    managementRoute({
      method: 'POST',
      path: '/v1/keys',
      scope: 'keys:write',
      operationId: 'createKey',
      description: 'Create a key. The secret is in this response only. Idempotency-Key: the same key and body within 24 h return the same key.',
      validate: {
        payload: createKeyPayload(clock),
        headers: idempotencyHeaders,
      },
      responses: { 201: IssuedSecretSchema },
      conflicts: ['NAME_TAKEN', 'MAX_ACTIVE_KEYS', 'IDEMPOTENCY_KEY_REUSED'],
      handler: async (request: Request, h) => {
        const idempotencyKey = headerOf(request, 'idempotency-key');
        const created = await keys.create(callerOf(request), request.payload as CreateKeyInput, idempotencyKey);
        const response = secretResponse(h, { key: created.key, secret: created.secret }, 201).location(`/v1/keys/${created.key.id}`);
        return created.replayed ? response.header('idempotent-replayed', 'true') : response;
      },
    }),
    managementRoute({
      method: 'GET',
      path: '/v1/keys',
      scope: 'keys:read',
      operationId: 'listKeys',
      description: 'List keys, newest first. Filters combine with AND; follow nextCursor for the next page.',
      validate: {
        query: Joi.object({ ...keyListFilters, ...pageQuery }),
      },
      responses: { 200: pageOf(KeySchema, 'KeyList') },
      handler: (request: Request) => {
        const query = request.query as { q?: string; status?: KeyStatusFilter; environment?: ApiKey['environment']; tag?: string; group?: string; cursor?: string; limit: number };
        return keyReads.list(callerOf(request), query);
      },
    }),
    managementRoute({
      method: 'GET',
      path: '/v1/keys/{id}',
      scope: 'keys:read',
      operationId: 'getKey',
      description: 'One key, with the limits in force and its usage and remaining quota per window.',
      validate: { params: keyIdParams },
      responses: { 200: KeyDetailsSchema },
      handler: async (request, h) => {
        const details = await keyReads.get(callerOf(request), request.params.id as string);
        return versioned(h, details.key, { ...details.key, effectiveLimits: details.effectiveLimits, usage: details.usage });
      },
    }),
    managementRoute({
      method: 'PATCH',
      path: '/v1/keys/{id}',
      scope: 'keys:write',
      operationId: 'updateKey',
      description: 'Edit a key. Send If-Match with the version you read to be refused (412) if it changed since; null clears a field.',
      validate: {
        params: keyIdParams,
        payload: updateKeyPayload(clock),
        headers: ifMatchHeaders,
      },
      responses: { 200: KeySchema },
      conflicts: ['NAME_TAKEN', 'MAX_ACTIVE_KEYS'],
      handler: async (request, h) => {
        const key = await keys.update(
          callerOf(request),
          request.params.id as string,
          request.payload as UpdateKeyInput,
          parseIfMatch(headerOf(request, 'if-match')),
        );
        return versioned(h, key);
      },
    }),
  ]);
}
