import type { Server } from '@hapi/hapi';
import Joi from 'joi';
import type { Services } from '../../app';
import { OPERATOR_ROLES } from '../../domain/model';
import type { AddOperatorInput, UpdateOperatorInput } from '../../services/operators';
import { callerOf } from '../auth';
import { managementRoute } from '../route';
import { idParam } from '../schemas';

const role = Joi.string().valid(...OPERATOR_ROLES);
const name = Joi.string().trim().min(1).max(255);

const OperatorSchema = Joi.object({
  id: Joi.string().required(),
  email: Joi.string().required(),
  name: Joi.string().required(),
  role: role.required().description('owner, admin, developer or viewer: each a fixed set of root-key scopes.'),
  createdAt: Joi.date().iso().required(),
  lastLoginAt: Joi.date().iso().allow(null).required(),
}).label('Operator');

const AddOperatorPayload = Joi.object({
  email: Joi.string().trim().email({ tlds: false }).max(254).required(),
  name,
  role: role.required(),
  password: Joi.string()
    .min(1)
    .max(1024)
    .description('12–72 bytes; needed for a new account, ignored when an operator with this email exists (they join this workspace).'),
}).label('AddOperatorRequest');

const UpdateOperatorPayload = Joi.object({ role, name }).min(1).label('UpdateOperatorRequest');

const params = Joi.object({ id: idParam('operator') });

/** The workspace's operators and their roles (scope operators:admin, which only owners hold). */
export function registerOperatorRoutes(server: Server, services: Services): void {
  const { operators } = services;
  server.route([
    managementRoute({
      method: 'GET',
      path: '/v1/operators',
      scope: 'operators:admin',
      operationId: 'listOperators',
      description: "The workspace's operators with their roles.",
      responses: { 200: Joi.object({ items: Joi.array().items(OperatorSchema).required() }).label('OperatorList') },
      handler: async (request) => ({ items: await operators.list(callerOf(request)) }),
    }),
    managementRoute({
      method: 'POST',
      path: '/v1/operators',
      scope: 'operators:admin',
      operationId: 'addOperator',
      description: 'Adds an operator with a role: a new account, or a membership for the operator that has this email.',
      validate: { payload: AddOperatorPayload },
      responses: { 201: OperatorSchema },
      conflicts: ['OPERATOR_EXISTS'],
      handler: async (request, h) => {
        const operator = await operators.add(callerOf(request), request.payload as AddOperatorInput);
        return h.response(operator).code(201).location(`/v1/operators/${operator.id}`);
      },
    }),
    managementRoute({
      method: 'PATCH',
      path: '/v1/operators/{id}',
      scope: 'operators:admin',
      operationId: 'updateOperator',
      description: "Changes an operator's role or name; the last owner cannot be demoted (409 LAST_OWNER).",
      validate: { params, payload: UpdateOperatorPayload },
      responses: { 200: OperatorSchema },
      conflicts: ['LAST_OWNER'],
      handler: (request) => operators.update(callerOf(request), request.params.id as string, request.payload as UpdateOperatorInput),
    }),
    managementRoute({
      method: 'DELETE',
      path: '/v1/operators/{id}',
      scope: 'operators:admin',
      operationId: 'removeOperator',
      description: 'Removes an operator from the workspace and ends their sessions there; the last owner stays (409 LAST_OWNER).',
      validate: { params },
      responses: { 204: null },
      conflicts: ['LAST_OWNER'],
      handler: async (request, h) => {
        await operators.remove(callerOf(request), request.params.id as string);
        return h.response().code(204);
      },
    }),
  ]);
}
