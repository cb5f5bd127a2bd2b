import { ApiError, type Keysmith } from '@keysmith/sdk';
import { isIP } from 'node:net';
import type { AttributePath, Diagnostic, TfValue } from '../framework/contract';
import { attributeError, type Diagnostics } from '../framework/diagnostics';
import { errorText } from '../framework/core';
import type { CallContext } from '../framework/resource';
import type { AttributeSpec, BlockSpec, NestedBlockSpec } from '../framework/schema';

export type Ctx = CallContext<Keysmith>;

export const ENVIRONMENTS = ['production', 'preview', 'development'] as const;

const DURATION = /^(?:\d+[smhd])+$/;
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** `"90d"`, `"1h30m"`, `"3600s"` → seconds; null when the text is not a duration. */
export function parseDuration(text: string): number | null {
  if (!DURATION.test(text)) return null;
  let seconds = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+)([smhd])/g)) seconds += Number(amount) * UNIT_SECONDS[unit as string]!;
  return Number.isSafeInteger(seconds) ? seconds : null;
}

export const validateDuration = (value: TfValue, path: AttributePath): Diagnostic[] =>
  typeof value === 'string' && parseDuration(value) === null
    ? [attributeError(path, 'Invalid duration', `Expected a whole number followed by s, m, h or d, or a sum of them ("90d", "24h", "1h30m"), got "${value}".`)]
    : [];

export const validateEnvironment = (value: TfValue, path: AttributePath): Diagnostic[] =>
  typeof value === 'string' && !(ENVIRONMENTS as readonly string[]).includes(value)
    ? [attributeError(path, 'Unknown environment', `Expected one of ${ENVIRONMENTS.join(', ')}, got "${value}".`)]
    : [];

/** Each element an IP address or CIDR, as the service accepts them. */
export const validateIpList = (value: TfValue, path: AttributePath): Diagnostic[] =>
  Array.isArray(value)
    ? value.flatMap((entry, i) =>
        typeof entry === 'string' && !isIpOrCidr(entry)
          ? [attributeError([...path, i], 'Invalid IP address or CIDR', `Expected an IPv4/IPv6 address or a CIDR such as "10.0.0.0/8", got "${entry}".`)]
          : [],
      )
    : [];

function isIpOrCidr(text: string): boolean {
  const slash = text.indexOf('/');
  const address = slash === -1 ? text : text.slice(0, slash);
  const version = address.includes('%') ? 0 : isIP(address);
  if (version === 0) return false;
  if (slash === -1) return true;
  const prefix = text.slice(slash + 1);
  return /^(0|[1-9][0-9]{0,2})$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128);
}

/** A name as the service takes it: 1 to 255 characters, none of them surrounding spaces (it would trim them). */
export const validateName = (value: TfValue, path: AttributePath): Diagnostic[] =>
  typeof value === 'string' && (value.trim() !== value || value === '' || value.length > 255)
    ? [attributeError(path, 'Invalid name', `Expected 1 to 255 characters with no space at either end, got ${value.length}${value.trim() !== value ? ' with surrounding spaces' : ''}.`)]
    : [];

/** The service refuses a list that names an element twice. */
export const validateUnique = (value: TfValue, path: AttributePath): Diagnostic[] => {
  if (!Array.isArray(value)) return [];
  const seen = new Set<TfValue>();
  return value.flatMap((entry, i) => {
    if (typeof entry !== 'string') return [];
    const key = path[path.length - 1] === 'tags' ? entry.trim() : entry;
    if (seen.has(key)) return [attributeError([...path, i], 'Duplicate entry', `"${entry}" is already in the list.`)];
    seen.add(key);
    return [];
  });
};

const wholeNumber =
  (minimum: number) =>
  (value: TfValue, path: AttributePath): Diagnostic[] =>
    typeof value === 'number' && !(Number.isSafeInteger(value) && value >= minimum)
      ? [attributeError(path, minimum === 0 ? 'Negative number' : 'Number too small', `Expected a whole number of at least ${minimum}, got ${value}.`)]
      : [];

export const validateRfc3339 = (value: TfValue, path: AttributePath): Diagnostic[] =>
  typeof value === 'string' && (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(Date.parse(value)))
    ? [attributeError(path, 'Invalid time', `Expected an RFC 3339 time such as "2027-01-01T00:00:00Z", got "${value}".`)]
    : [];

/** Two spellings of one instant. */
export const sameInstant = (a: TfValue, b: TfValue): boolean => typeof a === 'string' && typeof b === 'string' && Date.parse(a) === Date.parse(b);

/** Two tag lists the service stores alike: it trims tags and keeps them sorted. */
export const sameTags = (a: TfValue, b: TfValue): boolean => {
  const norm = (v: TfValue): string | null => (Array.isArray(v) && v.every((t) => typeof t === 'string') ? JSON.stringify((v as string[]).map((t) => t.trim()).sort()) : null);
  const na = norm(a);
  return na !== null && na === norm(b);
};

/** Two spellings of one JSON value (key order and whitespace aside). */
export const sameJson = (a: TfValue, b: TfValue): boolean => {
  try {
    return typeof a === 'string' && typeof b === 'string' && canonicalJson(JSON.parse(a)) === canonicalJson(JSON.parse(b));
  } catch {
    return false;
  }
};

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export const validateJsonObject = (value: TfValue, path: AttributePath): Diagnostic[] => {
  if (typeof value !== 'string') return [];
  try {
    const parsed: unknown = JSON.parse(value);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return [];
  } catch {
    // reported below
  }
  return [attributeError(path, 'Invalid JSON object', 'Expected a JSON object such as {"team":"payments"}.')];
};

const number = (description: string, extra: Partial<AttributeSpec> = {}): AttributeSpec => ({ type: 'number', description, validate: wholeNumber(0), ...extra });

