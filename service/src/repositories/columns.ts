import { createHash } from 'node:crypto';
import type { Credits, LimitSettings, Quota } from '../domain/model';

/** Column mapping shared by the tables that carry limit settings (api_keys, quota_policies). */
export interface DbLimitColumns {
  rate_limit_limit: number | null;
  rate_limit_window_seconds: number | null;
  quota_total: number | null;
  quota_daily: number | null;
  quota_weekly: number | null;
  quota_monthly: number | null;
  credits_remaining: number | null;
  credits_refill_amount: number | null;
  credits_refill_interval_seconds: number | null;
}

export function limitsFromRow(row: DbLimitColumns): LimitSettings {
  const quota: Quota = {};
  if (row.quota_total !== null) quota.total = Number(row.quota_total);
  if (row.quota_daily !== null) quota.daily = Number(row.quota_daily);
  if (row.quota_weekly !== null) quota.weekly = Number(row.quota_weekly);
  if (row.quota_monthly !== null) quota.monthly = Number(row.quota_monthly);
  let credits: Credits | null = null;
  if (row.credits_remaining !== null) {
    credits = { remaining: Number(row.credits_remaining) };
    if (row.credits_refill_amount !== null && row.credits_refill_interval_seconds !== null) {
      credits.refill = { amount: Number(row.credits_refill_amount), intervalSeconds: row.credits_refill_interval_seconds };
    }
  }
  return {
    rateLimit:
      row.rate_limit_limit === null || row.rate_limit_window_seconds === null
        ? null
        : { limit: row.rate_limit_limit, windowSeconds: row.rate_limit_window_seconds },
    quota: Object.keys(quota).length > 0 ? quota : null,
    credits,
  };
}

export function limitsToRow(limits: LimitSettings): DbLimitColumns {
  return {
    rate_limit_limit: limits.rateLimit?.limit ?? null,
    rate_limit_window_seconds: limits.rateLimit?.windowSeconds ?? null,
    quota_total: limits.quota?.total ?? null,
    quota_daily: limits.quota?.daily ?? null,
    quota_weekly: limits.quota?.weekly ?? null,
    quota_monthly: limits.quota?.monthly ?? null,
    credits_remaining: limits.credits?.remaining ?? null,
    credits_refill_amount: limits.credits?.refill?.amount ?? null,
    credits_refill_interval_seconds: limits.credits?.refill?.intervalSeconds ?? null,
  };
}

export const toMillis = (date: Date | null): number | null => (date === null ? null : date.getTime());
export const fromMillis = (ms: number | string | null): Date | null => (ms === null ? null : new Date(Number(ms)));
export const fromMillisRequired = (ms: number | string): Date => new Date(Number(ms));

/** The uniqueness key of a name: case-insensitive, fixed width whatever the name's script. */
export function nameKey(name: string): string {
  return createHash('sha256').update(name.toLowerCase()).digest('hex');
}
