import Boom from '@hapi/boom';
import type { VerifyResult } from '../types';

/**
 * What a protected API answers its caller for each verification result, as SPEC lists them, byte for
 * byte: `{"error": "<message>"}` with the status below. 401s carry `WWW-Authenticate`; 429s `Retry-After`
 * and the RateLimit fields of the window that denied.
 */
const MESSAGES = {
  INVALID: [401, 'Invalid API Key'],
  REVOKED: [401, 'Inactive API Key'],
  DISABLED: [401, 'Inactive API Key'],
  EXPIRED: [401, 'Expired API Key'],
  IP_BLOCKED: [403, 'IP temporarily blocked'],
  IP_NOT_ALLOWED: [403, 'IP not allowed'],
  FORBIDDEN: [403, 'Forbidden'],
  PLAN_RATE_LIMITED: [429, 'exceeded the per-minute rate limit on your subscription'],
  RATE_LIMITED: [429, 'Rate limit exceeded'],
} as const satisfies Partial<Record<VerifyResult['code'], readonly [number, string]>>;

/** The workspace's shared credit balance, not one of the key's own limits. */
export const BALANCE_MESSAGE = 'Rate limit exceeded: account balance used up';
/** Keysmith gave no answer: the request is refused (503), never let through unverified. */
export const UNAVAILABLE_MESSAGE = 'Service Unavailable';

type RateWindow = NonNullable<VerifyResult['ratelimit']>;

/** Whole seconds from `now` until `resetAt` (ISO time), rounded up: what `Retry-After` and `RateLimit-Reset` say. */
export function secondsUntil(resetAt: string, now: number): number {
  return Math.max(0, Math.ceil((Date.parse(resetAt) - now) / 1000));
}

/**
 * The RateLimit header fields of draft-ietf-httpapi-ratelimit-headers-06 (`RateLimit-Limit`,
 * `RateLimit-Remaining`, `RateLimit-Reset` in seconds), describing the rate-limit window Keysmith's answer
 * names. `RateLimit-Policy` is left out: the answer does not say how long the window is.
 */
export function rateLimitHeaders(window: RateWindow, now: number): Record<string, string> {
  const headers: Record<string, string> = { 'RateLimit-Limit': String(window.limit), 'RateLimit-Remaining': String(window.remaining) };
  // A rate window always ends somewhere; the schema it shares with `total` quotas allows none.
  if (typeof window.resetAt === 'string') headers['RateLimit-Reset'] = String(secondsUntil(window.resetAt, now));
  return headers;
}

/** An error hapi sends as exactly `{"error": message}` with these headers. */
export function answer(statusCode: number, message: string, headers: Record<string, string> = {}, data?: unknown): Boom.Boom {
  const error = new Boom.Boom(message, { statusCode, data });
  error.output.payload = { error: message } as unknown as Boom.Payload;
  Object.assign(error.output.headers, headers);
  return error;
}

/**
 * The answer to a result that is not valid. `challenge` is the `WWW-Authenticate` value of 401s. A code
 * this version does not know is refused as 403 Forbidden: an unknown "no" is still a no.
 */
export function denial(result: VerifyResult, now: number, challenge: string): Boom.Boom {
  const data = { code: result.code, ...(result.window !== undefined ? { window: result.window } : {}) };
  if (result.code === 'QUOTA_EXCEEDED') {
    const window: string = result.window ?? 'total';
    const message = window === 'balance' ? BALANCE_MESSAGE : `Rate limit exceeded: quota ${window}`;
    return answer(401, message, { 'WWW-Authenticate': challenge }, data);
  }
  const [status, message] = (MESSAGES as Record<string, readonly [number, string]>)[result.code] ?? MESSAGES.FORBIDDEN;
  if (status === 401) return answer(status, message, { 'WWW-Authenticate': challenge }, data);
  if (status === 429 && result.ratelimit) {
    const headers = rateLimitHeaders(result.ratelimit, now);
    const retryAfter = headers['RateLimit-Reset'];
    return answer(status, message, { ...(retryAfter !== undefined ? { 'Retry-After': retryAfter } : {}), ...headers }, data);
  }
  return answer(status, message, {}, data);
}
