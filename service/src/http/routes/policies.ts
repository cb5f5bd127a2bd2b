import type { Server } from '@hapi/hapi';
import Joi from 'joi';
import type { Services } from '../../app';
import type { CreatePolicyInput, UpdatePolicyInput } from '../../services/policies';
import { callerOf } from '../auth';
import { headerOf } from '../errors';
import { managementRoute, versioned } from '../route';
import { CreatePolicyPayload, PolicySchema, UpdatePolicyPayload, idParam, ifMatchHeaders, pageOf, pageQuery, parseIfMatch } from '../schemas';

const params = Joi.object({ id: idParam('quota policy') });

export function registerPolicyRoutes(server: Server, services: Services): void {
  const { policies } = services;
  server.route([
    managementRoute({
      method: 'POST',
      path: '/v1/quota-policies',
      scope: 'policies:write',
      operationId: 'createQuotaPolicy',
      description: 'Create a reusable {quota, rateLimit, credits} bundle that keys can point at.',
      validate: { payload: CreatePolicyPayload },
      responses: { 201: PolicySchema },
      conflicts: ['NAME_TAKEN'],
      handler: async (request, h) => {
        const policy = await policies.create(callerOf(request), request.payload as CreatePolicyInput);
        return versioned(h, policy, policy, 201).location(`/v1/quota-policies/${policy.id}`);
      },
    }),
    managementRoute({
      method: 'GET',
      path: '/v1/quota-policies',
      scope: 'keys:read',
      operationId: 'listQuotaPolicies',
      description: 'List quota policies.',
      validate: { query: Joi.object(pageQuery) },
      responses: { 200: pageOf(PolicySchema, 'QuotaPolicyList') },
      handler: (request) => policies.list(callerOf(request), request.query as { cursor?: string; limit: number }),
    }),
    managementRoute({
      method: 'GET',
      path: '/v1/quota-policies/{id}',
      scope: 'keys:read',
      operationId: 'getQuotaPolicy',
      description: 'One quota policy.',
      validate: { params },
      responses: { 200: PolicySchema },
      handler: async (request, h) => {
        const policy = await policies.get(callerOf(request), request.params.id as string);
        return versioned(h, policy);
      },
    }),
    managementRoute({
      method: 'PATCH',
      path: '/v1/quota-policies/{id}',
      scope: 'policies:write',
      operationId: 'updateQuotaPolicy',
      description: 'Edit a quota policy; every key pointing at it follows. If-Match as for keys.',
      validate: { params, payload: UpdatePolicyPayload, headers: ifMatchHeaders },
      responses: { 200: PolicySchema },
      conflicts: ['NAME_TAKEN'],
      handler: async (request, h) => {
        const policy = await policies.update(
          callerOf(request),
          request.params.id as string,
          request.payload as UpdatePolicyInput,
          parseIfMatch(headerOf(request, 'if-match')),
        );
        return versioned(h, policy);
      },
    }),
    managementRoute({
      method: 'DELETE',
      path: '/v1/quota-policies/{id}',
      scope: 'policies:write',
      operationId: 'deleteQuotaPolicy',
      description: 'Delete a quota policy no key points at (else 409 POLICY_IN_USE).',
      validate: { params },
      responses: { 204: null },
      conflicts: ['POLICY_IN_USE'],
      handler: async (request, h) => {
        await policies.delete(callerOf(request), request.params.id as string);
        return h.response().code(204);
      },
    }),
  ]);
}
