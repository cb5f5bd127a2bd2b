import type { Request } from '@hapi/hapi';
import type { Keysmith } from '../client';
import { parseCidr } from './clientAddress';

/** The request header callers put their key in. */
export type KeyHeader = 'x-api-key' | 'authorization';

/** Options of `server.register({ plugin: keysmithAuth, options })`, checked when the plugin is registered. */
export interface KeysmithPluginOptions {
  /** Asks Keysmith: a `Keysmith` client (only its `verify` is used). */
  readonly client: Pick<Keysmith, 'verify'>;
  /**
   * Where callers send their key: `x-api-key: <key>`, or `authorization: Bearer <key>`.
   * @default 'x-api-key'
   */
  readonly header?: KeyHeader;
  /**
   * Proxies (addresses and CIDRs) whose `X-Forwarded-For` is believed, read right to left. Keysmith matches
   * IP allow-lists and blocks brute-forcing addresses with the client address found this way.
   * @default [] — the socket's peer is the client and `X-Forwarded-For` is ignored
   */
  readonly trustedProxies?: readonly string[];
  /**
   * How long (ms) a VALID answer may be reused for the same key, address and access without asking Keysmith.
   * Only answers that consumed nothing are kept (no rate limit, quota or credits, and cost 0), and a revoked
   * key stays usable for up to this long. See "Protecting a Hapi service" in the SDK docs.
   * @default 0 — off
   */
  readonly cacheTtlMs?: number;
  /**
   * The clock (epoch ms) that turns Keysmith's `resetAt` into `Retry-After` / `RateLimit-Reset` seconds and
   * ages the cache. Tests that move the service's clock pass the same one here.
   * @default Date.now
   */
  readonly now?: () => number;
}

/**
 * What a request must be allowed to do: the options of `server.auth.strategy(name, 'keysmith', access)`,
 * and of a route's `options.plugins.keysmith`, whose fields replace the strategy's one by one.
 */
export interface KeysmithAccess {
  /** Scopes the key must hold, all of them; Keysmith answers FORBIDDEN otherwise. @default none */
  readonly scopes?: readonly string[];
  /**
   * The resource the request touches, matched against the key's resource patterns (`models/gpt-*`); a
   * function receives the request (params, query and headers are known, the payload is not yet).
   * @default none — any key's patterns allow it
   */
  readonly resource?: string | ((request: Request) => string | undefined);
  /** Credits the request spends (an integer 0–1,000,000), or a function of the request. @default 1 (Keysmith's default) */
  readonly cost?: number | ((request: Request) => number);
}

declare module '@hapi/hapi' {
  interface PluginSpecificConfiguration {
    /** Per-route access for the `keysmith` auth scheme: replaces the strategy's `scopes`, `resource`, `cost`. */
    keysmith?: KeysmithAccess;
  }
}

/** Plugin options after validation, with defaults applied. */
export interface PluginSettings {
  client: Pick<Keysmith, 'verify'>;
  header: KeyHeader;
  trustedProxies: string[];
  cacheTtlMs: number;
  now: () => number;
}

/** Keysmith's own bounds on a verification (`POST /v1/verify`), so a request is never refused there as malformed. */
export const LIMITS = { scopes: 64, scopeLength: 128, resourceLength: 512, maxCost: 1_000_000, endpointLength: 255 } as const;
const MAX_CACHE_TTL_MS = 3_600_000;
const PLUGIN_OPTIONS = ['client', 'header', 'trustedProxies', 'cacheTtlMs', 'now'];
const ACCESS_OPTIONS = ['scopes', 'resource', 'cost'];

/** A configuration mistake, thrown at registration (or at start, for routes), naming the option. */
export class KeysmithOptionsError extends Error {
  constructor(message: string) {
    super(`@keysmith/sdk/hapi: ${message}`);
    this.name = 'KeysmithOptionsError';
  }
}

const shown = (value: unknown): string =>
  typeof value === 'function' ? 'a function' : value === undefined ? 'undefined' : Array.isArray(value) ? `an array` : JSON.stringify(value) ?? typeof value;

function rejectUnknown(given: object, known: string[], where: string): void {
  for (const name of Object.keys(given)) {
    if (!known.includes(name)) throw new KeysmithOptionsError(`${where}.${name} is not an option (known: ${known.join(', ')})`);
  }
}

