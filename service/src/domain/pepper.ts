import { createHmac, randomBytes } from 'node:crypto';

export interface Pepper {
  version: number;
  secret: Buffer;
}

export interface SecretDigest {
  /** Hex HMAC-SHA-256 of the secret under the pepper of `pepperVersion`. */
  hash: string;
  pepperVersion: number;
}

const ENTRY = /^v([1-9][0-9]{0,5}):([A-Za-z0-9+/=_-]{43,})$/;

/**
 * The server-side peppers, newest first. New secrets are hashed under the newest; lookups try every
 * version so secrets hashed before a pepper rotation keep working.
 * Text form (`KEYSMITH_PEPPER`): `v2:<base64 of ≥32 bytes>,v1:<base64>`.
 */
export class PepperRing {
  private constructor(private readonly peppers: readonly Pepper[]) {}

  static parse(text: string): PepperRing {
    const peppers: Pepper[] = [];
    for (const [index, raw] of text.split(',').entries()) {
      const entry = ENTRY.exec(raw.trim());
      if (!entry) {
        throw new Error(
          `KEYSMITH_PEPPER entry ${index + 1} must look like v1:<base64 of at least 32 random bytes>, got ${JSON.stringify(raw.trim().slice(0, 4) + '…')}`,
        );
      }
      const secret = Buffer.from(entry[2]!, 'base64');
      if (secret.length < 32) {
        throw new Error(`KEYSMITH_PEPPER entry v${entry[1]} has ${secret.length} bytes; at least 32 are required`);
      }
      peppers.push({ version: Number(entry[1]), secret });
    }
    const versions = new Set(peppers.map((p) => p.version));
    if (versions.size !== peppers.length) throw new Error('KEYSMITH_PEPPER names the same version twice');
    return new PepperRing(peppers);
  }

  /** A fresh single-version pepper in its text form. */
  static generateText(version = 1): string {
    return `v${version}:${randomBytes(32).toString('base64')}`;
  }

  get currentVersion(): number {
    return this.peppers[0]!.version;
  }

  digest(secret: string): SecretDigest {
    const current = this.peppers[0]!;
    return { hash: hmac(current.secret, secret), pepperVersion: current.version };
  }

  /**
   * A 32-byte key for `purpose`, bound to `material` and to a pepper (the newest unless `version` is
   * given). Null when no pepper of that version is configured any more.
   */
  deriveKey(purpose: string, material: string, version = this.currentVersion): { key: Buffer; version: number } | null {
    const pepper = this.peppers.find((p) => p.version === version);
    if (!pepper) return null;
    return { key: createHmac('sha256', pepper.secret).update(`${purpose}\0${material}`).digest(), version };
  }

  /** The hash of `secret` under every known pepper, newest first: what a lookup must match. */
  candidateHashes(secret: string): string[] {
    return this.peppers.map((p) => hmac(p.secret, secret));
  }
}

function hmac(key: Buffer, secret: string): string {
  return createHmac('sha256', key).update(secret).digest('hex');
}
