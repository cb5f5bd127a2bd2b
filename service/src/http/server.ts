import Boom from '@hapi/boom';
import Hapi from '@hapi/hapi';
import type { Server } from '@hapi/hapi';
import { randomBase62 } from '../domain/base62';
import type { App } from '../app';
import { registerRootKeyAuth } from './auth';
import { headerOf, toHttpError, validationFailAction } from './errors';
import { buildOpenApi } from './openapi';
import { registerAuditRoutes } from './routes/audit';
import { registerHealthRoutes } from './routes/health';
import { registerKeyActionRoutes } from './routes/keyActions';
import { registerKeyRoutes } from './routes/keys';
import { registerPolicyRoutes } from './routes/policies';
import { registerVerifyRoutes } from './routes/verify';
import { registerWorkspaceRoutes } from './routes/workspace';

export interface ServerOptions {
  host?: string;
  port?: number;
  /** Check every response against its route's schema (tests); a mismatch becomes a 500. */
  validateResponses?: boolean;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;
export const VERSION = '0.1.0';

/**
 * What a log line may say about an internal error. Database errors carry their SQL, with bound values
 * such as secret hashes, in `message`; only the driver's own text and code are kept.
 */
export function describeForLog(err: Error & { code?: unknown; sqlMessage?: unknown; sql?: unknown }): Record<string, unknown> {
  const fromDatabase = typeof err.code === 'string' && (err.code.startsWith('ER_') || err.code.startsWith('SQLITE_') || err.sql !== undefined);
  if (!fromDatabase) return { message: err.message, stack: err.stack };
  const message = typeof err.sqlMessage === 'string' ? err.sqlMessage : err.message.split(' - ').pop();
  return { message, code: err.code };
}

/**
 * Request ids name a request in logs; they need to be unique, not secret: a random prefix per process
 * and a counter, with no call into the CSPRNG on every request.
 */
const REQUEST_ID_PREFIX = `req_${randomBase62(10)}`;
let requestCounter = 0;
const nextRequestId = (): string => `${REQUEST_ID_PREFIX}${(++requestCounter).toString(36)}`;

/** The Hapi server over an app's services. Not started: call `start()` (or `inject()` in tests). */
export async function createServer(app: App, options: ServerOptions = {}): Promise<Server> {
  const server = Hapi.server({
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 0,
    router: { stripTrailingSlash: true },
    routes: {
      validate: { failAction: validationFailAction, options: { abortEarly: false, errors: { wrap: { label: false } } } },
      response: { sample: options.validateResponses ? 100 : 0, failAction: 'error' },
      payload: { maxBytes: 16 * 1024 },
    },
  });

  // Request ids: the caller's X-Request-Id when it is sane, else a fresh one; echoed on every answer.
  server.ext('onRequest', (request, h) => {
    const given = headerOf(request, 'x-request-id');
    (request.app as { requestId?: string }).requestId = given && REQUEST_ID.test(given) ? given : nextRequestId();
    return h.continue;
  });

  server.ext('onPreResponse', (request, h) => {
    const requestId = (request.app as { requestId: string }).requestId;
    const response = request.response;
    if (!Boom.isBoom(response)) {
      response.header('x-request-id', requestId);
      return h.continue;
    }
    const mapped = toHttpError(response, request);
    // 503s are logged once per outage by whatever noticed it, not once per request.
    if (mapped.status >= 500 && mapped.status !== 503) app.logger.error({ requestId, err: describeForLog(response) }, 'request failed');
    const answer = h.response(mapped.body).code(mapped.status).header('x-request-id', requestId);
    for (const [name, value] of Object.entries(mapped.headers)) answer.header(name, value);
    return answer;
  });

  server.events.on('response', (request) => {
    const status = 'statusCode' in request.response ? request.response.statusCode : undefined;
    // Verifications are logged at debug: each one already has its row in the request logs.
    const level = request.route.path === '/v1/verify' && status === 200 ? 'debug' : 'info';
    if (!app.logger.isLevelEnabled(level)) return;
    app.logger[level](
      {
        requestId: (request.app as { requestId?: string }).requestId,
        method: request.method.toUpperCase(),
        route: request.route.path,
        status,
        durationMs: Date.now() - request.info.received,
      },
      'request',
    );
  });

  registerRootKeyAuth(server, app.services.rootKeys);
  registerHealthRoutes(server, app.db);
  registerKeyRoutes(server, app.services, app.clock);
  registerKeyActionRoutes(server, app.services);
  registerPolicyRoutes(server, app.services);
  registerAuditRoutes(server, app.services);
  registerWorkspaceRoutes(server, app.services);
  registerVerifyRoutes(server, app.verifier, app.metrics);

  let document: object | undefined;
  server.route({
    method: 'GET',
    path: '/openapi.json',
    options: { description: 'This OpenAPI 3 document, generated from the route schemas.' },
    handler: () => (document ??= buildOpenApi(server, { title: 'Keysmith API', version: VERSION })),
  });
  // Unknown paths still answer in the error format, naming the path.
  server.route({ method: '*', path: '/{p*}', handler: () => { throw Boom.notFound(); } });
  return server;
}