/** Checks the plugin's options and applies their defaults; throws `KeysmithOptionsError` naming the first wrong one. */
export function validatePluginOptions(options: unknown): PluginSettings {
  if (typeof options !== 'object' || options === null) {
    throw new KeysmithOptionsError(`options must be an object with at least a client, got ${shown(options)}`);
  }
  rejectUnknown(options, PLUGIN_OPTIONS, 'options');
  const given = options as Partial<Record<keyof KeysmithPluginOptions, unknown>>;
  const client = given.client as { verify?: unknown } | undefined;
  if (typeof client !== 'object' || client === null || typeof client.verify !== 'function') {
    throw new KeysmithOptionsError(`options.client must be a Keysmith client (an object with a verify method), got ${shown(given.client)}`);
  }
  const header = given.header ?? 'x-api-key';
  if (header !== 'x-api-key' && header !== 'authorization') {
    throw new KeysmithOptionsError(`options.header must be 'x-api-key' or 'authorization', got ${shown(header)}`);
  }
  const trustedProxies = given.trustedProxies ?? [];
  if (!Array.isArray(trustedProxies)) {
    throw new KeysmithOptionsError(`options.trustedProxies must be an array of addresses and CIDRs, got ${shown(trustedProxies)}`);
  }
  trustedProxies.forEach((entry: unknown, i) => {
    if (typeof entry !== 'string' || parseCidr(entry) === null) {
      throw new KeysmithOptionsError(`options.trustedProxies[${i}] must be an IP address or CIDR such as 10.0.0.0/8, got ${shown(entry)}`);
    }
  });
  const cacheTtlMs = given.cacheTtlMs ?? 0;
  if (typeof cacheTtlMs !== 'number' || !Number.isInteger(cacheTtlMs) || cacheTtlMs < 0 || cacheTtlMs > MAX_CACHE_TTL_MS) {
    throw new KeysmithOptionsError(`options.cacheTtlMs must be an integer from 0 (off) to ${MAX_CACHE_TTL_MS} ms, got ${shown(cacheTtlMs)}`);
  }
  const now = given.now ?? Date.now;
  if (typeof now !== 'function') throw new KeysmithOptionsError(`options.now must be a function returning epoch ms, got ${shown(now)}`);
  return {
    client: client as Pick<Keysmith, 'verify'>,
    header,
    trustedProxies: [...(trustedProxies as string[])],
    cacheTtlMs,
    now: now as () => number,
  };
}

/** Checks strategy options or a route's `plugins.keysmith`; `where` names them in messages. */
export function validateAccess(access: unknown, where: string): KeysmithAccess {
  if (access === undefined || access === null) return {};
  if (typeof access !== 'object' || Array.isArray(access)) throw new KeysmithOptionsError(`${where} must be an object, got ${shown(access)}`);
  rejectUnknown(access, ACCESS_OPTIONS, where);
  const { scopes, resource, cost } = access as Record<string, unknown>;
  if (scopes !== undefined) {
    if (!Array.isArray(scopes) || scopes.length > LIMITS.scopes) {
      throw new KeysmithOptionsError(`${where}.scopes must be an array of at most ${LIMITS.scopes} scopes, got ${shown(scopes)}`);
    }
    scopes.forEach((scope: unknown, i) => {
      if (typeof scope !== 'string' || scope.length === 0 || scope.length > LIMITS.scopeLength) {
        throw new KeysmithOptionsError(`${where}.scopes[${i}] must be a scope name of 1–${LIMITS.scopeLength} characters, got ${shown(scope)}`);
      }
    });
  }
  if (resource !== undefined && typeof resource !== 'function') checkResource(resource, `${where}.resource`);
  if (cost !== undefined && typeof cost !== 'function') checkCost(cost, `${where}.cost`);
  return access as KeysmithAccess;
}

/** A resource name Keysmith accepts, or a `KeysmithOptionsError` naming `where`. */
export function checkResource(resource: unknown, where: string): string {
  if (typeof resource !== 'string' || resource.length === 0 || resource.length > LIMITS.resourceLength) {
    throw new KeysmithOptionsError(`${where} must be a string of 1–${LIMITS.resourceLength} characters or a function of the request, got ${shown(resource)}`);
  }
  return resource;
}

/** A cost Keysmith accepts, or a `KeysmithOptionsError` naming `where`. */
export function checkCost(cost: unknown, where: string): number {
  if (typeof cost !== 'number' || !Number.isInteger(cost) || cost < 0 || cost > LIMITS.maxCost) {
    throw new KeysmithOptionsError(`${where} must be an integer from 0 to ${LIMITS.maxCost} or a function of the request, got ${shown(cost)}`);
  }
  return cost;
}
