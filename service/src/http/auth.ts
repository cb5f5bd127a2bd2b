import Boom from '@hapi/boom';
import type { Request, Server } from '@hapi/hapi';
import { AuthenticationError, PermissionError } from '../domain/errors';
import type { Caller, RootKey, RootScope } from '../domain/model';
import type { RootKeyService } from '../services/rootKeys';
import { headerOf, requestIdOf } from './errors';

export const ROOT_KEY_STRATEGY = 'root-key';

/** Route settings read by the scope check: `options.app.requiredScope`. */
export interface RouteApp {
  requiredScope?: RootScope;
}

const BEARER = /^Bearer +([^ ]+)$/i;

/**
 * `Authorization: Bearer <root key>`. A missing or malformed header and an unknown key are 401s; a key
 * without the scope `required` is a 403 naming the scope and the call (`what`).
 */
export async function authenticateBearer(rootKeys: RootKeyService, header: string | undefined, required: RootScope | undefined, what: string): Promise<RootKey> {
  if (!header) throw new AuthenticationError('missing root key: send Authorization: Bearer <root key>');
  const match = BEARER.exec(header);
  if (!match) throw new AuthenticationError('the Authorization header must be "Bearer <root key>"');
  const rootKey = await rootKeys.authenticate(match[1]!);
  if (required && !rootKey.scopes.includes(required)) throw new PermissionError(`root key ${rootKey.id} lacks the scope ${required} that ${what} needs`);
  return rootKey;
}

/**
 * The root-key scheme of every /v1 route: authentication and the route's scope check in one step,
 * before validation (the verify route pays for one lifecycle extension less).
 */
export function registerRootKeyAuth(server: Server, rootKeys: RootKeyService): void {
  server.auth.scheme(ROOT_KEY_STRATEGY, () => ({
    authenticate: async (request, h) => {
      const required = (request.route.settings.app as RouteApp | undefined)?.requiredScope;
      const what = `${request.method.toUpperCase()} ${request.route.path}`;
      const rootKey = await authenticateBearer(rootKeys, headerOf(request, 'authorization'), required, what);
      return h.authenticated({ credentials: { rootKey } });
    },
  }));
  server.auth.strategy(ROOT_KEY_STRATEGY, ROOT_KEY_STRATEGY);
}

function rootKeyOf(request: Request): RootKey {
  const rootKey = (request.auth.credentials as { rootKey?: RootKey }).rootKey;
  if (!rootKey) throw Boom.internal('route without root-key credentials');
  return rootKey;
}

/** The workspace and actor a management request acts for. */
export function callerOf(request: Request): Caller {
  const rootKey = rootKeyOf(request);
  return { workspaceId: rootKey.workspaceId, actor: { type: 'root_key', id: rootKey.id }, requestId: requestIdOf(request) };
}
