import Boom from '@hapi/boom';
import type { Request, ResponseToolkit, Server } from '@hapi/hapi';
import { AuthenticationError, CsrfError, PermissionError } from '../domain/errors';
import type { Caller, RootKey, RootScope } from '../domain/model';
import { then, type Maybe } from '../maybe';
import type { RootKeyService } from '../services/rootKeys';
import { callerOfSession, csrfTokenMatches, type SessionContext, type SessionService } from '../services/sessions';
import { headerOf, requestIdOf } from './errors';

/** The strategy of every /v1 management route: a root key, or an operator's session cookie. */
export const ROOT_KEY_STRATEGY = 'root-key';
/** The strategy of the calls about the session itself (who am I, sign out, change password): the cookie alone. */
export const SESSION_STRATEGY = 'session';
export const SESSION_COOKIE = 'keysmith_session';
export const CSRF_HEADER = 'x-csrf-token';

/** Route settings read by the scope check: `options.app.requiredScope`; `rootKeyOnly` refuses sessions. */
export interface RouteApp {
  requiredScope?: RootScope;
  rootKeyOnly?: boolean;
}

const BEARER = /^Bearer +([^ ]+)$/i;
const STATE_CHANGING = new Set(['post', 'put', 'patch', 'delete']);

/**
 * `Authorization: Bearer <root key>`. A missing or malformed header and an unknown key are 401s; a key
 * without the scope `required` is a 403 naming the scope and the call (`what`). At once when the root key
 * is cached; the errors may be thrown at once too.
 */
export function authenticateBearer(rootKeys: RootKeyService, header: string | undefined, required: RootScope | undefined, what: string): Maybe<RootKey> {
  if (!header) throw new AuthenticationError('missing root key: send Authorization: Bearer <root key>');
  const match = BEARER.exec(header);
  if (!match) throw new AuthenticationError('the Authorization header must be "Bearer <root key>"');
  return then(rootKeys.authenticate(match[1]!), (rootKey) => {
    if (required && !rootKey.scopes.includes(required)) throw new PermissionError(`root key ${rootKey.id} lacks the scope ${required} that ${what} needs`);
    return rootKey;
  });
}

/**
 * The session behind the cookie, with the CSRF check of a state-changing call: a cross-site page can
 * make the browser send the cookie, but cannot read the CSRF token that only the session's own answers carry.
 */
async function authenticateSession(sessions: SessionService, request: Request, token: string): Promise<SessionContext> {
  const context = await sessions.authenticate(token);
  if (STATE_CHANGING.has(request.method) && !csrfTokenMatches(token, headerOf(request, CSRF_HEADER))) {
    throw new CsrfError(`a call made with a session cookie that changes something must send the session's csrfToken in the X-CSRF-Token header`);
  }
  return context;
}

const sessionTokenOf = (request: Request): string | undefined => {
  const value: unknown = request.state[SESSION_COOKIE];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
};

/**
 * The schemes: root keys exactly as before, and the session cookie as a second credential. A request
 * with an Authorization header is judged by it alone (the header wins when both are sent); routes marked
 * `rootKeyOnly` (verification) never take a session.
 */
export function registerRootKeyAuth(server: Server, rootKeys: RootKeyService, sessions: SessionService): void {
  server.state(SESSION_COOKIE, {
    encoding: 'none',
    path: '/',
    isHttpOnly: true,
    isSameSite: 'Strict',
    isSecure: true,
    strictHeader: true,
    ignoreErrors: true,
    clearInvalid: false,
  });
  server.auth.scheme(ROOT_KEY_STRATEGY, () => ({
    authenticate: async (request, h) => {
      const app = request.route.settings.app as RouteApp | undefined;
      const required = app?.requiredScope;
      const what = `${request.method.toUpperCase()} ${request.route.path}`;
      const header = headerOf(request, 'authorization');
      const token = sessionTokenOf(request);
      if (header !== undefined || token === undefined || app?.rootKeyOnly) {
        const rootKey = await authenticateBearer(rootKeys, header, required, what);
        return h.authenticated({ credentials: { rootKey } });
      }
      const session = await authenticateSession(sessions, request, token);
      if (required && !session.scopes.includes(required)) {
        throw new PermissionError(`operator ${session.operator.email} (${session.role}) lacks the scope ${required} that ${what} needs`);
      }
      return h.authenticated({ credentials: { session, sessionToken: token } });
    },
  }));
  server.auth.strategy(ROOT_KEY_STRATEGY, ROOT_KEY_STRATEGY);
  server.auth.scheme(SESSION_STRATEGY, () => ({
    authenticate: async (request, h) => {
      const token = sessionTokenOf(request);
      if (token === undefined) throw new AuthenticationError('not signed in: POST /v1/auth/login first');
      const session = await authenticateSession(sessions, request, token);
      return h.authenticated({ credentials: { session, sessionToken: token } });
    },
  }));
  server.auth.strategy(SESSION_STRATEGY, SESSION_STRATEGY);
}

/** The signed-in session of a request that has one, and its cookie token. */
export function sessionOf(request: Request): { context: SessionContext; token: string } {
  const credentials = request.auth.credentials as { session?: SessionContext; sessionToken?: string };
  if (!credentials.session || !credentials.sessionToken) throw Boom.internal('route without session credentials');
  return { context: credentials.session, token: credentials.sessionToken };
}

/** The scopes the request's credential holds: its root key's, or the signed-in operator's role's. */
export function scopesOf(request: Request): readonly RootScope[] {
  const credentials = request.auth.credentials as { rootKey?: RootKey; session?: SessionContext };
  return credentials.rootKey?.scopes ?? credentials.session?.scopes ?? [];
}

/** The workspace and actor a management request acts for: its root key, or the signed-in operator. */
export function callerOf(request: Request): Caller {
  const credentials = request.auth.credentials as { rootKey?: RootKey; session?: SessionContext };
  if (credentials.session) return callerOfSession(credentials.session, requestIdOf(request));
  const rootKey = credentials.rootKey;
  if (!rootKey) throw Boom.internal('route without root-key credentials');
  return { workspaceId: rootKey.workspaceId, actor: { type: 'root_key', id: rootKey.id }, requestId: requestIdOf(request) };
}

const LOOPBACK_HOST = /^(localhost|127(\.\d{1,3}){3}|\[?::1\]?)$/i;

/**
 * Sets the session cookie: HttpOnly, SameSite=Strict, Path=/, and Secure unless the request came over
 * plain http to a loopback host (a browser drops a Secure cookie there, and nothing leaves the machine).
 */
export function setSessionCookie(request: Request, h: ResponseToolkit, token: string): void {
  const plainLoopback = request.server.info.protocol === 'http' && LOOPBACK_HOST.test(request.info.hostname);
  h.state(SESSION_COOKIE, token, { isSecure: !plainLoopback });
}

export function clearSessionCookie(request: Request, h: ResponseToolkit): void {
  const plainLoopback = request.server.info.protocol === 'http' && LOOPBACK_HOST.test(request.info.hostname);
  h.unstate(SESSION_COOKIE, { isSecure: !plainLoopback });
}
