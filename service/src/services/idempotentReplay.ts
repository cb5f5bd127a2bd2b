import { createHash } from 'node:crypto';
import { canonicalJson } from '../domain/canonical';
import { ConflictError } from '../domain/errors';
import type { PepperRing } from '../domain/pepper';
import { unsealSecret } from '../domain/sealing';
import type { IdempotencyRecord } from '../repositories/idempotency';

/** How long an Idempotency-Key is remembered, with the sealed secret its first answer showed. */
export const IDEMPOTENCY_WINDOW_MS = 24 * 3600 * 1000;

/** A request's fingerprint for an Idempotency-Key record: the parsed body, so field order does not matter. */
export function hashRequest(request: object): string {
  return createHash('sha256').update(canonicalJson(request)).digest('hex');
}

/**
 * The secret a create or rotate answered first, for a repeat under the same Idempotency-Key. Another
 * request under the key, or a secret that `stillShowable` says no longer opens the key, is a conflict
 * (`gone` says why): a replay never hands out a secret that does not work.
 */
export function replayedSecret(
  peppers: PepperRing,
  previous: Pick<IdempotencyRecord, 'requestHash' | 'sealedSecret'>,
  request: { hash: string; idempotencyKey: string },
  stillShowable: (secret: string) => boolean,
  gone: string,
): string {
  if (previous.requestHash !== request.hash) {
    throw new ConflictError(
      'IDEMPOTENCY_KEY_REUSED',
      'this Idempotency-Key was used within the last 24 hours with a different request; use a new key for a new request',
    );
  }
  const secret = unsealSecret(peppers, request.idempotencyKey, previous.sealedSecret);
  if (secret === null || !stillShowable(secret)) throw new ConflictError('IDEMPOTENCY_KEY_REUSED', gone);
  return secret;
}
