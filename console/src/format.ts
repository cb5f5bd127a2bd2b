// Display helpers shared by the pages.
import type { Credits, Quota, RateLimit } from './types';

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return date.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

export function formatRelative(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return 'Never';
  const seconds = Math.round((new Date(iso).getTime() - now) / 1000);
  const units: [Intl.RelativeTimeFormatUnit, number][] = [['year', 31536000], ['month', 2592000], ['week', 604800], ['day', 86400], ['hour', 3600], ['minute', 60]];
  const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
  for (const [unit, size] of units) {
    if (Math.abs(seconds) >= size) return rtf.format(Math.round(seconds / size), unit);
  }
  return rtf.format(seconds, 'second');
}

export function formatNumber(n: number): string {
  return n.toLocaleString();
}

export function formatDuration(seconds: number): string {
  const units: [string, number][] = [['d', 86400], ['h', 3600], ['min', 60], ['s', 1]];
  for (const [unit, size] of units) {
    if (seconds >= size && seconds % size === 0) return `${seconds / size} ${unit}`;
  }
  return `${seconds} s`;
}

export function formatRateLimit(rateLimit: RateLimit | null | undefined): string {
  if (!rateLimit) return 'Default (60 / 1 min)';
  return `${formatNumber(rateLimit.limit)} / ${formatDuration(rateLimit.windowSeconds)}`;
}

export function formatQuota(quota: Quota | null | undefined): string {
  const parts = (['total', 'daily', 'weekly', 'monthly'] as const)
    .filter((w) => quota?.[w] !== undefined)
    .map((w) => `${w} ${formatNumber(quota?.[w] ?? 0)}`);
  return parts.length ? parts.join(', ') : 'Unlimited';
}

export function formatCredits(credits: Credits | null | undefined): string {
  if (!credits) return 'Unlimited';
  const refill = credits.refill ? ` (+${formatNumber(credits.refill.amount)} every ${formatDuration(credits.refill.intervalSeconds)})` : '';
  return `${formatNumber(credits.remaining)}${refill}`;
}

/** `operator:op_1` or `root:rk_1` as people read it. */
export function formatActor(actor: string): string {
  return actor.replace(/^operator:/, 'operator ').replace(/^root_?(key)?:/, 'root key ');
}
