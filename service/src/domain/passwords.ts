import bcrypt from 'bcrypt';
import { ValidationError } from './errors';

export const MIN_PASSWORD_BYTES = 12;
/** bcrypt reads only the first 72 bytes of a password: anything after them would not count. */
export const MAX_PASSWORD_BYTES = 72;
export const MIN_BCRYPT_COST = 10;
export const MAX_BCRYPT_COST = 15;
export const DEFAULT_BCRYPT_COST = 12;

/** Refuses a password bcrypt cannot hash whole, or one too short to resist guessing. */
export function checkPassword(password: string, field = 'password'): void {
  const bytes = Buffer.byteLength(password, 'utf8');
  if (bytes < MIN_PASSWORD_BYTES) throw ValidationError.forField(field, `must be at least ${MIN_PASSWORD_BYTES} bytes long, got ${bytes}`);
  if (bytes > MAX_PASSWORD_BYTES) {
    throw ValidationError.forField(field, `must be at most ${MAX_PASSWORD_BYTES} bytes (UTF-8), got ${bytes}: bcrypt reads only the first 72 bytes, so the rest would not count`);
  }
}

/** bcrypt at a fixed cost, with a dummy hash of that cost to spend the same work on an unknown account. */
export class PasswordHasher {
  private dummy: Promise<string> | undefined;

  constructor(readonly cost: number) {
    if (!(Number.isInteger(cost) && cost >= MIN_BCRYPT_COST && cost <= MAX_BCRYPT_COST)) {
      throw new Error(`bcrypt cost must be a whole number from ${MIN_BCRYPT_COST} to ${MAX_BCRYPT_COST}, got ${cost}`);
    }
  }

  hash(password: string): Promise<string> {
    return bcrypt.hash(password, this.cost);
  }

  /** Compares against `hash`, or against a dummy hash when there is none, so both take the same time. */
  async verify(password: string, hash: string | null): Promise<boolean> {
    const against = hash ?? (await (this.dummy ??= bcrypt.hash('not a password of anyone', this.cost)));
    const matches = await bcrypt.compare(password, against);
    return hash !== null && matches;
  }
}
