import type { Request, ResponseToolkit, Server, ServerRoute } from '@hapi/hapi';
import Joi from 'joi';
import type { Services } from '../../app';
import { OPERATOR_ROLES, ROOT_SCOPES } from '../../domain/model';
import { SLUG_PATTERN } from '../../domain/secrets';
import { csrfTokenFor, type NewSession, type SessionContext } from '../../services/sessions';
import { clearSessionCookie, SESSION_STRATEGY, sessionOf, setSessionCookie } from '../auth';
import { requestIdOf } from '../errors';
import { DEFAULT_MAX_BYTES } from '../route';

const role = Joi.string().valid(...OPERATOR_ROLES);

export const SessionSchema = Joi.object({
  operator: Joi.object({ id: Joi.string().required(), email: Joi.string().required(), name: Joi.string().required() }).required(),
  workspace: Joi.object({ id: Joi.string().required(), slug: Joi.string().required() }).required(),
  role: role.required(),
  scopes: Joi.array().items(Joi.string().valid(...ROOT_SCOPES)).required(),
  workspaces: Joi.array().items(Joi.object({ slug: Joi.string().required(), role: role.required() })).required(),
  csrfToken: Joi.string().required().description('Send as X-CSRF-Token on every POST, PATCH and DELETE made with this session.'),
  expiresAt: Joi.date().iso().required().description('When the session ends unless used before (idle timeout), or for good (absolute timeout).'),
}).label('Session');

/** Passwords are checked in bytes by the service (12–72: bcrypt reads only 72); this only bounds the body. */
const password = Joi.string().min(1).max(1024);
const email = Joi.string().trim().email({ tlds: false }).max(254);

const LoginPayload = Joi.object({
  email: email.required(),
  password: password.required(),
  workspace: Joi.string().pattern(SLUG_PATTERN).description('Slug of the workspace to act in (default: the first the operator joined).'),
}).label('LoginRequest');

const SetupPayload = Joi.object({
  token: Joi.string().max(128).required(),
  email: email.required(),
  name: Joi.string().trim().min(1).max(255).required(),
  password: password.required(),
}).label('SetupRequest');

const PasswordPayload = Joi.object({ currentPassword: password.required(), newPassword: password.required() }).label('ChangePasswordRequest');

function sessionBody(context: SessionContext, token: string): object {
  return {
    operator: context.operator,
    workspace: context.workspace,
    role: context.role,
    scopes: [...context.scopes],
    workspaces: context.memberships.map((m) => ({ slug: m.workspaceSlug, role: m.role })),
    csrfToken: csrfTokenFor(token),
    expiresAt: context.expiresAt,
  };
}

function signedIn(request: Request, h: ResponseToolkit, opened: NewSession, status: number) {
  setSessionCookie(request, h, opened.token);
  return h.response(sessionBody(opened.context, opened.token)).code(status).header('cache-control', 'no-store');
}

interface AuthRouteSpec {
  method: 'GET' | 'POST';
  path: string;
  operationId: string;
  description: string;
  /** false: no credential (sign-in, setup); else the session cookie. */
  auth: false | typeof SESSION_STRATEGY;
  validate?: { query?: Joi.Schema; payload?: Joi.Schema };
  responses: Record<number, Joi.Schema | null>;
  /** Error answers beyond those the route's shape implies, for the OpenAPI document. */
  errors?: Record<number, string>;
  handler: ServerRoute['handler'];
}

function authRoute(spec: AuthRouteSpec): ServerRoute {
  const status = Object.fromEntries(Object.entries(spec.responses).filter((entry): entry is [string, Joi.Schema] => entry[1] !== null));
  return {
    method: spec.method,
    path: spec.path,
    options: {
      id: spec.operationId,
      auth: spec.auth,
      app: { responses: spec.responses, ...(spec.errors ? { errors: spec.errors } : {}) },
      description: spec.description,
      tags: ['api'],
      validate: spec.validate ?? {},
      response: { status },
      ...(spec.method === 'POST' ? { payload: { maxBytes: DEFAULT_MAX_BYTES, allow: 'application/json', parse: true } } : {}),
    },
    handler: spec.handler!,
  };
}

