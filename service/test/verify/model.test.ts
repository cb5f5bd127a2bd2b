import { expect } from 'chai';
import fc from 'fast-check';
import { crc32 } from 'node:zlib';
import { BASE62_ALPHABET, encodeBase62 } from '../../src/domain/base62';
import { CHECKSUM_LENGTH, MAX_SECRET_LENGTH, parseSecret } from '../../src/domain/secrets';
import { forEachDialect } from '../helpers/databases';
import { Harness, json } from '../helpers/harness';

/*
 * POST /v1/verify against models written from SPEC, not from the code.
 *
 * Property 1 (any string as `key`): whatever string arrives — random Unicode, NUL bytes, long strings, and
 * near misses of real secrets (one character changed, truncated, extended, re-checksummed, another
 * tenant's, a revoked or rotated-away key's, a root key) — the answer is a 400 naming `key` or a 200 that
 * is INVALID (REVOKED or DISABLED only for the exact secret of such a key), never a 500, and no key's
 * usage moves.
 *
 * Property 2 (a model of the limits and the lifecycle): random sequences of verify, rotate, revoke,
 * disable, enable and clock moves over 2–3 fresh keys with small limits. A plain model predicts every
 * answer's code (with `window` for QUOTA_EXCEEDED, and `credits`, rate-limit and quota `remaining` for
 * VALID); at the end `usageCount` and each key's request logs must match what the model admitted and saw.
 */

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const RATE_WINDOW_SECONDS = 60;

type Body = Record<string, any>;

// ---------------------------------------------------------------------------------------------------------
// Property 1: generated keys.

const GENERATED_RUNS = 1500;

/** What SPEC says a Keysmith secret's checksum is: base62 CRC32 of the rest, 6 characters. */
const withChecksum = (body: string): string => body + encodeBase62(crc32(body), CHECKSUM_LENGTH);
/** `{prefix}_{env}_` and the random part of a well-formed secret. */
const splitSecret = (secret: string): { head: string; random: string } => {
  const body = secret.slice(0, -CHECKSUM_LENGTH);
  const cut = body.lastIndexOf('_') + 1;
  return { head: body.slice(0, cut), random: body.slice(cut) };
};
const base62Char = fc.constantFrom(...BASE62_ALPHABET);
const anyChar = fc.oneof(base62Char, fc.string({ minLength: 1, maxLength: 1, unit: 'binary' }), fc.constantFrom('\u0000', '_', ' ', '-', 'é', '\u{1F511}'));

/** Strings of every kind, built around `secrets` (real secrets of every sort, including live ones). */
function candidateKeys(secrets: string[]): fc.Arbitrary<string> {
  const secret = fc.constantFrom(...secrets);
  const at = (s: string, i: number): number => i % Math.max(1, s.length);
  return fc.oneof(
    // Exactly a real secret (never a live one of acme's: the caller leaves those out).
    secret,
    // One character changed.
    fc.tuple(secret, fc.nat(), anyChar).map(([s, i, c]) => s.slice(0, at(s, i)) + c + s.slice(at(s, i) + 1)),
    // One character of the random part changed, then re-checksummed: well formed, so it reaches the lookup.
    fc.tuple(secret, fc.nat(), base62Char).map(([s, i, c]) => {
      const { head, random } = splitSecret(s);
      const j = at(random, i);
      return withChecksum(head + random.slice(0, j) + c + random.slice(j + 1));
    }),
    // Another prefix or env around a real random part, re-checksummed or not.
    fc.tuple(secret, fc.constantFrom('acme_live_', 'acme_prev_', 'acme_dev_', 'acme_root_', 'globex_live_', 'acmf_live_'), fc.boolean()).map(
      ([s, head, recheck]) => {
        const { random } = splitSecret(s);
        return recheck ? withChecksum(head + random) : head + random + s.slice(-CHECKSUM_LENGTH);
      },
    ),
    // Truncated, extended, case-flipped, padded, with a NUL inside.
    fc.tuple(secret, fc.nat()).map(([s, n]) => s.slice(0, n % s.length)),
    fc.tuple(secret, fc.string({ minLength: 1, maxLength: 20, unit: base62Char })).map(([s, tail]) => s + tail),
    fc.tuple(secret, fc.string({ minLength: 1, maxLength: 130, unit: 'grapheme-ascii' })).map(([s, tail]) => s + tail),
    fc.tuple(secret, fc.boolean()).map(([s, up]) => (up ? s.toUpperCase() : s.toLowerCase())),
    fc.tuple(secret, fc.constantFrom(' ', '\t', '\n', 'Bearer ', '"', '\u0000')).map(([s, pad]) => pad + s),
    fc.tuple(secret, fc.constantFrom(' ', '\n', '\u0000', '=', '/')).map(([s, pad]) => s + pad),
    fc.tuple(secret, fc.nat()).map(([s, i]) => s.slice(0, at(s, i)) + '\u0000' + s.slice(at(s, i))),
    // Well-formed shapes with random contents (almost all fail the checksum).
    fc.stringMatching(/^acme_(live|prev|dev|root)_[0-9A-Za-z]{38}$/),
    fc.string({ minLength: 32, maxLength: 32, unit: base62Char }).map((random) => withChecksum(`acme_live_${random}`)),
    // Anything at all, up to ~200 characters.
    fc.string({ maxLength: 200, unit: 'grapheme' }),
    fc.string({ maxLength: 200, unit: 'binary' }),
    fc.string({ maxLength: 200, unit: 'grapheme-ascii' }),
    fc.string({ minLength: 150, maxLength: 200, unit: base62Char }),
    // Empty-ish.
    fc.constantFrom('', ' ', '\t', '\u0000', '\u0000\u0000', '_', '__', 'acme', 'acme_', 'acme_live_', 'acme_live_\u0000', '\u200b', 'null', '0'),
  );
}

