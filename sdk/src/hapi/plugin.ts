import Boom from '@hapi/boom';
import type { Plugin, Request, ResponseToolkit, RouteSettings, Server, ServerAuthSchemeObject } from '@hapi/hapi';
import { ConnectionError, InternalServerError, RateLimitError } from '../errors';
import type { VerifyOptions, VerifyResult } from '../types';
import { answer, denial, rateLimitHeaders, UNAVAILABLE_MESSAGE } from './answers';
import { cacheKeyOf, PositiveCache, reusable } from './cache';
import { ClientAddress } from './clientAddress';
import {
  checkCost,
  checkResource,
  LIMITS,
  validateAccess,
  validatePluginOptions,
  type KeysmithAccess,
  type KeysmithPluginOptions,
  type PluginSettings,
} from './options';

/** The scheme's name, and the plugin's. */
export const SCHEME = 'keysmith';

/** `request.auth.credentials` of a request a Keysmith key authenticated. */
export type KeysmithCredentials = {
  keyId: string;
  name: string;
  scopes: string[];
  metadata: Record<string, unknown> | null;
  environment: NonNullable<VerifyResult['environment']>;
};

/** `request.auth.artifacts`: Keysmith's whole answer (rate limit, quota and credits after this request). */
export type KeysmithArtifacts = VerifyResult;

/**
 * Type parameters for hapi's generic `Request`/`server.route`, so handlers see typed credentials:
 * `server.route<KeysmithRefs>({ ..., handler: (request) => request.auth.credentials.keyId })`.
 */
export interface KeysmithRefs {
  AuthCredentialsExtra: KeysmithCredentials;
  AuthArtifactsExtra: KeysmithArtifacts;
}

/** Anything printable without spaces, at most what `POST /v1/verify` accepts; other values are never keys. */
const PLAUSIBLE_KEY = /^[\x21-\x7e]{1,152}$/;
const BEARER = /^Bearer(?:\s+(.*))?$/i;

/**
 * The Hapi plugin: registers the `keysmith` auth scheme. Then
 * `server.auth.strategy('keysmith', 'keysmith', { scopes?, resource?, cost? })`, and per route
 * `options.plugins.keysmith` replaces any of those three.
 */
export const keysmithAuth: Plugin<KeysmithPluginOptions> = {
  name: SCHEME,
  requirements: { hapi: '>=21.0.0' },
  register(server: Server, options: KeysmithPluginOptions) {
    const settings = validatePluginOptions(options);
    const shared = {
      settings,
      addresses: new ClientAddress(settings.trustedProxies),
      cache: settings.cacheTtlMs > 0 ? new PositiveCache(settings.cacheTtlMs, settings.now) : null,
    };
    server.auth.scheme(SCHEME, (_server, strategyOptions) => scheme(shared, validateAccess(strategyOptions, 'strategy options')));
    // A mistake in a route's plugins.keysmith fails the start, naming the route, not its first request.
    server.ext('onPreStart', () => {
      for (const route of server.table()) {
        const access = route.settings.plugins?.keysmith;
        if (access !== undefined) validateAccess(access, `route ${route.method.toUpperCase()} ${route.path}: plugins.keysmith`);
      }
    });
  },
};

interface Shared {
  settings: PluginSettings;
  addresses: ClientAddress;
  cache: PositiveCache | null;
}

