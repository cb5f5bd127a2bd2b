import { Duration } from './duration';
import type { KeysmithCreditsBlock, KeysmithQuotaBlock, KeysmithRateLimitBlock } from './l1/blocks';
import { checkDurationAtLeast, checkDurationAtMost, checkWholeNumber } from './validation';

/** At most `limit` requests per `window`. */
export interface RateLimit {
  /** Requests allowed per window (1 to 1,000,000,000). */
  readonly limit: number;
  /** Length of the window, from 1 second to 30 days (e.g. `Duration.minutes(1)`). */
  readonly window: Duration;
}

/** Request caps over rolling windows (24 h, 7 d, 30 d) and over all time; set at least one. */
export interface Quota {
  /** Requests allowed over the whole life of the key. @default no cap */
  readonly total?: number;
  /** Requests allowed per rolling 24 hours. @default no cap */
  readonly daily?: number;
  /** Requests allowed per rolling 7 days. @default no cap */
  readonly weekly?: number;
  /** Requests allowed per rolling 30 days. @default no cap */
  readonly monthly?: number;
}

/** A periodic top-up of a credit balance. */
export interface CreditRefill {
  /** Credits added at each refill (at least 1). */
  readonly amount: number;
  /** Time between refills, from 1 minute to 366 days. */
  readonly every: Duration;
}

/** A credit balance that each request spends. */
export interface Credits {
  /** Credits available now (at least 0). */
  readonly remaining: number;
  /** Periodic top-up. @default the balance is never refilled */
  readonly refill?: CreditRefill;
}

const QUOTA_WINDOWS = ['total', 'daily', 'weekly', 'monthly'] as const;

/** Validates a rate limit and renders it as the provider's `rate_limit` block. */
export function rateLimitBlock(path: string, rateLimit: RateLimit | undefined): KeysmithRateLimitBlock | undefined {
  if (rateLimit === undefined) return undefined;
  checkWholeNumber(`${path}.limit`, rateLimit.limit, 1, 1_000_000_000);
  checkDurationAtLeast(`${path}.window`, rateLimit.window, Duration.seconds(1));
  checkDurationAtMost(`${path}.window`, rateLimit.window, Duration.days(30), 'the longest window');
  if (rateLimit.window.isUnresolved()) {
    throw new Error(`${path}.window must be a known duration, got a token (the provider takes the window in seconds)`);
  }
  return { limit: rateLimit.limit, windowSeconds: rateLimit.window.toSeconds() };
}

/** Validates a quota and renders it as the provider's `quota` block. */
export function quotaBlock(path: string, quota: Quota | undefined): KeysmithQuotaBlock | undefined {
  if (quota === undefined) return undefined;
  const given = QUOTA_WINDOWS.filter((window) => quota[window] !== undefined);
  if (given.length === 0) {
    throw new Error(`${path} must set at least one of ${QUOTA_WINDOWS.join(', ')}, got none`);
  }
  for (const window of given) checkWholeNumber(`${path}.${window}`, quota[window], 0);
  return { total: quota.total, daily: quota.daily, weekly: quota.weekly, monthly: quota.monthly };
}

/** Validates credits and renders them as the provider's `credits` block. */
export function creditsBlock(path: string, credits: Credits | undefined): KeysmithCreditsBlock | undefined {
  if (credits === undefined) return undefined;
  checkWholeNumber(`${path}.remaining`, credits.remaining, 0);
  const refill = credits.refill;
  if (refill === undefined) return { remaining: credits.remaining };
  checkWholeNumber(`${path}.refill.amount`, refill.amount, 1);
  checkDurationAtLeast(`${path}.refill.every`, refill.every, Duration.minutes(1));
  checkDurationAtMost(`${path}.refill.every`, refill.every, Duration.days(366), 'the longest refill interval');
  if (refill.every.isUnresolved()) throw new Error(`${path}.refill.every must be a known duration, got a token`);
  return { remaining: credits.remaining, refillAmount: refill.amount, refillIntervalSeconds: refill.every.toSeconds() };
}
