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

/**
 * A well-formed bcrypt hash of no one's password (salt and digest from bcrypt's own documentation), with
 * the cost filled in: comparing against it costs as much as against a real hash of that cost.
 */
const DUMMY_HASH_BODY = 'N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy';

/** bcrypt at a fixed cost, with a dummy hash of that cost to spend the same work on an unknown account. */
export class PasswordHasher {
  private readonly dummy: string;

  constructor(readonly cost: number) {
    if (!(Number.isInteger(cost) && cost >= MIN_BCRYPT_COST && cost <= MAX_BCRYPT_COST)) {
      throw new Error(`bcrypt cost must be a whole number from ${MIN_BCRYPT_COST} to ${MAX_BCRYPT_COST}, got ${cost}`);
    }
    this.dummy = `$2b$${String(cost).padStart(2, '0')}$${DUMMY_HASH_BODY}`;
  }

  hash(password: string): Promise<string> {
    return bcrypt.hash(password, this.cost);
  }

  /** Compares against `hash`, or against the dummy hash when there is none, so both take the same time. */
  async verify(password: string, hash: string | null): Promise<boolean> {
    const matches = await bcrypt.compare(password, hash ?? this.dummy);
    return hash !== null && matches;
  }
}
