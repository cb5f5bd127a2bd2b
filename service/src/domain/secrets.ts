import { hash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { encodeBase62, randomBase62 } from './base62';

/**
 * Secret text: `{prefix}_{env}_{random}{checksum}`.
 * 32 base62 characters carry 32 × log2(62) ≈ 190.5 bits of CSPRNG entropy; the last 6 characters are the
 * base62 CRC32 of everything before them, so typos and random strings are rejected without any lookup and
 * secret scanners can recognise real keys.
 */
export const RANDOM_LENGTH = 32;
export const CHECKSUM_LENGTH = 6;
export const MAX_SECRET_LENGTH = 32 + 1 + 4 + 1 + RANDOM_LENGTH + CHECKSUM_LENGTH;

export type SecretEnv = 'live' | 'prev' | 'dev' | 'root';

/** A workspace slug: it becomes the first part of every secret, so it cannot contain `_`. */
export const SLUG_PATTERN = /^[a-z][a-z0-9-]{1,31}$/;

const SECRET_PATTERN = new RegExp(
  `^([a-z][a-z0-9-]{1,31})_(live|prev|dev|root)_([0-9A-Za-z]{${RANDOM_LENGTH}})([0-9A-Za-z]{${CHECKSUM_LENGTH}})$`,
);

export interface ParsedSecret {
  prefix: string;
  env: SecretEnv;
}

function checksum(body: string): string {
  return encodeBase62(crc32(body), CHECKSUM_LENGTH);
}

export function generateSecret(prefix: string, env: SecretEnv): string {
  const body = `${prefix}_${env}_${randomBase62(RANDOM_LENGTH)}`;
  return body + checksum(body);
}

/** The secret's prefix and env when it is well formed and its checksum matches; otherwise null. */
export function parseSecret(text: string): ParsedSecret | null {
  if (text.length > MAX_SECRET_LENGTH) return null;
  const match = SECRET_PATTERN.exec(text);
  if (!match) return null;
  const [, prefix, env, random, sum] = match as unknown as [string, string, SecretEnv, string, string];
  if (checksum(`${prefix}_${env}_${random}`) !== sum) return null;
  return { prefix, env };
}

/** What lists show instead of the secret: `acme_live_Ab3x…9fQ2`. */
export function maskSecret(secret: string): string {
  const envEnd = secret.indexOf('_', secret.indexOf('_') + 1) + 1;
  return `${secret.slice(0, envEnd + 4)}…${secret.slice(-4)}`;
}

/**
 * A secret's name in memory: SHA-256, base64. Caches of verified keys are keyed by it, so a cache hit costs
 * one plain hash rather than the peppered HMAC that database lookups need. A secret's 190 random bits make
 * it as hard to invert as the HMAC; it is never stored or logged.
 */
export function fingerprint(secret: string): string {
  return hash('sha256', secret, 'base64');
}

/**
 * Whether two fingerprints are equal, in a time that depends on their length only (every fingerprint is
 * 44 characters). Compares the strings themselves: a verification turns no fingerprint into a Buffer.
 */
export function sameFingerprint(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}
