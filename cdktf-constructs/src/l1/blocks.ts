import {
  type IResolvable,
  Tokenization,
  numberToHclTerraform,
  numberToTerraform,
  stringToHclTerraform,
  stringToTerraform,
} from '../cdk';

/**
 * The nested blocks shared by `keysmith_api_key` and `keysmith_quota_policy`, with their renderings for
 * Terraform JSON (snake_case keys) and for cdktf's HCL output.
 */

/** `rate_limit` block: at most `limit` requests per `windowSeconds`. */
export interface KeysmithRateLimitBlock {
  /** Requests allowed per window. */
  readonly limit: number;
  /** Length of the window in seconds. */
  readonly windowSeconds: number;
}

/** `quota` block: caps over rolling windows (24 h, 7 d, 30 d) and over all time. */
export interface KeysmithQuotaBlock {
  /** Requests allowed over the key's whole life. @default no cap */
  readonly total?: number;
  /** Requests allowed per rolling 24 hours. @default no cap */
  readonly daily?: number;
  /** Requests allowed per rolling 7 days. @default no cap */
  readonly weekly?: number;
  /** Requests allowed per rolling 30 days. @default no cap */
  readonly monthly?: number;
}

/** `credits` block: a balance each request spends, optionally refilled. */
export interface KeysmithCreditsBlock {
  /** Credits left. */
  readonly remaining: number;
  /** Credits added at each refill. @default no refill */
  readonly refillAmount?: number;
  /** Seconds between refills. @default no refill */
  readonly refillIntervalSeconds?: number;
}

/** `rotation` block of `keysmith_api_key`: durations as strings (`"90d"`, `"24h"`). */
export interface KeysmithRotationBlock {
  /** How often the secret is rotated (at least `"1h"`). */
  readonly every: string;
  /** How long the previous secret keeps working after a rotation. @default "0s" */
  readonly overlap?: string;
}

type Block<T> = T | IResolvable | undefined;

function passThrough<T>(block: Block<T>): block is IResolvable | undefined {
  return block === undefined || Tokenization.isResolvable(block);
}

function hclAttribute(value: unknown, storageClassType: string) {
  return { value, isBlock: false, type: 'simple', storageClassType };
}

function hclBlock(fields: Record<string, { value: unknown }>, storageClassType: string) {
  const value = Object.fromEntries(Object.entries(fields).filter(([, field]) => field.value !== undefined));
  return { value, isBlock: true, type: 'struct', storageClassType };
}

/** JSON rendering of a `rate_limit` block. */
export function rateLimitToTerraform(block: Block<KeysmithRateLimitBlock>): unknown {
  if (passThrough(block)) return block;
  return { limit: numberToTerraform(block.limit), window_seconds: numberToTerraform(block.windowSeconds) };
}

/** HCL rendering of a `rate_limit` block. */
export function rateLimitToHclTerraform(block: Block<KeysmithRateLimitBlock>): unknown {
  if (passThrough(block)) return block && hclAttribute(block, 'KeysmithRateLimit');
  return hclBlock(
    {
      limit: hclAttribute(numberToHclTerraform(block.limit), 'number'),
      window_seconds: hclAttribute(numberToHclTerraform(block.windowSeconds), 'number'),
    },
    'KeysmithRateLimit',
  );
}

/** JSON rendering of a `quota` block. */
export function quotaToTerraform(block: Block<KeysmithQuotaBlock>): unknown {
  if (passThrough(block)) return block;
  return {
    total: numberToTerraform(block.total),
    daily: numberToTerraform(block.daily),
    weekly: numberToTerraform(block.weekly),
    monthly: numberToTerraform(block.monthly),
  };
}

/** HCL rendering of a `quota` block. */
export function quotaToHclTerraform(block: Block<KeysmithQuotaBlock>): unknown {
  if (passThrough(block)) return block && hclAttribute(block, 'KeysmithQuota');
  return hclBlock(
    {
      total: hclAttribute(numberToHclTerraform(block.total), 'number'),
      daily: hclAttribute(numberToHclTerraform(block.daily), 'number'),
      weekly: hclAttribute(numberToHclTerraform(block.weekly), 'number'),
      monthly: hclAttribute(numberToHclTerraform(block.monthly), 'number'),
    },
    'KeysmithQuota',
  );
}

/** JSON rendering of a `credits` block. */
export function creditsToTerraform(block: Block<KeysmithCreditsBlock>): unknown {
  if (passThrough(block)) return block;
  return {
    remaining: numberToTerraform(block.remaining),
    refill_amount: numberToTerraform(block.refillAmount),
    refill_interval_seconds: numberToTerraform(block.refillIntervalSeconds),
  };
}

/** HCL rendering of a `credits` block. */
export function creditsToHclTerraform(block: Block<KeysmithCreditsBlock>): unknown {
  if (passThrough(block)) return block && hclAttribute(block, 'KeysmithCredits');
  return hclBlock(
    {
      remaining: hclAttribute(numberToHclTerraform(block.remaining), 'number'),
      refill_amount: hclAttribute(numberToHclTerraform(block.refillAmount), 'number'),
      refill_interval_seconds: hclAttribute(numberToHclTerraform(block.refillIntervalSeconds), 'number'),
    },
    'KeysmithCredits',
  );
}

/** JSON rendering of a `rotation` block. */
export function rotationToTerraform(block: Block<KeysmithRotationBlock>): unknown {
  if (passThrough(block)) return block;
  return { every: stringToTerraform(block.every), overlap: stringToTerraform(block.overlap) };
}

/** HCL rendering of a `rotation` block. */
export function rotationToHclTerraform(block: Block<KeysmithRotationBlock>): unknown {
  if (passThrough(block)) return block && hclAttribute(block, 'KeysmithRotation');
  return hclBlock(
    {
      every: hclAttribute(stringToHclTerraform(block.every), 'string'),
      overlap: hclAttribute(stringToHclTerraform(block.overlap), 'string'),
    },
    'KeysmithRotation',
  );
}

/** Drops attributes whose value is absent, as cdktf's HCL renderer expects. */
export function withoutAbsent(attributes: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(attributes).filter(
      ([, attribute]) => attribute !== undefined && (attribute as { value?: unknown }).value !== undefined,
    ),
  );
}