export const rateLimitBlock: NestedBlockSpec = {
  nesting: 'single',
  block: {
    description: 'At most `limit` verifications per `window_seconds`.',
    attributes: {
      limit: number('Verifications allowed per window.', { required: true, validate: wholeNumber(1) }),
      window_seconds: number('The window, in seconds.', { required: true, validate: wholeNumber(1) }),
    },
  },
};

export const quotaBlock: NestedBlockSpec = {
  nesting: 'single',
  block: {
    description: 'Verifications allowed in total and per calendar day, week and month.',
    attributes: {
      total: number('Verifications allowed over the key\'s life.', { optional: true }),
      daily: number('Verifications allowed per day.', { optional: true }),
      weekly: number('Verifications allowed per week.', { optional: true }),
      monthly: number('Verifications allowed per month.', { optional: true }),
    },
  },
};

export const creditsBlock: NestedBlockSpec = {
  nesting: 'single',
  block: {
    description: 'Credits spent by verifications, optionally refilled.',
    attributes: {
      remaining: number('Credits left.', { required: true }),
      refill_amount: number('Credits added at each refill.', { optional: true, validate: wholeNumber(1) }),
      refill_interval_seconds: number('Seconds between refills.', { optional: true, validate: wholeNumber(1) }),
    },
  },
};

export const limitBlocks = { rate_limit: rateLimitBlock, quota: quotaBlock, credits: creditsBlock } as const;

export interface RateLimitModel {
  limit: number;
  window_seconds: number;
}
export interface QuotaModel {
  total: number | null;
  daily: number | null;
  weekly: number | null;
  monthly: number | null;
}
export interface CreditsModel {
  remaining: number;
  refill_amount: number | null;
  refill_interval_seconds: number | null;
}
export interface LimitsModel {
  rate_limit: RateLimitModel | null;
  quota: QuotaModel | null;
  credits: CreditsModel | null;
}

interface ApiLimits {
  rateLimit: { limit: number; windowSeconds: number } | null;
  quota: { total?: number; daily?: number; weekly?: number; monthly?: number } | null;
  credits: { remaining: number; refill?: { amount: number; intervalSeconds: number } } | null;
}

/** The three limit blocks as the API takes them (null clears). */
export function limitsToApi(m: LimitsModel): ApiLimits {
  const quota: NonNullable<ApiLimits['quota']> = {};
  for (const k of ['total', 'daily', 'weekly', 'monthly'] as const) {
    const v = m.quota?.[k];
    if (typeof v === 'number') quota[k] = v;
  }
  const c = m.credits;
  return {
    rateLimit: m.rate_limit ? { limit: m.rate_limit.limit, windowSeconds: m.rate_limit.window_seconds } : null,
    quota: m.quota ? quota : null,
    credits: c
      ? {
          remaining: c.remaining,
          ...(c.refill_amount != null && c.refill_interval_seconds != null ? { refill: { amount: c.refill_amount, intervalSeconds: c.refill_interval_seconds } } : {}),
        }
      : null,
  };
}

/** The three limit blocks from an API object. */
export function limitsFromApi(a: ApiLimits): LimitsModel {
  const q = a.quota;
  return {
    rate_limit: a.rateLimit ? { limit: a.rateLimit.limit, window_seconds: a.rateLimit.windowSeconds } : null,
    quota: q ? { total: q.total ?? null, daily: q.daily ?? null, weekly: q.weekly ?? null, monthly: q.monthly ?? null } : null,
    credits: a.credits
      ? { remaining: a.credits.remaining, refill_amount: a.credits.refill?.amount ?? null, refill_interval_seconds: a.credits.refill?.intervalSeconds ?? null }
      : null,
  };
}

/** `refill_amount` and `refill_interval_seconds` go together; a `quota` block sets at least one limit. */
export function validateLimits(config: Partial<LimitsModel>, diagnostics: Diagnostics): void {
  const q = config.quota;
  if (q && q.total === null && q.daily === null && q.weekly === null && q.monthly === null) {
    diagnostics.error('Empty quota', 'A quota block sets at least one of total, daily, weekly or monthly; leave the block out for no quota.', ['quota']);
  }
  const c = config.credits;
  if (c && c.refill_amount !== undefined && c.refill_interval_seconds !== undefined && (c.refill_amount === null) !== (c.refill_interval_seconds === null)) {
    const missing = c.refill_amount === null ? 'refill_amount' : 'refill_interval_seconds';
    diagnostics.error('Incomplete credit refill', 'A refill needs both refill_amount and refill_interval_seconds.', ['credits', missing]);
  }
}

/** An empty list from the API stays null in state when the configuration left it out. */
export function listOrNull(values: readonly string[], before: readonly string[] | null | undefined): string[] | null {
  return values.length === 0 && (before === null || before === undefined) ? null : [...values];
}

export function isNotFound(err: unknown): boolean {
  return err instanceof ApiError && err.status === 404;
}

export function isConflict(err: unknown, code: string): boolean {
  return err instanceof ApiError && err.status === 409 && err.code === code;
}

/** A failed SDK call as an error diagnostic; the service's per-field problems go into its detail. */
export function reportFailure(diagnostics: Diagnostics, summary: string, err: unknown, path?: AttributePath): void {
  let detail = errorText(err);
  if (err instanceof ApiError && err.details?.length) detail += ` (${err.details.map((d) => `${d.field}: ${d.message}`).join('; ')})`;
  diagnostics.error(summary, detail, path);
}

/** Options for every SDK call: cancelled when Terraform stops the provider. */
export function callOptions(ctx: Ctx): { signal: AbortSignal } {
  return { signal: ctx.signal };
}

export type { BlockSpec };
