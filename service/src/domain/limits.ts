import {
  DEFAULT_RATE_LIMIT,
  QUOTA_WINDOWS,
  type Credits,
  type LimitSettings,
  type Quota,
  type RateLimit,
} from './model';

/** The limits that apply to a key: its own fields override its policy's, window by window for quotas. */
export interface EffectiveLimits {
  rateLimit: RateLimit;
  quota: Quota;
  credits: Credits | null;
}

export function effectiveLimits(key: LimitSettings, policy: LimitSettings | null): EffectiveLimits {
  const quota: Quota = {};
  for (const window of QUOTA_WINDOWS) {
    const limit = key.quota?.[window] ?? policy?.quota?.[window];
    if (limit !== undefined) quota[window] = limit;
  }
  return {
    rateLimit: key.rateLimit ?? policy?.rateLimit ?? DEFAULT_RATE_LIMIT,
    quota,
    credits: key.credits ?? policy?.credits ?? null,
  };
}
