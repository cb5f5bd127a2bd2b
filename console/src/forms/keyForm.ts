// The API key form: one field list for create and edit, and the mapping between its values and the API.
import type { CreateKeyRequest, Key, QuotaPolicy, UpdateKeyRequest } from '../types';
import type { FieldSpec, Values } from './fields';
import { checkIpLines, checkJsonObject, lines, list, optionalInt } from './fields';

const WINDOWS = [
  { value: '1', label: 'per second' },
  { value: '60', label: 'per minute' },
  { value: '3600', label: 'per hour' },
  { value: '86400', label: 'per day' },
];

const REFILL = [
  { value: '', label: 'No refill' },
  { value: '3600', label: 'Every hour' },
  { value: '86400', label: 'Every day' },
  { value: '604800', label: 'Every week' },
  { value: '2592000', label: 'Every 30 days' },
];

export const EXPIRATION = [
  { value: 'never', label: 'Never' },
  { value: '3600', label: '1 hour' },
  { value: '86400', label: '1 day' },
  { value: '604800', label: '1 week' },
  { value: '2592000', label: '1 month' },
  { value: 'date', label: 'A date' },
];

const limited = (v: Values) => v.creditsMode === 'limited';

function checkFutureDate(value: string): string | null {
  const when = new Date(value);
  if (Number.isNaN(when.getTime())) return 'Pick a date and time';
  return when.getTime() <= Date.now() ? 'The expiration must be in the future' : null;
}

export function keyFields(options: { create: boolean; policies: QuotaPolicy[]; keepExpiration?: boolean }): FieldSpec[] {
  const fields: FieldSpec[] = [
    { name: 'name', section: 'Key', label: 'Name', required: true, max: 255, hint: 'Unique in the workspace, e.g. "Webshop integration".', validate: (v) => (v.length > 255 ? 'Name must be at most 255 characters' : null) },
  ];
  if (options.create) {
    fields.push({
      name: 'environment', section: 'Key', label: 'Environment', kind: 'select',
      options: [{ value: 'production', label: 'Production' }, { value: 'preview', label: 'Preview' }, { value: 'development', label: 'Development' }],
      hint: 'Part of the secret\'s text (live, prev, dev); it cannot change later.',
    });
  }
  fields.push(
    { name: 'scopes', section: 'Key', label: 'Permissions', path: 'scopes', placeholder: 'push:send, push:read', hint: 'Comma-separated, e.g. push:send. Verification can require them.' },
    { name: 'group', section: 'Key', label: 'Group', placeholder: 'default', hint: 'For usage roll-ups; empty = default.' },
    { name: 'tags', section: 'Key', label: 'Tags', placeholder: 'customer, internal', hint: 'Comma-separated labels; no effect on behaviour.' },
    { name: 'rateLimitLimit', section: 'Limits', label: 'Rate limit', kind: 'number', min: 1, path: 'rateLimit', placeholder: '60', hint: 'Requests per window. Empty: the policy\'s, otherwise 60 per minute.' },
    { name: 'rateLimitWindow', section: 'Limits', label: 'Rate limit window', kind: 'select', path: 'rateLimit.windowSeconds', options: WINDOWS },
    { name: 'quotaTotal', section: 'Limits', label: 'Total quota', kind: 'number', path: 'quota.total', hint: 'All-time requests. Empty = unlimited.' },
    { name: 'quotaDaily', section: 'Limits', label: 'Daily quota', kind: 'number', path: 'quota.daily', hint: 'Per rolling 24 hours.' },
    { name: 'quotaWeekly', section: 'Limits', label: 'Weekly quota', kind: 'number', path: 'quota.weekly', hint: 'Per rolling 7 days.' },
    { name: 'quotaMonthly', section: 'Limits', label: 'Monthly quota', kind: 'number', path: 'quota.monthly', hint: 'Per rolling 30 days.' },
    { name: 'creditsMode', section: 'Limits', label: 'Credits', kind: 'select', path: 'credits', options: [{ value: 'unlimited', label: 'Unlimited' }, { value: 'limited', label: 'Limited' }] },
    { name: 'creditsRemaining', section: 'Limits', label: 'Credits remaining', kind: 'number', required: true, path: 'credits.remaining', visible: limited },
    { name: 'refillAmount', section: 'Limits', label: 'Refill amount', kind: 'number', path: 'credits.refill.amount', visible: limited, validate: (v, all) => (v && !all.refillInterval ? 'Choose how often to refill' : null) },
    { name: 'refillInterval', section: 'Limits', label: 'Refill interval', kind: 'select', path: 'credits.refill.intervalSeconds', options: REFILL, visible: limited },
    { name: 'resources', section: 'Restrictions', label: 'Allowed resources', kind: 'lines', placeholder: 'models/gpt-*', hint: 'One pattern per line; * matches anything. Empty = all resources.' },
    { name: 'ipAllowlist', section: 'Restrictions', label: 'IP allow-list', kind: 'lines', live: true, placeholder: '203.0.113.7\n10.0.0.0/8', hint: 'One IPv4/IPv6 address or CIDR block per line. Empty = any IP.', validate: checkIpLines },
    { name: 'expiration', section: 'Restrictions', label: 'Expiration', kind: 'select', path: 'expiresAt', options: options.keepExpiration ? [{ value: 'keep', label: 'Keep the current expiration' }, ...EXPIRATION] : EXPIRATION },
    { name: 'expiresAt', section: 'Restrictions', label: 'Expires at', kind: 'datetime-local', required: true, visible: (v) => v.expiration === 'date', validate: checkFutureDate },
    {
      name: 'quotaPolicyId', section: 'Limits', label: 'Quota policy', kind: 'select',
      options: [{ value: '', label: 'None' }, ...options.policies.map((p) => ({ value: p.id, label: p.name }))],
      hint: 'A reusable bundle of limits; the key\'s own fields above override it.',
    },
    { name: 'metadata', section: 'Metadata', label: 'Metadata', kind: 'textarea', placeholder: '{"plan": "pro"}', hint: 'A JSON object of at most 4 KiB, returned by verification.', validate: checkJsonObject },
  );
  return fields;
}

