import type { Server } from '@hapi/hapi';
import Joi from 'joi';
import type { Services } from '../../app';
import type { WorkspaceSettingsInput } from '../../services/workspaces';
import { callerOf } from '../auth';
import { managementRoute } from '../route';

const limit = Joi.number().integer().min(1).max(1_000_000_000).allow(null);

const WorkspaceSchema = Joi.object({
  id: Joi.string().required(),
  slug: Joi.string().required(),
  name: Joi.string().required(),
  maxActiveKeys: Joi.number().integer().allow(null).required(),
  planLimits: Joi.object({ perSecond: limit.required(), perMinute: limit.required() }).required(),
  creditBalance: Joi.number().allow(null),
  failedAuthPolicy: Joi.object({
    maxFailures: Joi.number().integer().required(),
    windowSeconds: Joi.number().integer().required(),
    blockSeconds: Joi.number().integer().required(),
  }).required(),
  createdAt: Joi.date().iso().required(),
}).label('Workspace');

const UpdateWorkspacePayload = Joi.object({
  name: Joi.string().trim().min(1).max(255),
  maxActiveKeys: Joi.number().integer().min(0).max(10_000_000).allow(null),
  planLimits: Joi.object({ perSecond: limit, perMinute: limit }).min(1),
  failedAuthPolicy: Joi.object({
    maxFailures: Joi.number().integer().min(1).max(1_000_000),
    windowSeconds: Joi.number().integer().min(1).max(86_400),
    blockSeconds: Joi.number().integer().min(1).max(30 * 86_400),
  }).min(1),
})
  .min(1)
  .label('UpdateWorkspaceRequest');

export function registerWorkspaceRoutes(server: Server, services: Services): void {
  const { workspaces } = services;
  server.route([
    managementRoute({
      method: 'GET',
      path: '/v1/workspace',
      scope: 'keys:read',
      operationId: 'getWorkspace',
      description: "The root key's workspace: its plan limits and failed-attempt policy.",
      responses: { 200: WorkspaceSchema },
      handler: (request) => workspaces.get(callerOf(request)),
    }),
    managementRoute({
      method: 'PATCH',
      path: '/v1/workspace',
      scope: 'workspaces:admin',
      operationId: 'updateWorkspace',
      description:
        'Edit the workspace: maxActiveKeys, planLimits {perSecond, perMinute} over all its keys (null = none), failedAuthPolicy {maxFailures, windowSeconds, blockSeconds}.',
      validate: { payload: UpdateWorkspacePayload },
      responses: { 200: WorkspaceSchema },
      handler: (request) => workspaces.update(callerOf(request), request.payload as WorkspaceSettingsInput),
    }),
  ]);
}
