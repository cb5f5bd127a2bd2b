import { createHash } from 'node:crypto';
import type { VerifyOptions, VerifyResult } from '../types';

/** Fields of a VALID answer that describe the key; any other field is state a call may have consumed. */
const IDENTITY_FIELDS = new Set(['valid', 'code', 'keyId', 'name', 'environment', 'scopes', 'metadata', 'expiresAt']);

/**
 * Whether a VALID answer may be reused. A cached answer is not counted by Keysmith, so reusing one whose
 * call consumed something (a rate-limit unit, a quota unit, credits, the workspace balance) would admit
 * requests past those limits. Reusable: cost 0 (nothing drawn from credits or the balance) and an answer
 * that names no rate limit, quota or credits (nothing counted). The test is on the answer's fields, so a
 * field a later service adds is treated as consumed state until this code learns otherwise.
 */
export function reusable(result: VerifyResult, cost: number | undefined): boolean {
  if (!result.valid || cost !== 0) return false;
  for (const field of Object.keys(result)) if (!IDENTITY_FIELDS.has(field)) return false;
  return true;
}

/** The cache entry's name: everything the answer depends on, the secret only as a SHA-256. */
export function cacheKeyOf(key: string, options: VerifyOptions): string {
  const { ip, resource, scopes, cost } = options;
  return createHash('sha256').update(JSON.stringify([key, ip ?? null, resource ?? null, scopes ?? null, cost ?? null])).digest('base64');
}

/**
 * VALID answers kept for `ttlMs` (never past the key's own `expiresAt`), at most `maxEntries`, the oldest
 * dropped first. Only positive answers are kept: every INVALID must reach Keysmith, which counts failed
 * attempts per address to block brute force.
 */
export class PositiveCache {
  private readonly entries = new Map<string, { result: VerifyResult; until: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number,
    private readonly maxEntries = 10_000,
  ) {}

  get(name: string): VerifyResult | undefined {
    const entry = this.entries.get(name);
    if (entry === undefined) return undefined;
    if (this.now() >= entry.until) {
      this.entries.delete(name);
      return undefined;
    }
    return entry.result;
  }

  set(name: string, result: VerifyResult): void {
    const now = this.now();
    const expiresAt = result.expiresAt ? Date.parse(result.expiresAt) : Infinity;
    const until = Math.min(now + this.ttlMs, expiresAt);
    if (until <= now) return;
    this.entries.delete(name);
    this.entries.set(name, { result, until });
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  get size(): number {
    return this.entries.size;
  }
}