export function emptyKeyValues(): Values {
  return { name: '', environment: 'production', rateLimitWindow: '60', creditsMode: 'unlimited', expiration: 'never', quotaPolicyId: '' };
}

function toLocalInput(iso: string): string {
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function keyValues(key: Key): Values {
  const n = (v: number | undefined) => (v === undefined ? '' : String(v));
  return {
    name: key.name,
    scopes: key.scopes.join(', '),
    group: key.group === 'default' ? '' : key.group,
    tags: key.tags.join(', '),
    rateLimitLimit: key.rateLimit ? String(key.rateLimit.limit) : '',
    rateLimitWindow: key.rateLimit ? String(key.rateLimit.windowSeconds) : '60',
    quotaTotal: n(key.quota?.total),
    quotaDaily: n(key.quota?.daily),
    quotaWeekly: n(key.quota?.weekly),
    quotaMonthly: n(key.quota?.monthly),
    creditsMode: key.credits ? 'limited' : 'unlimited',
    creditsRemaining: key.credits ? String(key.credits.remaining) : '',
    refillAmount: key.credits?.refill ? String(key.credits.refill.amount) : '',
    refillInterval: key.credits?.refill ? String(key.credits.refill.intervalSeconds) : '',
    resources: key.resources.join('\n'),
    ipAllowlist: key.ipAllowlist.join('\n'),
    expiration: key.expiresAt ? 'keep' : 'never',
    expiresAt: key.expiresAt ? toLocalInput(key.expiresAt) : '',
    quotaPolicyId: key.quotaPolicyId ?? '',
    metadata: key.metadata ? JSON.stringify(key.metadata, null, 2) : '',
  };
}

function expiresAt(values: Values, now: number): string | null | undefined {
  if (values.expiration === 'keep') return undefined;
  if (values.expiration === 'never' || !values.expiration) return null;
  if (values.expiration === 'date') return new Date(values.expiresAt ?? '').toISOString();
  return new Date(now + Number(values.expiration) * 1000).toISOString();
}

/** The settings every key form sends, with null for what is cleared. */
function settings(values: Values, now: number): UpdateKeyRequest {
  const quota = {
    total: optionalInt(values.quotaTotal), daily: optionalInt(values.quotaDaily),
    weekly: optionalInt(values.quotaWeekly), monthly: optionalInt(values.quotaMonthly),
  };
  const quotaSet = Object.fromEntries(Object.entries(quota).filter(([, v]) => v !== undefined));
  const limit = optionalInt(values.rateLimitLimit);
  const refillAmount = optionalInt(values.refillAmount);
  const body: UpdateKeyRequest = {
    name: (values.name ?? '').trim(),
    scopes: list(values.scopes),
    group: (values.group ?? '').trim() || 'default',
    tags: list(values.tags),
    rateLimit: limit === undefined ? null : { limit, windowSeconds: Number(values.rateLimitWindow || 60) },
    quota: Object.keys(quotaSet).length ? quotaSet : null,
    credits: values.creditsMode === 'limited'
      ? { remaining: optionalInt(values.creditsRemaining) ?? 0, ...(refillAmount !== undefined && values.refillInterval ? { refill: { amount: refillAmount, intervalSeconds: Number(values.refillInterval) } } : {}) }
      : null,
    resources: lines(values.resources),
    ipAllowlist: lines(values.ipAllowlist),
    quotaPolicyId: values.quotaPolicyId || null,
    metadata: (values.metadata ?? '').trim() ? (JSON.parse(values.metadata ?? '') as Record<string, unknown>) : null,
  };
  const expiry = expiresAt(values, now);
  if (expiry !== undefined) body.expiresAt = expiry;
  return body;
}

export function createRequest(values: Values, now = Date.now()): CreateKeyRequest {
  const body = settings(values, now);
  return { ...body, name: body.name ?? '', environment: (values.environment || 'production') as CreateKeyRequest['environment'] };
}

/** Only what the operator changed, so an edit never resets what it did not touch (such as credits). */
export function updateRequest(values: Values, original: Values, now = Date.now()): UpdateKeyRequest {
  const next = settings(values, now) as Record<string, unknown>;
  const before = settings(original, now) as Record<string, unknown>;
  const changed: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(next)) {
    if (JSON.stringify(value) !== JSON.stringify(before[field]) || (field === 'expiresAt' && values.expiration !== original.expiration)) changed[field] = value;
  }
  return changed as UpdateKeyRequest;
}
