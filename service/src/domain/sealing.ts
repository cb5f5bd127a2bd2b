import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { PepperRing } from './pepper';

/**
 * Seals a create response's secret for an idempotent replay. The AES-256-GCM key is derived from the
 * pepper (kept outside the database) and the Idempotency-Key (held by the client, stored only as an
 * HMAC), so a copy of the database alone cannot open it. Records are deleted after 24 hours.
 */
const PURPOSE = 'idempotent-create';

export function sealSecret(peppers: PepperRing, idempotencyKey: string, secret: string): string {
  const derived = peppers.deriveKey(PURPOSE, idempotencyKey)!;
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', derived.key, iv);
  const body = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return [`v${derived.version}`, iv, cipher.getAuthTag(), body].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
}

/** The sealed secret, or null when it cannot be opened (other key, or its pepper is gone). */
export function unsealSecret(peppers: PepperRing, idempotencyKey: string, sealed: string): string | null {
  const [version, iv, tag, body] = sealed.split('.');
  if (!version || !iv || !tag || body === undefined) return null;
  const derived = peppers.deriveKey(PURPOSE, idempotencyKey, Number(version.slice(1)));
  if (!derived) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', derived.key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}
