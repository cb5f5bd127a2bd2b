import type { Server } from '@hapi/hapi';
import Joi from 'joi';
import type { Services } from '../../app';
import { USAGE_WINDOWS, type UsageWindow } from '../../services/keyReads';
import { callerOf } from '../auth';
import { managementRoute } from '../route';
import { KeyUsageSchema } from '../schemas';
import { keyIdParams } from './keys';

export function registerUsageRoutes(server: Server, services: Services): void {
  const { keyReads } = services;
  server.route(
    managementRoute({
      method: 'GET',
      path: '/v1/keys/{id}/usage',
      scope: 'keys:read',
      operationId: 'getKeyUsage',
      description:
        "A key's verifications by result code, from its request logs, for charts: per hour over the last 24 h (window=24h), per UTC day over the last 7 or 30 days (7d, 30d). Every bucket is present, oldest first; the last one holds now.",
      validate: { params: keyIdParams, query: Joi.object({ window: Joi.string().valid(...USAGE_WINDOWS).default('24h') }) },
      responses: { 200: KeyUsageSchema },
      handler: (request) => keyReads.usage(callerOf(request), request.params.id as string, (request.query as { window: UsageWindow }).window),
    }),
  );
}
