// The quota policy form: the limits part of the key form, under a policy's name.
import type { CreateQuotaPolicyRequest, QuotaPolicy } from '../types';
import type { FieldSpec, Values } from './fields';
import { optionalInt } from './fields';
import { keyFields } from './keyForm';

const LIMIT_FIELDS = ['rateLimitLimit', 'rateLimitWindow', 'quotaTotal', 'quotaDaily', 'quotaWeekly', 'quotaMonthly', 'creditsMode', 'creditsRemaining', 'refillAmount', 'refillInterval'];

export function policyFields(): FieldSpec[] {
  const limits = keyFields({ create: false, policies: [] }).filter((f) => LIMIT_FIELDS.includes(f.name));
  return [
    { name: 'name', label: 'Name', required: true, section: 'Policy', hint: 'Unique in the workspace, e.g. "standard".', validate: (v) => (v.length > 255 ? 'Name must be at most 255 characters' : null) },
    ...limits.map((f) => (f.name === 'rateLimitLimit' ? { ...f, hint: 'Requests per window. Empty: keys use their own or 60 per minute.' } : f)),
  ];
}

export function policyValues(policy?: QuotaPolicy): Values {
  const n = (v: number | undefined) => (v === undefined ? '' : String(v));
  return {
    name: policy?.name ?? '',
    rateLimitLimit: policy?.rateLimit ? String(policy.rateLimit.limit) : '',
    rateLimitWindow: policy?.rateLimit ? String(policy.rateLimit.windowSeconds) : '60',
    quotaTotal: n(policy?.quota?.total), quotaDaily: n(policy?.quota?.daily),
    quotaWeekly: n(policy?.quota?.weekly), quotaMonthly: n(policy?.quota?.monthly),
    creditsMode: policy?.credits ? 'limited' : 'unlimited',
    creditsRemaining: policy?.credits ? String(policy.credits.remaining) : '',
    refillAmount: policy?.credits?.refill ? String(policy.credits.refill.amount) : '',
    refillInterval: policy?.credits?.refill ? String(policy.credits.refill.intervalSeconds) : '',
  };
}

export function policyRequest(values: Values): CreateQuotaPolicyRequest {
  const quota = Object.fromEntries(
    (['total', 'daily', 'weekly', 'monthly'] as const)
      .map((w) => [w, optionalInt(values[`quota${w[0]?.toUpperCase()}${w.slice(1)}`])] as const)
      .filter(([, v]) => v !== undefined),
  );
  const limit = optionalInt(values.rateLimitLimit);
  const refillAmount = optionalInt(values.refillAmount);
  return {
    name: (values.name ?? '').trim(),
    rateLimit: limit === undefined ? null : { limit, windowSeconds: Number(values.rateLimitWindow || 60) },
    quota: Object.keys(quota).length ? quota : null,
    credits: values.creditsMode === 'limited'
      ? { remaining: optionalInt(values.creditsRemaining) ?? 0, ...(refillAmount !== undefined && values.refillInterval ? { refill: { amount: refillAmount, intervalSeconds: Number(values.refillInterval) } } : {}) }
      : null,
  };
}
