import { BlockList, isIPv4, isIPv6 } from 'node:net';
import { QUOTA_WINDOWS, type Environment, type QuotaWindow } from './model';

/** Result codes of a verification, in the order they are checked. */
export const VERIFY_CODES = [
  'INVALID',
  'REVOKED',
  'DISABLED',
  'EXPIRED',
  'IP_BLOCKED',
  'IP_NOT_ALLOWED',
  'FORBIDDEN',
  'PLAN_RATE_LIMITED',
  'RATE_LIMITED',
  'QUOTA_EXCEEDED',
  'VALID',
] as const;
export type VerifyCode = (typeof VERIFY_CODES)[number];

/**
 * The windows a QUOTA_EXCEEDED answer can name, in the order they are checked: the key's quota windows,
 * its credits, then the workspace's shared credit balance.
 */
export const EXHAUSTED_WINDOWS = [...QUOTA_WINDOWS, 'credits', 'balance'] as const;
export type ExhaustedWindow = (typeof EXHAUSTED_WINDOWS)[number];

export interface VerifyRequest {
  key: string;
  /** The client IP the calling service saw; needed for IP allow-lists and failed-attempt blocking. */
  ip?: string;
  resource?: string;
  scopes?: string[];
  /** Credits this request spends; 1 by default. Quotas and rate limits count requests, not cost. */
  cost?: number;
  endpoint?: string;
}

export interface QuotaState {
  window: QuotaWindow;
  limit: number;
  remaining: number;
  /** When the oldest reservation in the window leaves it (null for `total`, which never resets). */
  resetAt: string | null;
}

export interface VerifyResult {
  valid: boolean;
  code: VerifyCode;
  window?: ExhaustedWindow;
  keyId?: string;
  name?: string;
  environment?: Environment;
  scopes?: string[];
  metadata?: Record<string, unknown> | null;
  expiresAt?: string | null;
  ratelimit?: { limit: number; remaining: number; resetAt: string };
  quota?: QuotaState[];
  credits?: number;
}

/** A compiled IP allow-list: null when the list is empty (any address). */
export type IpMatcher = BlockList | null;

export function compileAllowlist(entries: string[]): IpMatcher {
  if (entries.length === 0) return null;
  const list = new BlockList();
  for (const entry of entries) {
    const [address, bits] = entry.split('/') as [string, string | undefined];
    const type = isIPv4(address) ? 'ipv4' : 'ipv6';
    if (bits === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(bits), type);
  }
  return list;
}

/**
 * Whether `ip`, spelled by `normaliseIp` (so `::ffff:10.0.0.1`, what a dual-stack socket reports, arrives
 * as the IPv4 address it is), is on the allow-list.
 */
export function ipAllowed(matcher: IpMatcher, ip: string | undefined): boolean {
  if (matcher === null) return true;
  if (ip === undefined) return false;
  if (isIPv4(ip)) return matcher.check(ip, 'ipv4');
  return isIPv6(ip) && matcher.check(ip, 'ipv6');
}

/** One spelling per address: `::ffff:10.0.0.1` (a dual-stack socket's view of an IPv4 client) is `10.0.0.1`. */
export function normaliseIp(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return mapped ? mapped[1]! : ip.toLowerCase();
}

/** Resource patterns: `*` matches any run of characters, everything else itself. Empty = every resource. */
export function compileResources(patterns: string[]): RegExp[] | null {
  if (patterns.length === 0) return null;
  return patterns.map((p) => new RegExp(`^${p.split('*').map(escapeRegExp).join('.*')}$`, 's'));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** FORBIDDEN unless the key holds every requested scope and, when a resource is named, a pattern matches it. */
export function permitted(key: { scopes: ReadonlySet<string>; resources: RegExp[] | null }, request: Pick<VerifyRequest, 'scopes' | 'resource'>): boolean {
  for (const scope of request.scopes ?? []) if (!key.scopes.has(scope)) return false;
  if (request.resource === undefined || key.resources === null) return true;
  const resource = request.resource;
  return key.resources.some((pattern) => pattern.test(resource));
}
