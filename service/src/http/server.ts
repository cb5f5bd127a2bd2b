import Boom from '@hapi/boom';
import Hapi from '@hapi/hapi';
import type { Server } from '@hapi/hapi';
import type { App } from '../app';
import { registerRootKeyAuth } from './auth';
import { contextOf, headerOf, toHttpError, VALIDATION_OPTIONS, validationFailAction } from './errors';
import { logFailure, logRequest, requestIdFor } from './requests';
import { buildOpenApi } from './openapi';
import { registerAuditRoutes } from './routes/audit';
import { defaultConsoleDir, registerConsoleRoutes } from './routes/console';
import { registerAuthRoutes } from './routes/auth';
import { registerHealthRoutes } from './routes/health';
import { registerKeyActionRoutes } from './routes/keyActions';
import { registerKeyRoutes } from './routes/keys';
import { registerOperatorRoutes } from './routes/operators';
import { registerPolicyRoutes } from './routes/policies';
import { registerRootKeyRoutes } from './routes/rootKeys';
import { registerUsageRoutes } from './routes/usage';
import { registerVerifyRoutes, VERIFY_MAX_BYTES, VERIFY_PATH } from './routes/verify';
import { registerWorkspaceRoutes } from './routes/workspace';
import { clientErrorAsBoom, createListener, DEFAULT_CONNECTION_LIMITS, installConnections, takeClientError, type ConnectionLimits } from './connections';
import { createVerifyLane } from './verifyLane';
import { installWireLane } from './wireLane';

export interface ServerOptions {
  host?: string;
  port?: number;
  /** Check every response against its route's schema (tests); a mismatch becomes a 500. */
  validateResponses?: boolean;
  /** Header and request timeouts and the connection cap (defaults: `DEFAULT_CONNECTION_LIMITS`). */
  limits?: Partial<ConnectionLimits>;
  /** The console's build output, served at /console/ (default: `console/dist` of the repository). */
  consoleDir?: string;
  /** How long `stop()` lets requests in flight finish before it closes their connections (default 5000). */
  drainTimeoutMs?: number;
}

export const VERSION = '0.1.0';

/** The Hapi server over an app's services. Not started: call `start()` (or `inject()` in tests). */
export async function createServer(app: App, options: ServerOptions = {}): Promise<Server> {
  const limits: ConnectionLimits = { ...DEFAULT_CONNECTION_LIMITS, ...options.limits };
  const server = Hapi.server({
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 0,
    listener: createListener(limits),
    router: { stripTrailingSlash: true },
    routes: {
      validate: { failAction: validationFailAction, options: VALIDATION_OPTIONS },
      response: { sample: options.validateResponses ? 100 : 0, failAction: 'error' },
      payload: { maxBytes: 16 * 1024, timeout: limits.requestTimeoutMs },
    },
  });

  // Request ids: the caller's X-Request-Id when it is sane, else a fresh one; echoed on every answer.
  server.ext('onRequest', (request, h) => {
    (request.app as { requestId?: string }).requestId = requestIdFor(headerOf(request, 'x-request-id'));
    return h.continue;
  });

  server.ext('onPreResponse', (request, h) => {
    const requestId = (request.app as { requestId: string }).requestId;
    const response = request.response;
    if (!Boom.isBoom(response)) {
      response.header('x-request-id', requestId);
      return h.continue;
    }
    // hapi answers a client error on its request's connection with a plain 400 that closes it: say what it was.
    const fromClientError = response.output.statusCode === 400 && response.output.headers.connection === 'close';
    const clientError = fromClientError ? takeClientError(request.raw.req.socket) : undefined;
    const cause = clientError ? clientErrorAsBoom(clientError) : response;
    const mapped = toHttpError(cause, contextOf(request));
    logFailure(app.logger, requestId, mapped.status, cause);
    const answer = h.response(mapped.body).code(mapped.status).header('x-request-id', requestId);
    for (const [name, value] of Object.entries(mapped.headers)) answer.header(name, value);
    return answer;
  });

  server.events.on('response', (request) => {
    logRequest(app.logger, {
      requestId: (request.app as { requestId: string }).requestId,
      method: request.method.toUpperCase(),
      route: request.route.path,
      status: 'statusCode' in request.response ? request.response.statusCode : undefined,
      durationMs: Date.now() - request.info.received,
    });
  });

  registerRootKeyAuth(server, app.services.rootKeys, app.services.sessions);
  registerHealthRoutes(server, app.db);
  registerKeyRoutes(server, app.services, app.clock);
  registerKeyActionRoutes(server, app.services);
  registerPolicyRoutes(server, app.services);
  registerAuditRoutes(server, app.services);
  registerWorkspaceRoutes(server, app.services);
  registerVerifyRoutes(server, app.verifier, app.metrics);
  registerRootKeyRoutes(server, app.services);
  registerUsageRoutes(server, app.services);
  await registerConsoleRoutes(server, { distDir: options.consoleDir ?? defaultConsoleDir() });
  registerAuthRoutes(server, app.services);
  registerOperatorRoutes(server, app.services);

  let document: object | undefined;
  server.route({
    method: 'GET',
    path: '/openapi.json',
    options: { description: 'This OpenAPI 3 document, generated from the route schemas.' },
    handler: () => (document ??= buildOpenApi(server, { title: 'Keysmith API', version: VERSION })),
  });
  // Unknown paths still answer in the error format, naming the path.
  server.route({ method: '*', path: '/{p*}', handler: () => { throw Boom.notFound(); } });
  const lane = createVerifyLane(app);
  const wire = installWireLane(server.listener, lane, limits, VERIFY_PATH, VERIFY_MAX_BYTES);
  installConnections(server, lane, wire, { drainTimeoutMs: options.drainTimeoutMs ?? 5000 });
  return server;
}