/** Sign-in, the session, sign-out, password change and the first owner's setup: `/v1/auth/*`. */
export function registerAuthRoutes(server: Server, services: Services): void {
  const { sessions } = services;
  server.route([
    authRoute({
      method: 'POST',
      path: '/v1/auth/login',
      operationId: 'login',
      description: 'Sign in as an operator: sets the keysmith_session cookie and answers the session (with its csrfToken).',
      auth: false,
      validate: { payload: LoginPayload },
      responses: { 200: SessionSchema },
      errors: {
        401: 'INVALID_CREDENTIALS: email or password is incorrect (one message for both)',
        429: 'LOGIN_THROTTLED: too many failed sign-ins from this address or for this account; retry after Retry-After seconds',
      },
      handler: async (request, h) => {
        const opened = await sessions.login(request.payload as { email: string; password: string; workspace?: string }, request.info.remoteAddress);
        return signedIn(request, h, opened, 200);
      },
    }),
    authRoute({
      method: 'GET',
      path: '/v1/auth/session',
      operationId: 'getSession',
      description: 'The signed-in operator, their workspace, role and scopes, and the csrfToken; 401 when not signed in.',
      auth: SESSION_STRATEGY,
      responses: { 200: SessionSchema },
      handler: (request, h) => {
        const { context, token } = sessionOf(request);
        return h.response(sessionBody(context, token)).header('cache-control', 'no-store');
      },
    }),
    authRoute({
      method: 'POST',
      path: '/v1/auth/logout',
      operationId: 'logout',
      description: 'Ends the session and clears its cookie. Needs X-CSRF-Token.',
      auth: SESSION_STRATEGY,
      responses: { 204: null },
      errors: { 403: 'CSRF_FAILED: X-CSRF-Token missing or wrong' },
      handler: async (request, h) => {
        await sessions.logout(sessionOf(request).context);
        clearSessionCookie(request, h);
        return h.response().code(204);
      },
    }),
    authRoute({
      method: 'POST',
      path: '/v1/auth/password',
      operationId: 'changePassword',
      description: "Changes the operator's password (12–72 bytes); every other session of theirs ends. Needs X-CSRF-Token.",
      auth: SESSION_STRATEGY,
      validate: { payload: PasswordPayload },
      responses: { 204: null },
      errors: {
        403: 'CSRF_FAILED: X-CSRF-Token missing or wrong',
        429: "LOGIN_THROTTLED: too many wrong passwords for this operator (sign-ins and password checks count together); retry after Retry-After seconds",
      },
      handler: async (request, h) => {
        await sessions.changePassword(sessionOf(request).context, request.payload as { currentPassword: string; newPassword: string }, requestIdOf(request));
        return h.response().code(204);
      },
    }),
    authRoute({
      method: 'GET',
      path: '/v1/auth/setup',
      operationId: 'checkSetupToken',
      description: 'Whether a first-owner setup token is still good (unused, under 24 hours old), and for which workspace.',
      auth: false,
      validate: { query: Joi.object({ token: Joi.string().max(128).required() }) },
      responses: { 200: Joi.object({ valid: Joi.boolean().valid(true).required(), workspace: Joi.object({ id: Joi.string().required(), slug: Joi.string().required() }).required() }).label('SetupTokenStatus') },
      errors: { 404: 'the token is unknown, used or expired' },
      handler: async (request, h) => {
        const workspace = await sessions.checkSetupToken((request.query as { token: string }).token);
        return h.response({ valid: true, workspace }).header('cache-control', 'no-store');
      },
    }),
    authRoute({
      method: 'POST',
      path: '/v1/auth/setup',
      operationId: 'setupFirstOwner',
      description: 'Creates the first owner of a workspace from its one-time setup token (single use, 24 hours) and signs them in.',
      auth: false,
      validate: { payload: SetupPayload },
      responses: { 201: SessionSchema },
      errors: { 404: 'the token is unknown, used or expired', 409: 'OPERATOR_EXISTS: an operator has this email' },
      handler: async (request, h) => {
        const opened = await sessions.setup(request.payload as { token: string; email: string; name: string; password: string });
        return signedIn(request, h, opened, 201);
      },
    }),
  ]);
}
