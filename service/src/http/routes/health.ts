import type { Server } from '@hapi/hapi';
import Joi from 'joi';
import type { Database } from '../../db/database';

const Ready = Joi.object({
  status: Joi.string().valid('ready', 'unavailable').required(),
  database: Joi.string().valid('sqlite', 'mysql').required(),
}).label('Ready');

export function registerHealthRoutes(server: Server, db: Database): void {
  server.route([
    {
      method: 'GET',
      path: '/healthz',
      options: {
        id: 'getHealth',
        description: 'Liveness: the process answers.',
        tags: ['api'],
        response: { status: { 200: Joi.object({ status: Joi.string().valid('ok').required() }).label('Health') } },
      },
      handler: () => ({ status: 'ok' }),
    },
    {
      method: 'GET',
      path: '/readyz',
      options: {
        id: 'getReadiness',
        description: 'Readiness: the database answers. 503 when it does not.',
        tags: ['api'],
        response: { status: { 200: Ready, 503: Ready } },
      },
      handler: async (_request, h) =>
        (await db.ping())
          ? { status: 'ready', database: db.dialect }
          : h.response({ status: 'unavailable', database: db.dialect }).code(503),
    },
  ]);
}
