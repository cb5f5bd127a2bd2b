import type { ApiKey, KeyStatus, StoredApiKey } from './model';

/** Revoked and disabled win over expiry; expiry is decided by the clock, not stored. */
export function keyStatus(key: Pick<StoredApiKey, 'state' | 'expiresAt'>, now: Date): KeyStatus {
  if (key.state !== 'active') return key.state;
  if (key.expiresAt !== null && key.expiresAt.getTime() <= now.getTime()) return 'expired';
  return 'active';
}

export function toApiKey(stored: StoredApiKey, now: Date): ApiKey {
  const { state, ...rest } = stored;
  return { ...rest, status: keyStatus({ state, expiresAt: stored.expiresAt }, now) };
}

/** A JSON-safe copy for audit rows (dates become ISO strings). Keys carry no secret, only `start`. */
export function snapshot(value: object): Record<string, unknown> {
  return JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
}