function scheme(shared: Shared, strategy: KeysmithAccess): ServerAuthSchemeObject {
  const { settings, addresses, cache } = shared;
  const challenge = settings.header === 'authorization' ? 'Bearer' : 'ApiKey';
  // Strategy options merged with each route's, once per route.
  const accessByRoute = new WeakMap<RouteSettings, KeysmithAccess>();
  const accessOf = (request: Request): KeysmithAccess => {
    const route = request.route.settings;
    let access = accessByRoute.get(route);
    if (access === undefined) {
      const own = validateAccess(route.plugins?.keysmith, `route ${request.route.method.toUpperCase()} ${request.route.path}: plugins.keysmith`);
      access = { ...strategy, ...definedFields(own) };
      accessByRoute.set(route, access);
    }
    return access;
  };

  return {
    async authenticate(request: Request, h: ResponseToolkit) {
      const key = keyOf(request, settings.header);
      // No key: not ours to refuse, so hapi tries the route's next strategy (or answers 401 itself).
      if (key === null) throw Boom.unauthorized(null, challenge);
      const now = settings.now();
      if (!PLAUSIBLE_KEY.test(key)) throw denial({ valid: false, code: 'INVALID' }, now, challenge);
      const verifyOptions = verifyOptionsOf(request, accessOf(request), addresses);
      const cacheKey = cache ? cacheKeyOf(key, verifyOptions) : null;
      let result = cacheKey !== null ? cache!.get(cacheKey) : undefined;
      if (result === undefined) {
        try {
          result = await settings.client.verify(key, verifyOptions);
        } catch (err) {
          throw failure(request, err);
        }
        if (cacheKey !== null && reusable(result, verifyOptions.cost)) cache!.set(cacheKey, result);
      }
      if (!result.valid) throw denial(result, settings.now(), challenge);
      return h.authenticated({ credentials: credentialsOf(result), artifacts: result });
    },

    // The RateLimit fields go on every answer of an authenticated request, the handler's errors included.
    response(request: Request, h: ResponseToolkit) {
      const ratelimit = (request.auth.artifacts as Partial<VerifyResult>).ratelimit;
      if (ratelimit) {
        const headers = rateLimitHeaders(ratelimit, settings.now());
        const response = request.response;
        if (Boom.isBoom(response)) Object.assign(response.output.headers, headers);
        else for (const [name, value] of Object.entries(headers)) response.header(name, value);
      }
      return h.continue;
    },
  };
}

function keyOf(request: Request, header: PluginSettings['header']): string | null {
  const value = request.headers[header];
  if (typeof value !== 'string') return null;
  if (header === 'x-api-key') return value.trim() || null;
  // Another scheme (Basic, a session token) is for another strategy.
  const bearer = BEARER.exec(value.trim());
  return bearer?.[1]?.trim() || null;
}

function verifyOptionsOf(request: Request, access: KeysmithAccess, addresses: ClientAddress): VerifyOptions {
  const forwardedFor: unknown = request.headers['x-forwarded-for'];
  const ip = addresses.of(request.info.remoteAddress, typeof forwardedFor === 'string' ? forwardedFor : undefined);
  const where = `route ${request.route.method.toUpperCase()} ${request.route.path}: plugins.keysmith`;
  const resource = typeof access.resource === 'function' ? access.resource(request) : access.resource;
  const cost = typeof access.cost === 'function' ? checkCost(access.cost(request), `${where}.cost()`) : access.cost;
  return {
    // The route's pattern, not its URL: it groups the request log by endpoint and keeps ids out of it.
    endpoint: `${request.method.toUpperCase()} ${request.route.path}`.slice(0, LIMITS.endpointLength),
    ...(ip !== undefined ? { ip } : {}),
    ...(access.scopes !== undefined ? { scopes: [...access.scopes] } : {}),
    ...(resource !== undefined ? { resource: checkResource(resource, `${where}.resource()`) } : {}),
    ...(cost !== undefined ? { cost } : {}),
  };
}

function credentialsOf(result: VerifyResult): KeysmithCredentials {
  return {
    keyId: result.keyId!,
    name: result.name!,
    scopes: result.scopes ?? [],
    metadata: (result.metadata ?? null) as Record<string, unknown> | null,
    environment: result.environment!,
  };
}

/**
 * A verification that got no answer. Keysmith unreachable, failing (5xx) or throttling this service (429
 * after the client's retries): 503, fail closed, with Keysmith's `Retry-After` when it gave one. Anything
 * else (a wrong root key, one without `keys:verify`) is this service's misconfiguration: hapi answers 500
 * and logs it.
 */
function failure(request: Request, err: unknown): Error {
  if (err instanceof ConnectionError || err instanceof InternalServerError || err instanceof RateLimitError) {
    request.log([SCHEME, 'error'], err);
    const retryAfter = err instanceof ConnectionError ? undefined : err.headers['retry-after'];
    return answer(503, UNAVAILABLE_MESSAGE, retryAfter ? { 'Retry-After': retryAfter } : {}, { cause: err });
  }
  return err instanceof Error ? err : new Error(String(err));
}

function definedFields(access: KeysmithAccess): KeysmithAccess {
  return Object.fromEntries(Object.entries(access).filter(([, value]) => value !== undefined)) as KeysmithAccess;
}
