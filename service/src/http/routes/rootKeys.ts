import type { Request, Server } from '@hapi/hapi';
import Joi from 'joi';
import type { Services } from '../../app';
import type { RootKey, RootScope } from '../../domain/model';
import type { CreateRootKeyInput } from '../../services/rootKeys';
import { callerOf } from '../auth';
import { managementRoute } from '../route';
import { CreateRootKeyPayload, CreatedRootKeySchema, RootKeySchema, idParam } from '../schemas';

const params = Joi.object({ id: idParam('root key') });

/** A root key as the API shows it: no workspace, no hash, a status instead of the revocation time. */
function toWire(rootKey: RootKey) {
  return {
    id: rootKey.id,
    name: rootKey.name,
    scopes: rootKey.scopes,
    start: rootKey.start,
    status: rootKey.revokedAt ? ('revoked' as const) : ('active' as const),
    createdAt: rootKey.createdAt,
    createdBy: rootKey.createdBy,
    lastUsedAt: rootKey.lastUsedAt,
  };
}

/** The scopes the request's own credential holds: what it may grant to a new root key. */
function heldScopes(request: Request): readonly RootScope[] {
  const credentials = request.auth.credentials as { rootKey?: RootKey; scopes?: RootScope[] };
  return credentials.rootKey?.scopes ?? credentials.scopes ?? [];
}

export function registerRootKeyRoutes(server: Server, services: Services): void {
  const { rootKeys } = services;
  server.route([
    managementRoute({
      method: 'GET',
      path: '/v1/root-keys',
      scope: 'workspaces:admin',
      operationId: 'listRootKeys',
      description: "The workspace's root keys, revoked ones included, oldest first. Secrets are never shown again.",
      responses: { 200: Joi.object({ items: Joi.array().items(RootKeySchema).required() }).label('RootKeyList') },
      handler: async (request) => ({ items: (await rootKeys.list(callerOf(request).workspaceId)).map(toWire) }),
    }),
    managementRoute({
      method: 'POST',
      path: '/v1/root-keys',
      scope: 'workspaces:admin',
      operationId: 'createRootKey',
      description:
        'Create a root key. The secret is in this response only. It may hold only scopes the calling credential holds itself (else 403 naming the scope).',
      validate: { payload: CreateRootKeyPayload },
      responses: { 201: CreatedRootKeySchema },
      handler: async (request, h) => {
        const issued = await rootKeys.create(callerOf(request), heldScopes(request), request.payload as CreateRootKeyInput);
        return h
          .response({ rootKey: toWire(issued.rootKey), secret: issued.secret })
          .code(201)
          .location(`/v1/root-keys/${issued.rootKey.id}`)
          .header('cache-control', 'no-store')
          .header('pragma', 'no-cache');
      },
    }),
    managementRoute({
      method: 'POST',
      path: '/v1/root-keys/{id}/revoke',
      scope: 'workspaces:admin',
      operationId: 'revokeRootKey',
      description: 'Stop a root key for good, on every instance at once. Revoking a revoked root key answers it unchanged.',
      validate: { params, payload: Joi.object({}).allow(null) },
      responses: { 200: RootKeySchema },
      handler: async (request) => toWire(await rootKeys.revoke(callerOf(request), request.params.id as string)),
    }),
  ]);
}
