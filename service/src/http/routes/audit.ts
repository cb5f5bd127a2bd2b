import type { Server } from '@hapi/hapi';
import Joi from 'joi';
import type { Services } from '../../app';
import { callerOf } from '../auth';
import { managementRoute } from '../route';
import { AuditEventSchema, idParam, pageOf, pageQuery } from '../schemas';

export function registerAuditRoutes(server: Server, services: Services): void {
  server.route(
    managementRoute({
      method: 'GET',
      path: '/v1/audit-events',
      scope: 'keys:read',
      operationId: 'listAuditEvents',
      description: 'Lifecycle changes (who, what, when, before/after without secrets), newest first.',
      validate: { query: Joi.object({ keyId: idParam('key').optional(), ...pageQuery }) },
      responses: { 200: pageOf(AuditEventSchema, 'AuditEventList') },
      handler: (request) => services.audit.list(callerOf(request), request.query as { keyId?: string; cursor?: string; limit: number }),
    }),
  );
}