/** A key made of printable ASCII no longer than any real secret: SPEC says that is a 200 INVALID, never a 400. */
const plausible = (key: string): boolean => key.length > 0 && key.length <= MAX_SECRET_LENGTH && /^[\x21-\x7e]+$/.test(key);

forEachDialect('POST /v1/verify, any string as key (property)', (dialect) => {
  let h: Harness;
  before(async function () {
    this.timeout(60_000);
    h = await Harness.start(dialect);
  });
  after(async () => {
    await h.stop();
  });

  it(`answers a 400 naming key or a 200 INVALID for ${GENERATED_RUNS} generated strings, and consumes nothing`, async function () {
    this.timeout(120_000);
    const live = await h.createKey({ rateLimit: { limit: 5, windowSeconds: 3600 }, quota: { daily: 5 }, credits: { remaining: 5 } });
    const revoked = await h.createKey();
    const disabled = await h.createKey();
    const rotated = await h.createKey();
    const theirs = await h.createKey({}, 'globex');
    for (const [key, action] of [
      [revoked, 'revoke'],
      [disabled, 'disable'],
    ] as const) {
      const res = await h.inject('POST', `/v1/keys/${key.key.id}/${action}`);
      expect(res.statusCode, res.payload).to.equal(200);
    }
    const rotation = await h.inject('POST', `/v1/keys/${rotated.key.id}/rotate`, { payload: { overlapSeconds: 0 } });
    expect(rotation.statusCode, rotation.payload).to.equal(200);
    const rotatedSecret = json(rotation).secret as string;

    // acme's secrets that verify VALID are never sent as they are (they would rightly consume).
    const liveSecrets = new Set([live.secret, rotatedSecret]);
    // Exactly these answer other than INVALID; everything else that is not a live secret is INVALID.
    const exact = new Map<string, string>([
      [revoked.secret, 'REVOKED'],
      [disabled.secret, 'DISABLED'],
    ]);
    const sources = [live.secret, rotatedSecret, rotated.secret, revoked.secret, disabled.secret, theirs.secret, h.tenants.acme.rootKey, h.tenants.globex.rootKey];
    // The re-checksummed variants really are well formed (else they would not reach the lookup).
    expect(parseSecret(withChecksum(splitSecret(live.secret).head + 'A'.repeat(32)))).to.deep.equal({ prefix: 'acme', env: 'live' });

    const sentExactly = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(
        candidateKeys(sources).filter((key) => !liveSecrets.has(key)),
        async (key) => {
          const res = await h.inject('POST', '/v1/verify', { payload: { key } });
          expect(res.statusCode, res.payload).to.be.oneOf([200, 400]);
          const body = json(res);
          if (res.statusCode === 400) {
            expect(plausible(key), `a printable key of at most ${MAX_SECRET_LENGTH} characters is answered, not rejected`).to.equal(false);
            expect(body.error.code).to.equal('VALIDATION_FAILED');
            expect(body.error.details.map((d: Body) => d.field)).to.include('key');
            return;
          }
          const code = exact.get(key) ?? 'INVALID';
          if (code === 'INVALID') expect(body).to.deep.equal({ valid: false, code: 'INVALID' });
          else expect(body).to.include({ valid: false, code });
          if (exact.has(key)) sentExactly.set(key, (sentExactly.get(key) ?? 0) + 1);
        },
      ),
      { numRuns: GENERATED_RUNS },
    );

    await h.app.flush();
    for (const key of [live, revoked, disabled, rotated]) {
      const got = json(await h.inject('GET', `/v1/keys/${key.key.id}`));
      expect(got, key.key.name).to.include({ usageCount: 0, lastUsedAt: null });
      const logs = json(await h.inject('GET', `/v1/keys/${key.key.id}/logs?limit=100`)).items as Body[];
      const expected = exact.get(key.secret);
      expect(
        logs.map((l) => l.code),
        key.key.name,
      ).to.deep.equal(expected ? Array(sentExactly.get(key.secret) ?? 0).fill(expected) : []);
    }
    const theirsNow = json(await h.inject('GET', `/v1/keys/${theirs.key.id}`, { as: 'globex' }));
    expect(theirsNow).to.include({ usageCount: 0, lastUsedAt: null });
    // The live key's limits are untouched: its first real verification takes the first unit of each.
    const first = json(await h.inject('POST', '/v1/verify', { payload: { key: live.secret } }));
    expect(first).to.deep.include({ code: 'VALID', credits: 4, ratelimit: { limit: 5, remaining: 4, resetAt: first.ratelimit.resetAt } });
    expect(first.quota.map((q: Body) => q.remaining)).to.deep.equal([4]);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Property 2: a model of limits and lifecycle.

const MODEL_RUNS = 300;
const MAX_OPERATIONS = 25;
/** Clock moves: none, within a rate window, past it, and past a whole daily window plus its last bucket. */
const ADVANCES_MS = [0, SECOND, 61 * SECOND, 25 * HOUR] as const;

interface KeyLimits {
  rateLimit: number;
  daily: number | null;
  total: number | null;
  credits: number | null;
}

type Operation =
  | { op: 'verify'; key: number; cost: number; /** 0 = the newest secret, 1 = the one before, … */ back: number }
  | { op: 'rotate'; key: number; overlapSeconds: 0 | 60 }
  | { op: 'revoke' | 'disable' | 'enable'; key: number }
  | { op: 'advance'; ms: number };

/** The parts of an answer the model predicts. */
interface Expected {
  valid: boolean;
  code: string;
  keyId?: string;
  window?: string;
  ratelimit?: { remaining: number; resetAt: string };
  quotaRemaining?: number[];
  credits?: number;
}

/** One key as SPEC describes it: state, secrets with their ends, and what it admitted when. */
class ModelKey {
  state: 'active' | 'disabled' | 'revoked' = 'active';
  /** Every secret issued, oldest first; `endsAt` null while the key lives. */
  readonly secrets: Array<{ secret: string; endsAt: number | null }>;
  readonly admittedAt: number[] = [];
  readonly rateCounts = new Map<number, number>();
  credits: number | null;
  /** Codes of the answers that found this key (INVALID ones are logged without a key). */
  readonly logged: string[] = [];

  constructor(
    readonly id: string,
    secret: string,
    readonly limits: KeyLimits,
  ) {
    this.secrets = [{ secret, endsAt: null }];
    this.credits = limits.credits;
  }

  secretFor(back: number): string {
    return this.secrets[Math.max(0, this.secrets.length - 1 - back)]!.secret;
  }

  rotate(secret: string, now: number, overlapMs: number): void {
    const end = now + overlapMs;
    for (const s of this.secrets) if (s.endsAt === null || s.endsAt > end) s.endsAt = end;
    this.secrets.push({ secret, endsAt: null });
  }

  /** Admitted requests the daily window still counts. Only exact while no request is 24–25 h old. */
  usedToday(now: number): number {
    const ambiguous = this.admittedAt.filter((t) => now - t >= DAY && now - t < DAY + HOUR);
    if (ambiguous.length > 0) throw new Error(`model: a request ${now - ambiguous[0]!} ms old may or may not count; choose other clock moves`);
    return this.admittedAt.filter((t) => now - t < DAY).length;
  }

  verify(secret: string, cost: number, now: number): Expected {
    const entry = this.secrets.find((s) => s.secret === secret)!;
    if (entry.endsAt !== null && entry.endsAt <= now) return { valid: false, code: 'INVALID' };
    const answer = this.decide(cost, now);
    this.logged.push(answer.code);
    return answer;
  }

  private decide(cost: number, now: number): Expected {
    const deny = (code: string, extra: Partial<Expected> = {}): Expected => ({ valid: false, code, keyId: this.id, ...extra });
    if (this.state === 'revoked') return deny('REVOKED');
    if (this.state === 'disabled') return deny('DISABLED');
    const windowMs = RATE_WINDOW_SECONDS * SECOND;
    const rateWindow = Math.floor(now / windowMs);
    const rateCount = this.rateCounts.get(rateWindow) ?? 0;
    const resetAt = new Date((rateWindow + 1) * windowMs).toISOString();
    if (rateCount >= this.limits.rateLimit) return deny('RATE_LIMITED', { ratelimit: { remaining: 0, resetAt } });
    const total = this.admittedAt.length;
    const today = this.usedToday(now);
    if (this.limits.total !== null && total >= this.limits.total) return deny('QUOTA_EXCEEDED', { window: 'total' });
    if (this.limits.daily !== null && today >= this.limits.daily) return deny('QUOTA_EXCEEDED', { window: 'daily' });
    if (this.credits !== null && this.credits < cost) return deny('QUOTA_EXCEEDED', { window: 'credits' });
    this.admittedAt.push(now);
    this.rateCounts.set(rateWindow, rateCount + 1);
    if (this.credits !== null) this.credits -= cost;
    const quotaRemaining: number[] = [];
    if (this.limits.total !== null) quotaRemaining.push(this.limits.total - total - 1);
    if (this.limits.daily !== null) quotaRemaining.push(this.limits.daily - today - 1);
    return {
      valid: true,
      code: 'VALID',
      keyId: this.id,
      ratelimit: { remaining: this.limits.rateLimit - rateCount - 1, resetAt },
      ...(quotaRemaining.length > 0 ? { quotaRemaining } : {}),
      ...(this.credits !== null ? { credits: this.credits } : {}),
    };
  }
}

/** Small limits, so sequences of 25 operations reach them. `freq: n`: absent one time in n. */
const keyLimits: fc.Arbitrary<KeyLimits> = fc.record({
  rateLimit: fc.integer({ min: 1, max: 4 }),
  daily: fc.option(fc.integer({ min: 1, max: 5 }), { nil: null, freq: 4 }),
  total: fc.option(fc.integer({ min: 1, max: 8 }), { nil: null, freq: 2 }),
  credits: fc.option(fc.integer({ min: 0, max: 6 }), { nil: null, freq: 3 }),
});

const operation: fc.Arbitrary<Operation> = fc.oneof(
  { weight: 10, arbitrary: fc.record({ op: fc.constant('verify' as const), key: fc.nat(2), cost: fc.integer({ min: 0, max: 3 }), back: fc.constantFrom(0, 1, 2) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('rotate' as const), key: fc.nat(2), overlapSeconds: fc.constantFrom(0 as const, 60 as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('revoke' as const), key: fc.nat(2) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constantFrom('disable' as const, 'enable' as const), key: fc.nat(2) }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('advance' as const), ms: fc.constantFrom(...ADVANCES_MS) }) },
);

/** Size 'max': with fast-check's default size, arrays stop at 10 operations, too few to reach most limits twice. */
const operations = fc.array(operation, { maxLength: MAX_OPERATIONS, size: 'max' });

forEachDialect('POST /v1/verify against a model of limits and lifecycle (property)', (dialect) => {
  let h: Harness;
  before(async function () {
    this.timeout(60_000);
    h = await Harness.start(dialect);
  });
  after(async () => {
    await h.stop();
  });

  const keyBody = (limits: KeyLimits): Body => {
    const quota = { ...(limits.total !== null ? { total: limits.total } : {}), ...(limits.daily !== null ? { daily: limits.daily } : {}) };
    return {
      rateLimit: { limit: limits.rateLimit, windowSeconds: RATE_WINDOW_SECONDS },
      ...(Object.keys(quota).length > 0 ? { quota } : {}),
      ...(limits.credits !== null ? { credits: { remaining: limits.credits } } : {}),
    };
  };

  /** Applies one operation to the service and the model, and compares what each answered. */
  async function step(keys: ModelKey[], op: Operation, where: string): Promise<void> {
    const now = h.clock.now().getTime();
    if (op.op === 'advance') {
      h.clock.advance(op.ms);
      return;
    }
    const key = keys[op.key % keys.length]!;
    switch (op.op) {
      case 'verify': {
        const secret = key.secretFor(op.back);
        const expected = key.verify(secret, op.cost, now);
        const res = await h.inject('POST', '/v1/verify', { payload: { key: secret, cost: op.cost } });
        expect(res.statusCode, `${where}: ${res.payload}`).to.equal(200);
        const body = json(res);
        // What the model predicts, picked from the answer (the rest of it is other tests' business).
        const seen: Expected = { valid: body.valid, code: body.code };
        if (body.keyId !== undefined) seen.keyId = body.keyId;
        if (body.window !== undefined) seen.window = body.window;
        if (expected.ratelimit) seen.ratelimit = body.ratelimit && { remaining: body.ratelimit.remaining, resetAt: body.ratelimit.resetAt };
        if (expected.code === 'VALID') {
          if (body.quota !== undefined) seen.quotaRemaining = body.quota.map((q: Body) => q.remaining);
          if (body.credits !== undefined) seen.credits = body.credits;
        }
        expect(seen, `${where}: ${res.payload}`).to.deep.equal(expected);
        return;
      }
      case 'rotate': {
        const res = await h.inject('POST', `/v1/keys/${key.id}/rotate`, { payload: { overlapSeconds: op.overlapSeconds } });
        if (key.state === 'revoked') {
          expect(res.statusCode, `${where}: ${res.payload}`).to.equal(409);
          return;
        }
        expect(res.statusCode, `${where}: ${res.payload}`).to.equal(200);
        key.rotate(json(res).secret as string, now, op.overlapSeconds * SECOND);
        return;
      }
      default: {
        const res = await h.inject('POST', `/v1/keys/${key.id}/${op.op}`);
        if (key.state === 'revoked' && op.op !== 'revoke') {
          expect(res.statusCode, `${where}: ${res.payload}`).to.equal(409);
          return;
        }
        expect(res.statusCode, `${where}: ${res.payload}`).to.equal(200);
        key.state = op.op === 'enable' ? 'active' : op.op === 'disable' ? 'disabled' : 'revoked';
        expect(json(res).status, where).to.equal(key.state);
      }
    }
  }

  it(`answers every verification as the model does over ${MODEL_RUNS} sequences of up to ${MAX_OPERATIONS} operations`, async function () {
    this.timeout(300_000);
    await fc.assert(
      fc.asyncProperty(fc.array(keyLimits, { minLength: 2, maxLength: 3 }), operations, async (limits, ops) => {
        const keys: ModelKey[] = [];
        for (const l of limits) {
          const { key, secret } = await h.createKey(keyBody(l));
          keys.push(new ModelKey(key.id as string, secret, l));
        }
        for (const [i, op] of ops.entries()) await step(keys, op, `operation ${i} ${JSON.stringify(op)}`);

        await h.app.flush();
        for (const [i, key] of keys.entries()) {
          const got = json(await h.inject('GET', `/v1/keys/${key.id}`));
          expect(got.usageCount, `key ${i}: usageCount`).to.equal(key.admittedAt.length);
          const lastAdmitted = key.admittedAt.at(-1);
          expect(got.lastUsedAt, `key ${i}: lastUsedAt`).to.equal(lastAdmitted === undefined ? null : new Date(lastAdmitted).toISOString());
          const logs = json(await h.inject('GET', `/v1/keys/${key.id}/logs?limit=100`)).items as Body[];
          expect(logs.map((l) => l.code).reverse(), `key ${i}: request log codes, oldest first`).to.deep.equal(key.logged);
        }
      }),
      { numRuns: MODEL_RUNS },
    );
  });
});
