import type { ServerInjectResponse } from '@hapi/hapi';
import { expect } from 'chai';
import fc from 'fast-check';
import { isIP } from 'node:net';
import { generateSecret } from '../../src/domain/secrets';
import { forEachDialect } from '../helpers/databases';
import { Harness, json } from '../helpers/harness';

/*
 * Bad input must never reach the database and never become a 500.
 *
 * Part 1: one example per class of bad input (wrong types, unknown fields, over-long strings, invalid CIDRs,
 * negative limits, expiry in the past, oversized metadata and bodies, malformed JSON, unknown ids, other
 * tenants' ids, bad credentials, missing scope), each answering the right 4xx in the error format and
 * naming the field.
 *
 * Part 2: fast-check throws generated bodies (valid and invalid fields mixed) at POST /v1/keys and
 * PATCH /v1/keys/{id}. An oracle written from the contract below (independently of the Joi schemas) predicts the
 * answer of each call; every rejection must leave every table's row count, and the key, as they were.
 */

// ---------------------------------------------------------------------------------------------------------
// The contract, as the oracle knows it.

const RUNS = 1000;
const MAX_BODY_BYTES = 16 * 1024;
const MAX_METADATA_BYTES = 4 * 1024;
const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const DAY = 86_400;
const PRINTABLE = /^[^\u0000-\u001f\u007f]+$/;
const GROUP = /^[A-Za-z0-9._:-]+$/;
const SCOPE = /^[A-Za-z0-9._:*/-]+$/;
const OBJECT_ID = /^[A-Za-z0-9_]+$/;
const IF_MATCH = /^(W\/)?"?[0-9]{1,9}"?$/;
const ENVIRONMENTS = ['production', 'preview', 'development'];
const QUOTA_WINDOWS = ['total', 'daily', 'weekly', 'monthly'];
const JSON_HEADERS = { 'content-type': 'application/json' };

/** What the oracle needs to know about the world the generated calls land in. */
interface World {
  /** The harness clock's now (it does not move during the properties). */
  now: number;
  /** A quota policy of acme's. */
  policyId: string;
  /** Lower-cased names of acme's live keys. */
  taken: Set<string>;
}

/** Returns the fields a value gets wrong, as paths (`quota.daily`, `ipAllowlist.3`); [] when it is fine. */
type Check = (value: unknown, path: string, world: World) => string[];

const isPlain = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isInt = (v: unknown, min: number, max: number): boolean => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
const goodString = (v: unknown, min: number, max: number, pattern: RegExp, trim = false): boolean => {
  if (typeof v !== 'string') return false;
  const t = trim ? v.trim() : v;
  return t.length >= min && t.length <= max && pattern.test(t);
};

/** An IPv4 or IPv6 address, optionally with a CIDR prefix within the address's width. */
function isAddressOrCidr(v: unknown): boolean {
  if (typeof v !== 'string') return false;
  const m = /^([^/]*)(?:\/([0-9]+))?$/.exec(v);
  if (!m) return false;
  const version = isIP(m[1]!);
  if (version === 0) return false;
  if (m[2] === undefined) return true;
  return /^(0|[1-9][0-9]{0,2})$/.test(m[2]) && Number(m[2]) <= (version === 4 ? 32 : 128);
}

/** A date-time in ISO form strictly after now. */
function isFutureIso(v: unknown, now: number): boolean {
  if (typeof v !== 'string') return false;
  const t = Date.parse(v);
  if (Number.isNaN(t)) return false;
  const iso = new Date(t).toISOString();
  return (v === iso || v === iso.slice(0, 10)) && t > now;
}

const scalar =
  (ok: (v: unknown, world: World) => boolean): Check =>
  (v, path, world) =>
    ok(v, world) ? [] : [path];

const nullable =
  (check: Check): Check =>
  (v, path, world) =>
    v === null ? [] : check(v, path, world);

/** An array of at most `max` items, each fine by `item`, no two alike once `normalise`d. */
function arrayCheck(max: number, item: (v: unknown) => boolean, normalise: (v: unknown) => unknown = (v) => v): Check {
  return (v, path) => {
    if (!Array.isArray(v)) return [path];
    const problems: string[] = [];
    if (v.length > max) problems.push(path);
    v.forEach((x, i) => {
      if (!item(x)) problems.push(`${path}.${i}`);
    });
    if (new Set(v.map(normalise)).size !== v.length) problems.push(path);
    return problems;
  };
}

/** Tags are trimmed (MySQL's PAD SPACE collations would take 'a' and 'a ' for one tag). */
const trimTag = (v: unknown): unknown => (typeof v === 'string' ? v.trim() : v);

function objectCheck(fields: Record<string, { check: Check; required?: boolean }>, minKeys = 0): Check {
  return (v, path, world) => {
    if (!isPlain(v)) return [path];
    const problems: string[] = [];
    if (Object.keys(v).length < minKeys) problems.push(path);
    for (const [k, x] of Object.entries(v)) {
      const field = Object.hasOwn(fields, k) ? fields[k] : undefined;
      problems.push(...(field ? field.check(x, `${path}.${k}`, world) : [`${path}.${k}`]));
    }
    for (const [k, field] of Object.entries(fields)) {
      if (field.required && !Object.hasOwn(v, k)) problems.push(`${path}.${k}`);
    }
    return problems;
  };
}

const intCheck = (min: number, max: number): Check => scalar((v) => isInt(v, min, max));

/** The editable settings of a key (create and PATCH). */
const SETTINGS: Record<string, Check> = {
  name: scalar((v) => goodString(v, 1, 255, PRINTABLE, true)),
  tags: arrayCheck(50, (x) => goodString(x, 1, 64, PRINTABLE, true), trimTag),
  group: scalar((v) => goodString(v, 1, 64, GROUP)),
  scopes: arrayCheck(100, (x) => goodString(x, 1, 128, SCOPE)),
  resources: arrayCheck(100, (x) => goodString(x, 1, 256, PRINTABLE)),
  ipAllowlist: arrayCheck(100, isAddressOrCidr),
  expiresAt: nullable(scalar((v, world) => isFutureIso(v, world.now))),
  rateLimit: nullable(
    objectCheck({
      limit: { check: intCheck(1, 1_000_000_000), required: true },
      windowSeconds: { check: intCheck(1, 30 * DAY), required: true },
    }),
  ),
  quota: nullable(objectCheck(Object.fromEntries(QUOTA_WINDOWS.map((w) => [w, { check: intCheck(0, MAX_SAFE) }])), 1)),
  credits: nullable(
    objectCheck({
      remaining: { check: intCheck(0, MAX_SAFE), required: true },
      refill: {
        check: objectCheck({
          amount: { check: intCheck(1, MAX_SAFE), required: true },
          intervalSeconds: { check: intCheck(60, 366 * DAY), required: true },
        }),
      },
    }),
  ),
  quotaPolicyId: nullable(scalar((v) => goodString(v, 1, 64, OBJECT_ID))),
  metadata: nullable(scalar((v) => isPlain(v) && Buffer.byteLength(JSON.stringify(v)) <= MAX_METADATA_BYTES)),
};
const CREATE_FIELDS: Record<string, Check> = { ...SETTINGS, environment: scalar((v) => ENVIRONMENTS.includes(v as string)) };

function bodyProblems(wire: unknown, fields: Record<string, Check>, world: World, mode: 'create' | 'patch'): string[] {
  if (!isPlain(wire)) return ['payload'];
  const problems: string[] = [];
  for (const [k, v] of Object.entries(wire)) {
    const check = Object.hasOwn(fields, k) ? fields[k] : undefined;
    problems.push(...(check ? check(v, k, world) : [k]));
  }
  if (mode === 'create' && !Object.hasOwn(wire, 'name')) problems.push('name');
  if (mode === 'patch' && Object.keys(wire).length === 0) problems.push('payload');
  return problems;
}

/** hapi refuses any `__proto__` key while parsing (prototype poisoning): the body never reaches validation. */
function hasProtoKey(v: unknown): boolean {
  if (Array.isArray(v)) return v.some(hasProtoKey);
  if (!isPlain(v)) return false;
  return Object.keys(v).some((k) => k === '__proto__' || hasProtoKey(v[k]));
}

type Outcome = { status: 200 | 201 } | { status: number; code: string; fields?: string[] };

/** Checks in the order the service applies them: body size, JSON parsing, headers, payload, then the service. */
function expectedOutcome(
  text: string,
  parsed: ReturnType<typeof parseBody>,
  world: World,
  patch?: { ifMatch: string | undefined; stale: boolean; currentName: string },
): Outcome {
  if (Buffer.byteLength(text) > MAX_BODY_BYTES) return { status: 413, code: 'PAYLOAD_TOO_LARGE' };
  if (!parsed.json || hasProtoKey(parsed.value)) return { status: 400, code: 'MALFORMED_JSON' };
  const wire = parsed.value;
  if (patch?.ifMatch !== undefined && !IF_MATCH.test(patch.ifMatch)) return { status: 400, code: 'VALIDATION_FAILED', fields: ['headers.if-match'] };
  const problems = bodyProblems(wire, patch ? SETTINGS : CREATE_FIELDS, world, patch ? 'patch' : 'create');
  if (problems.length > 0) return { status: 400, code: 'VALIDATION_FAILED', fields: problems };
  const body = wire as Record<string, unknown>;
  if (patch?.stale) return { status: 412, code: 'VERSION_MISMATCH' };
  if (typeof body.quotaPolicyId === 'string' && body.quotaPolicyId !== world.policyId) {
    return { status: 400, code: 'VALIDATION_FAILED', fields: ['quotaPolicyId'] };
  }
  if (typeof body.name === 'string') {
    const name = body.name.trim().toLowerCase();
    if (world.taken.has(name) && name !== patch?.currentName.toLowerCase()) return { status: 409, code: 'NAME_TAKEN' };
  }
  return { status: patch ? 200 : 201 };
}

// ---------------------------------------------------------------------------------------------------------
// Assertions on answers.

const related = (field: string, path: string): boolean =>
  field === path || field.startsWith(`${path}.`) || path.startsWith(`${field}.`);
const topOf = (path: string): string => path.split('.')[0]!;

/** The error format: exactly {error: {code, message, requestId, details?}}; requestId echoed in the header. */
function errorOf(res: ServerInjectResponse, info = ''): { code: string; message: string; requestId: string; details?: Array<{ field: string; message: string }> } {
  const ctx = `${info}\n→ ${res.statusCode} ${res.payload.slice(0, 1500)}`;
  const body = json(res);
  expect(Object.keys(body), ctx).to.deep.equal(['error']);
  const error = body.error;
  expect(error, ctx).to.be.an('object');
  for (const key of Object.keys(error)) expect(['code', 'message', 'requestId', 'details'], ctx).to.include(key);
  expect(error.code, ctx).to.be.a('string').that.is.not.empty;
  expect(error.message, ctx).to.be.a('string').that.is.not.empty;
  expect(error.requestId, ctx).to.be.a('string').that.equals(res.headers['x-request-id']);
  if (error.details !== undefined) {
    expect(error.details, ctx).to.be.an('array').that.is.not.empty;
    for (const d of error.details) {
      expect(Object.keys(d).sort(), ctx).to.deep.equal(['field', 'message']);
      expect(d.field, ctx).to.be.a('string').that.is.not.empty;
      expect(d.message, ctx).to.be.a('string').that.is.not.empty;
    }
  }
  return error;
}

/** A rejection with this status and code; for validation failures, details naming each field (and no others). */
function expectRejection(res: ServerInjectResponse, status: number, code: string, fields?: string[], info = ''): void {
  const ctx = `${info}\n→ ${res.statusCode} ${res.payload.slice(0, 1500)}`;
  expect(res.statusCode, ctx).to.equal(status);
  const error = errorOf(res, info);
  expect(error.code, ctx).to.equal(code);
  if (code === 'VALIDATION_FAILED') {
    expect(error.details, `${ctx}\n(details are required for VALIDATION_FAILED)`).to.be.an('array').that.is.not.empty;
  }
  if (fields) {
    const named = error.details!.map((d) => d.field);
    // A capped list names the first problems only; the message counts the rest.
    const capped = / and \d+ more problems?$/.test(error.message);
    for (const path of capped ? [] : fields) {
      expect(named.some((f) => related(f, path)), `${ctx}\nexpected details to name ${path}`).to.equal(true);
    }
    for (const f of named) {
      expect(fields.some((p) => related(f, p) || topOf(f) === topOf(p)), `${ctx}\ndetails name ${f}, which is fine`).to.equal(true);
    }
  }
}

/** The answer is an error with this status and code whose details name `field` exactly. */
function expectFieldError(res: ServerInjectResponse, field: string, status = 400, code = 'VALIDATION_FAILED'): void {
  expect(res.statusCode, res.payload).to.equal(status);
  const error = errorOf(res);
  expect(error.code, res.payload).to.equal(code);
  expect(error.details?.map((d) => d.field), res.payload).to.include(field);
}

const withoutDerived = (details: Record<string, unknown>): Record<string, unknown> => {
  const { effectiveLimits: _e, usage: _u, ...key } = details;
  return key;
};

/** Compares values the way the API means them: object key order does not matter, array order does. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (isPlain(v)) {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

const sortedUnique = (tags: string[]): string[] => [...new Set(tags)].sort();

/** What a key's field reads as after `value` was sent for it (name trimmed, tags as a set, dates as instants). */
function normalised(field: string, value: unknown): string {
  switch (field) {
    case 'name':
      return JSON.stringify((value as string).trim());
    case 'tags':
      return canonical(sortedUnique((value as string[]).map((t) => t.trim())));
    case 'expiresAt':
      return value === null ? 'null' : String(Date.parse(value as string));
    default:
      return canonical(value);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Generators: every field mixes values that are fine with every kind of wrong one.

type Arb = fc.Arbitrary<unknown>;
interface FieldArbs {
  /** Values that are fine (or, for quotaPolicyId, well formed). */
  valid: Arb;
  /** Anything: fine values, wrong types, out of range, over-long, garbage. */
  any: Arb;
}

const mixed = (valid: Arb, ...invalid: Arb[]): Arb =>
  fc.oneof({ weight: 2 * invalid.length, arbitrary: valid }, ...invalid.map((arbitrary) => ({ weight: 1, arbitrary })));

const printableChar = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('a', 'Z', '0', '-', '_', ' ', '.', '/', 'é', 'ß', 'İ', '中', '\u00a0', '\u200b', '\u{1F600}', '\uFFFD', '\u0085', '\u2028') },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }).filter((c) => PRINTABLE.test(c)) },
);
const controlChar = fc.constantFrom('\u0000', '\t', '\n', '\r', '\u001b', '\u001f', '\u007f');
const printable = (minLength: number, maxLength: number) => fc.string({ unit: printableChar, minLength, maxLength });
/** Any text: ASCII with control characters and NUL, the whole of Unicode, JavaScript's "dangerous" names. */
const anyText = (maxLength: number) =>
  fc.oneof(
    fc.string({ maxLength }),
    fc.string({ unit: 'binary-ascii', maxLength }),
    fc.string({ unit: 'binary', maxLength }),
    fc.string({ unit: 'grapheme', maxLength }),
  );
const withControlChar = fc.tuple(printable(0, 8), controlChar, printable(0, 8)).map(([a, c, b]) => `${a}${c}${b}`);
/** Strings of exactly limit-2 … limit+2 UTF-16 units. */
const aroundLength = (limit: number, unit: fc.Arbitrary<string> = fc.constantFrom('a', 'Z', 'é', '中')) =>
  fc.integer({ min: Math.max(1, limit - 2), max: limit + 2 }).chain((n) => fc.string({ unit, minLength: n, maxLength: n }));

const garbage = fc.jsonValue({ maxDepth: 3 });
const numbers = fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }));
const nonString = fc.oneof(numbers, fc.boolean(), fc.constant(null), fc.array(garbage, { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 6 }), garbage, { maxKeys: 3 }));
const nonArray = fc.oneof(numbers, fc.boolean(), fc.constant(null), fc.constantFrom('crm', '', 'a,b', '["a"]'), fc.dictionary(fc.string({ maxLength: 6 }), garbage, { maxKeys: 3 }));
const nonObject = fc.oneof(numbers, fc.boolean(), fc.constantFrom('x', '', '{}', '{"limit":1}'), fc.array(garbage, { maxLength: 3 }));
const nonNumber = fc.oneof(fc.boolean(), fc.constant(null), fc.constantFrom('ten', '1x', '', 'NaN', 'Infinity'), fc.array(garbage, { maxLength: 2 }), fc.dictionary(fc.string({ maxLength: 4 }), garbage, { maxKeys: 2 }));

function integerField(min: number, max: number): FieldArbs {
  const valid = fc.oneof(fc.integer({ min, max }), fc.constantFrom(min, max));
  const outOfRange = fc.constantFrom(min - 1, max + 1, min + 0.5, -1, -0.5, 1.5, 2 ** 53, 1e21, -1e21, 1e308);
  return { valid, any: mixed(valid, outOfRange, numbers, nonNumber) };
}

function arrayField(item: FieldArbs, max: number, nth: (i: number) => string): FieldArbs {
  const valid = fc.oneof(
    { weight: 8, arbitrary: fc.uniqueArray(item.valid, { maxLength: 5 }) },
    { weight: 1, arbitrary: fc.constant(Array.from({ length: max }, (_, i) => nth(i))) },
  );
  return {
    valid,
    any: mixed(
      valid,
      fc.array(item.any, { minLength: 1, maxLength: 5 }),
      fc.array(item.valid, { minLength: 2, maxLength: 4 }).map((a) => [...a, a[0]]),
      fc.constant(Array.from({ length: max + 1 }, (_, i) => nth(i))),
      fc.array(nonString, { minLength: 1, maxLength: 3 }),
      nonArray,
    ),
  };
}

/** Objects whose keys each follow `fields`; `any` adds unknown keys, wrong types and garbage. */
function objectField(fields: Record<string, FieldArbs>, required: string[]): FieldArbs {
  const valid = fc.record(
    Object.fromEntries(Object.entries(fields).map(([k, f]) => [k, f.valid])),
    { requiredKeys: required },
  ) as Arb;
  const loose = fc.record(Object.fromEntries(Object.entries(fields).map(([k, f]) => [k, f.any])), { requiredKeys: [] }) as Arb;
  const extraKey = fc
    .tuple(valid, fc.constantFrom('extra', 'Limit', 'hourly', 'window', 'refill'), garbage)
    .map(([o, k, v]) => (Object.hasOwn(o as object, k) ? o : { ...(o as object), [k]: v }));
  return {
    valid,
    any: fc.oneof(
      { weight: 3, arbitrary: valid },
      { weight: 4, arbitrary: loose },
      { weight: 1, arbitrary: extraKey },
      { weight: 1, arbitrary: nonObject },
      { weight: 1, arbitrary: garbage },
    ),
  };
}

function nested(depth: number): unknown {
  let v: unknown = 'bottom';
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { a: v };
  return v;
}

/** Generators for every settings field, for a world with this clock and policy. */
function settingsArbs(now: number, policyId: string, takenName: string): Record<string, FieldArbs> {
  const YEAR = 365 * DAY * 1000;
  const freshName = fc.tuple(printable(1, 24), fc.nat()).map(([s, n]) => `${s} #${n}`);
  const nameValid = fc.oneof(
    { weight: 12, arbitrary: freshName },
    { weight: 2, arbitrary: fc.constantFrom(takenName, takenName.toUpperCase(), takenName.toLowerCase(), `  ${takenName}\t`) },
    { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom('a', 'é', '中', 'İ'), minLength: 255, maxLength: 255 }) },
    { weight: 1, arbitrary: freshName.map((s) => ` \t${s}\n `) },
  );

  const tagValid = printable(1, 12).filter((s) => s.length > 0);
  const tags = arrayField({ valid: tagValid, any: fc.oneof(tagValid, anyText(10), aroundLength(64), withControlChar, fc.constant('')) }, 50, (i) => `t${i}`);
  // Tags that differ only by trailing blanks or case: distinct to the API, so they must be stored as given.
  const nearDuplicateTags = fc
    .tuple(tagValid, fc.constantFrom(' ', '  ', '\u00a0', '\u3000', 'upper'))
    .map(([s, how]) => (how === 'upper' ? [s, s.toUpperCase()] : [s, s + how]));

  const groupChar = fc.constantFrom(...'abcXYZ019._:-'.split(''));
  const group = fc.string({ unit: groupChar, minLength: 1, maxLength: 20 });
  const scopeChar = fc.constantFrom(...'abcXYZ019._:*/-'.split(''));
  const scope = fc.string({ unit: scopeChar, minLength: 1, maxLength: 20 });
  const resource = printable(1, 30).filter((s) => s.length > 0);

  const cidr4 = fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 32 })).map(([a, p]) => `${a}/${p}`);
  const cidr6 = fc.tuple(fc.ipV6(), fc.integer({ min: 0, max: 128 })).map(([a, p]) => `${a}/${p}`);
  const addressValid = fc.oneof(
    fc.ipV4(),
    fc.ipV6(),
    cidr4,
    cidr6,
    fc.constantFrom('10.0.0.0/8', '0.0.0.0/0', '::/0', '2001:db8::/32', '::ffff:10.0.0.1', '192.168.1.1/32', 'fe80::1/128', '::1'),
  );
  const addressInvalid = fc.oneof(
    fc.tuple(fc.ipV4(), fc.integer({ min: 33, max: 999 })).map(([a, p]) => `${a}/${p}`),
    fc.tuple(fc.ipV6(), fc.integer({ min: 129, max: 999 })).map(([a, p]) => `${a}/${p}`),
    fc.constantFrom('256.0.0.1', '1.2.3', '1.2.3.4.5', '10.0.0.0/', '10.0.0.0/-1', '10.0.0.0/08', '1::2::3', 'gggg::1', '[::1]'),
    fc.constantFrom('example.com', 'localhost', '', ' 10.0.0.1', '10.0.0.1 ', '*', '10.0.0.*', '1.2.3.4/3.3', '1.2.3.4/8/8', '::/'),
    anyText(12),
  );

  const future = fc.oneof(
    fc.integer({ min: 1, max: 10 * YEAR }).map((d) => new Date(now + d).toISOString()),
    fc.date({ min: new Date(now + 1), max: new Date(8.64e15), noInvalidDate: true }).map((d) => d.toISOString()),
    fc.integer({ min: 1, max: 3650 }).map((d) => new Date(now + d * DAY * 1000).toISOString().slice(0, 10)),
  );
  const pastOrNow = fc.oneof(
    fc.integer({ min: 0, max: 50 * YEAR }).map((d) => new Date(now - d).toISOString()),
    fc.date({ min: new Date(-8.64e15), max: new Date(now), noInvalidDate: true }).map((d) => d.toISOString()),
    fc.constant(new Date(now).toISOString().slice(0, 10)),
  );
  const notADate = fc.oneof(
    fc.constantFrom('tomorrow', 'next year', '', '2027-13-01T00:00:00Z', '2027-01-01T25:00:00Z', '1780000000000', 'NaN', 'Invalid Date'),
    fc.integer({ min: 0, max: 2 ** 31 - 1 }).map((d) => now + d),
    fc.boolean(),
    fc.array(garbage, { maxLength: 2 }),
    fc.dictionary(fc.string({ maxLength: 4 }), garbage, { maxKeys: 2 }),
  );

  const rateLimit = objectField({ limit: integerField(1, 1_000_000_000), windowSeconds: integerField(1, 30 * DAY) }, ['limit', 'windowSeconds']);
  const quota = objectField(Object.fromEntries(QUOTA_WINDOWS.map((w) => [w, integerField(0, MAX_SAFE)])), []);
  const quotaValid = quota.valid.filter((q) => Object.keys(q as object).length > 0);
  const refill = objectField({ amount: integerField(1, MAX_SAFE), intervalSeconds: integerField(60, 366 * DAY) }, ['amount', 'intervalSeconds']);
  const credits = objectField({ remaining: integerField(0, MAX_SAFE), refill }, ['remaining']);

  const alnum = fc.string({ unit: fc.constantFrom(...'abcXYZ0189_'.split('')), minLength: 1, maxLength: 40 });
  const policyValid = fc.oneof(
    { weight: 2, arbitrary: fc.constant(null) },
    { weight: 4, arbitrary: fc.constant(policyId) },
    { weight: 1, arbitrary: alnum.map((s) => `pol_${s}`) },
  );

  const metadataObject = fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6 });
  // {"b":"…"} of exactly n bytes, around the 4 KiB limit, in ASCII and in two-byte characters.
  const metadataAroundLimit = fc.oneof(
    fc.integer({ min: MAX_METADATA_BYTES - 8, max: MAX_METADATA_BYTES + 8 }).map((n) => ({ b: 'x'.repeat(n - 8) })),
    fc.integer({ min: (MAX_METADATA_BYTES - 16) / 2, max: (MAX_METADATA_BYTES + 8) / 2 }).map((n) => ({ b: 'é'.repeat(n - 4) })),
  );
  const metadataValid = fc.oneof(fc.constant(null), metadataObject, metadataAroundLimit, fc.integer({ min: 1, max: 40 }).map((d) => ({ deep: nested(d) })));

  return {
    name: { valid: nameValid, any: mixed(nameValid, aroundLength(255), anyText(40), withControlChar, fc.constantFrom('', '   ', '\t\n', '\u0000'), nonString) },
    tags: { valid: fc.oneof({ weight: 5, arbitrary: tags.valid }, { weight: 1, arbitrary: nearDuplicateTags }), any: fc.oneof(tags.any, nearDuplicateTags) },
    group: { valid: fc.oneof(group, fc.constantFrom('default', 'x'.repeat(64))), any: mixed(group, aroundLength(64, groupChar), anyText(10), fc.constantFrom('', 'team a', 'ümlaut'), nonString) },
    scopes: arrayField({ valid: scope, any: fc.oneof(scope, aroundLength(128, scopeChar), anyText(10), fc.constantFrom('', 'push send', 'push:send!')) }, 100, (i) => `s:${i}`),
    resources: arrayField({ valid: resource, any: fc.oneof(resource, aroundLength(256), anyText(10), withControlChar, fc.constant('')) }, 100, (i) => `models/${i}`),
    ipAllowlist: arrayField({ valid: addressValid, any: fc.oneof(addressValid, addressInvalid) }, 100, (i) => `10.${i >> 8}.${i & 255}.0/24`),
    expiresAt: { valid: fc.oneof(fc.constant(null), future), any: mixed(fc.oneof(fc.constant(null), future), pastOrNow, notADate) },
    rateLimit: { valid: fc.oneof(fc.constant(null), rateLimit.valid), any: fc.oneof(fc.constant(null), rateLimit.any) },
    quota: { valid: fc.oneof(fc.constant(null), quotaValid), any: fc.oneof(fc.constant(null), fc.constant({}), quota.any) },
    credits: { valid: fc.oneof(fc.constant(null), credits.valid), any: fc.oneof(fc.constant(null), credits.any) },
    quotaPolicyId: { valid: policyValid, any: mixed(policyValid, fc.constantFrom('', 'pol-1', 'pol 1', 'p'.repeat(65)), anyText(10), nonString) },
    metadata: {
      valid: metadataValid,
      any: mixed(
        metadataValid,
        fc.integer({ min: MAX_METADATA_BYTES + 1, max: 15_000 }).map((n) => ({ blob: 'x'.repeat(n) })),
        fc.array(garbage, { maxLength: 3 }),
        fc.oneof(numbers, fc.boolean(), anyText(10)),
        fc.jsonValue({ maxDepth: 6 }),
        fc.constant(JSON.parse('{"__proto__":{"admin":true}}') as unknown),
      ),
    },
  };
}

const READ_ONLY_FIELDS = ['id', 'status', 'secret', 'workspaceId', 'version', 'createdAt', 'createdBy', 'usageCount', 'start', 'lastUsedAt'];

/** One or two fields the endpoint does not know (read-only ones, typos, random names, JavaScript's dangerous names). */
function unknownFields(known: Set<string>): fc.Arbitrary<Record<string, unknown>> {
  const key = fc
    .oneof(fc.constantFrom(...READ_ONLY_FIELDS, 'Name', 'tag', 'expires_at', 'environment', 'colour', '__proto__', 'constructor'), fc.string({ minLength: 1, maxLength: 12 }))
    .filter((k) => !known.has(k) && k.length > 0);
  return fc.dictionary(key, garbage, { minKeys: 1, maxKeys: 2 });
}

/** Fills `resources` with distinct 200-character entries until the body's JSON is just under `bytes`. */
function paddedTo(body: Record<string, unknown>, bytes: number): Record<string, unknown> {
  const { resources: _r, ...rest } = body;
  const resources: string[] = [];
  let size = Buffer.byteLength(JSON.stringify(rest)) + '"resources":[],'.length;
  while (size + 203 <= bytes) {
    resources.push(`${resources.length}`.padEnd(200, 'r'));
    size += 203;
  }
  return { ...rest, resources };
}

/** JSON texts for POST /v1/keys (mode create) or PATCH /v1/keys/{id} (mode patch). */
function bodyTexts(fields: Record<string, FieldArbs>, mode: 'create' | 'patch'): fc.Arbitrary<string> {
  const valid = fc.record(
    Object.fromEntries(Object.entries(fields).map(([k, f]) => [k, f.valid])),
    { requiredKeys: mode === 'create' ? ['name'] : [] },
  ) as fc.Arbitrary<Record<string, unknown>>;
  const loose = fc
    .tuple(
      fc.record(Object.fromEntries(Object.entries(fields).map(([k, f]) => [k, f.any])), { requiredKeys: [] }),
      fc.option(unknownFields(new Set(Object.keys(fields))), { freq: 3 }),
    )
    .map(([body, extra]) => ({ ...body, ...(extra ?? {}) }));
  const notAnObject = fc.oneof(fc.constant({}), fc.constant(null), fc.constant([]), garbage.filter((v) => !isPlain(v)));
  // Valid bodies of about 16 KiB, on both sides of the limit.
  const aroundMaxBytes = fc.tuple(valid, fc.integer({ min: MAX_BODY_BYTES - 600, max: MAX_BODY_BYTES + 600 })).map(([b, n]) => paddedTo(b, n));
  const objects: Arb = fc.oneof(
    { weight: 10, arbitrary: valid },
    { weight: 12, arbitrary: loose },
    { weight: 2, arbitrary: notAnObject },
    { weight: 1, arbitrary: aroundMaxBytes },
  );
  const texts = objects.map((v) => JSON.stringify(v));
  // Cut-off JSON: malformed unless what is left happens to be a JSON value of its own.
  const truncated = fc.tuple(texts, fc.nat()).map(([t, n]) => t.slice(0, 1 + (n % Math.max(1, t.length - 1))));
  return fc.oneof({ weight: 20, arbitrary: texts }, { weight: 1, arbitrary: truncated });
}

/** The body as hapi reads it: an empty body is null; `json: false` when the text is not JSON. */
function parseBody(text: string): { json: true; value: unknown } | { json: false } {
  if (text === '') return { json: true, value: null };
  try {
    return { json: true, value: JSON.parse(text) as unknown };
  } catch {
    return { json: false };
  }
}

type IfMatchChoice = { kind: 'none' } | { kind: 'current' | 'other'; offset: number; format: 'bare' | 'quoted' | 'weak' } | { kind: 'junk'; text: string };

const ifMatchChoices: fc.Arbitrary<IfMatchChoice> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ kind: 'none' as const }) },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('current' as const), offset: fc.constant(0), format: fc.constantFrom('bare' as const, 'quoted' as const, 'weak' as const) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('other' as const),
      offset: fc.integer({ min: -5, max: 5 }).filter((n) => n !== 0),
      format: fc.constantFrom('bare' as const, 'quoted' as const, 'weak' as const),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('junk' as const),
      text: fc.oneof(
        fc.constantFrom('abc', '*', '""', '1.5', '-1', '"1234567890"', 'W/1x', '0x1', '"1"x', 'W/', 'W/""'),
        fc.string({ minLength: 1, maxLength: 12 }).filter((s) => /^[\x21-\x7e]+$/.test(s) && !IF_MATCH.test(s)),
      ),
    }),
  },
);

function ifMatchHeader(choice: IfMatchChoice, version: number): { header: string | undefined; stale: boolean } {
  if (choice.kind === 'none') return { header: undefined, stale: false };
  if (choice.kind === 'junk') return { header: choice.text, stale: false };
  let v = version + choice.offset;
  if (v < 0) v = version - choice.offset;
  const header = choice.format === 'bare' ? `${v}` : choice.format === 'quoted' ? `"${v}"` : `W/"${v}"`;
  return { header, stale: v !== version };
}


forEachDialect('HTTP input: bad input gets the right 4xx and writes nothing', (dialect) => {
  let h: Harness;
  let policyId: string;
  const TAKEN_NAME = 'Taken Name';

  before(async function () {
    this.timeout(60_000);
    h = await Harness.start(dialect);
    const policy = await h.inject('POST', '/v1/quota-policies', { payload: { name: 'standard', quota: { daily: 100 } } });
    expect(policy.statusCode, policy.payload).to.equal(201);
    policyId = json(policy).id;
    await h.createKey({ name: TAKEN_NAME });
  });
  after(async () => {
    await h?.stop();
  });

  const validBody = () => ({ name: `valid ${Math.random()}`, tags: ['crm'], quota: { daily: 10 } });

  /** Sends the call and checks that no table gained or lost a row. */
  async function rejected(method: string, url: string, options: Parameters<Harness['inject']>[2] = {}): Promise<ServerInjectResponse> {
    const before = await h.snapshotCounts();
    const res = await h.inject(method, url, options);
    expect(res.statusCode, res.payload).to.be.within(400, 499);
    expect(await h.snapshotCounts(), `${method} ${url} wrote rows`).to.deep.equal(before);
    return res;
  }

  describe('create: one example per class of bad input', () => {
    const now = () => h.clock.now().getTime();
    const cases: Array<[string, () => Record<string, unknown>, string]> = [
      ['a number as name', () => ({ name: 42 }), 'name'],
      ['null as name', () => ({ name: null }), 'name'],
      ['no name at all', () => ({ tags: ['crm'] }), 'name'],
      ['an empty name', () => ({ name: '' }), 'name'],
      ['a name of blanks only', () => ({ name: ' \t ' }), 'name'],
      ['a name of 256 characters', () => ({ name: 'n'.repeat(256) }), 'name'],
      ['a NUL inside the name', () => ({ name: 'web\u0000shop' }), 'name'],
      ['a string as tags', () => ({ name: 'x', tags: 'crm' }), 'tags'],
      ['null as tags', () => ({ name: 'x', tags: null }), 'tags'],
      ['a tag of 65 characters', () => ({ name: 'x', tags: ['ok', 't'.repeat(65)] }), 'tags.1'],
      ['an empty tag', () => ({ name: 'x', tags: [''] }), 'tags.0'],
      ['a number as a tag', () => ({ name: 'x', tags: [7] }), 'tags.0'],
      ['51 tags', () => ({ name: 'x', tags: Array.from({ length: 51 }, (_, i) => `t${i}`) }), 'tags'],
      ['a group with a space', () => ({ name: 'x', group: 'team a' }), 'group'],
      ['a group of 65 characters', () => ({ name: 'x', group: 'g'.repeat(65) }), 'group'],
      ['a scope with a space', () => ({ name: 'x', scopes: ['push send'] }), 'scopes.0'],
      ['a resource of 257 characters', () => ({ name: 'x', resources: ['r'.repeat(257)] }), 'resources.0'],
      ['an unknown field', () => ({ name: 'x', colour: 'red' }), 'colour'],
      ['a read-only field', () => ({ name: 'x', status: 'revoked' }), 'status'],
      ['an unknown environment', () => ({ name: 'x', environment: 'live' }), 'environment'],
      ['null as environment', () => ({ name: 'x', environment: null }), 'environment'],
      ['nested garbage as a rate limit', () => ({ name: 'x', rateLimit: { limit: { deep: [[1]] }, windowSeconds: 60 } }), 'rateLimit.limit'],
      ['a negative daily quota', () => ({ name: 'x', quota: { daily: -1 } }), 'quota.daily'],
      ['a fractional monthly quota', () => ({ name: 'x', quota: { monthly: 1.5 } }), 'quota.monthly'],
      ['a total quota beyond 2^53', () => ({ name: 'x', quota: { total: 2 ** 53 } }), 'quota.total'],
      ['a string as a quota amount', () => ({ name: 'x', quota: { weekly: 'lots' } }), 'quota.weekly'],
      ['an unknown quota window', () => ({ name: 'x', quota: { hourly: 5 } }), 'quota.hourly'],
      ['an empty quota', () => ({ name: 'x', quota: {} }), 'quota'],
      ['a zero rate limit', () => ({ name: 'x', rateLimit: { limit: 0, windowSeconds: 60 } }), 'rateLimit.limit'],
      ['a negative rate limit window', () => ({ name: 'x', rateLimit: { limit: 10, windowSeconds: -60 } }), 'rateLimit.windowSeconds'],
      ['a rate limit without a window', () => ({ name: 'x', rateLimit: { limit: 10 } }), 'rateLimit.windowSeconds'],
      ['negative credits', () => ({ name: 'x', credits: { remaining: -1 } }), 'credits.remaining'],
      ['a credit refill every 59 seconds', () => ({ name: 'x', credits: { remaining: 5, refill: { amount: 5, intervalSeconds: 59 } } }), 'credits.refill.intervalSeconds'],
      ['an IPv4 CIDR prefix of 33', () => ({ name: 'x', ipAllowlist: ['10.0.0.0/33'] }), 'ipAllowlist.0'],
      ['an IPv6 CIDR prefix of 129', () => ({ name: 'x', ipAllowlist: ['10.0.0.0/8', '2001:db8::/129'] }), 'ipAllowlist.1'],
      ['an IPv4 octet over 255', () => ({ name: 'x', ipAllowlist: ['256.1.1.1'] }), 'ipAllowlist.0'],
      ['a host name as an address', () => ({ name: 'x', ipAllowlist: ['example.com'] }), 'ipAllowlist.0'],
      ['the same address twice', () => ({ name: 'x', ipAllowlist: ['10.0.0.1', '10.0.0.1'] }), 'ipAllowlist.1'],
      ['expiresAt a second in the past', () => ({ name: 'x', expiresAt: new Date(now() - 1000).toISOString() }), 'expiresAt'],
      ['expiresAt exactly now', () => ({ name: 'x', expiresAt: new Date(now()).toISOString() }), 'expiresAt'],
      ['expiresAt that is not a date', () => ({ name: 'x', expiresAt: 'next tuesday' }), 'expiresAt'],
      ['expiresAt as epoch milliseconds', () => ({ name: 'x', expiresAt: now() + 86_400_000 }), 'expiresAt'],
      ['metadata over 4 KiB', () => ({ name: 'x', metadata: { blob: 'x'.repeat(4096) } }), 'metadata'],
      ['metadata over 4 KiB in two-byte characters', () => ({ name: 'x', metadata: { b: 'é'.repeat(2045) } }), 'metadata'],
      ['metadata that is an array', () => ({ name: 'x', metadata: [1, 2] }), 'metadata'],
      ['a malformed quotaPolicyId', () => ({ name: 'x', quotaPolicyId: 'pol-1!' }), 'quotaPolicyId'],
      ['the quotaPolicyId of nobody', () => ({ name: 'x', quotaPolicyId: 'pol_nobody00000000000' }), 'quotaPolicyId'],
    ];
    for (const [title, body, field] of cases) {
      it(`refuses ${title} with 400 VALIDATION_FAILED naming ${field}`, async () => {
        const res = await rejected('POST', '/v1/keys', { payload: body() });
        expectFieldError(res, field);
      });
    }

    it('says why an expiry in the past is refused', async () => {
      const res = await rejected('POST', '/v1/keys', { payload: { name: 'x', expiresAt: '2020-01-01T00:00:00Z' } });
      expect(errorOf(res).details!.find((d) => d.field === 'expiresAt')!.message).to.match(/future/);
    });

    it('names every bad field of a body at once', async () => {
      const res = await rejected('POST', '/v1/keys', { payload: { name: '', quota: { daily: -1 }, ipAllowlist: ['ok', '10.0.0.0/8'], colour: 1 } });
      expect(errorOf(res).details!.map((d) => d.field)).to.include.members(['name', 'quota.daily', 'ipAllowlist.0', 'colour']);
    });

    it('accepts the edges: metadata of exactly 4 KiB, a 255-character name, prefixes /32 and /128, a far future', async () => {
      const res = await h.inject('POST', '/v1/keys', {
        payload: {
          name: 'e'.repeat(255),
          metadata: { b: 'x'.repeat(MAX_METADATA_BYTES - 8) },
          ipAllowlist: ['192.0.2.1/32', '2001:db8::1/128', '0.0.0.0/0', '::/0'],
          expiresAt: new Date(now() + 1000).toISOString(),
          quota: { total: MAX_SAFE, daily: 0 },
          credits: { remaining: 0, refill: { amount: 1, intervalSeconds: 60 } },
          rateLimit: { limit: 1_000_000_000, windowSeconds: 30 * DAY },
        },
      });
      expect(res.statusCode, res.payload).to.equal(201);
    });

    it('refuses malformed JSON with 400 MALFORMED_JSON', async () => {
      for (const payload of ['{"name": ', '{name: "x"}', "{'name':'x'}", '{"name":"x",}', '\u0000']) {
        const res = await rejected('POST', '/v1/keys', { payload, headers: JSON_HEADERS });
        expect(res.statusCode, payload).to.equal(400);
        expect(errorOf(res).code, payload).to.equal('MALFORMED_JSON');
      }
    });

    it('refuses a body that is not an object, naming the payload', async () => {
      for (const payload of ['null', '[]', '"name"', '42', '']) {
        expectFieldError(await rejected('POST', '/v1/keys', { payload, headers: JSON_HEADERS }), 'payload');
      }
    });

    it('refuses a body over 16 KiB with 413 PAYLOAD_TOO_LARGE', async () => {
      const res = await rejected('POST', '/v1/keys', { payload: { name: 'big', resources: Array.from({ length: 80 }, (_, i) => `${i}`.padEnd(250, 'r')) } });
      expect(res.statusCode).to.equal(413);
      expect(errorOf(res).code).to.equal('PAYLOAD_TOO_LARGE');
    });

    it('refuses a name already taken, in any case, with 409 NAME_TAKEN', async () => {
      const res = await rejected('POST', '/v1/keys', { payload: { name: `  ${TAKEN_NAME.toUpperCase()} ` } });
      expect(res.statusCode).to.equal(409);
      expect(errorOf(res).code).to.equal('NAME_TAKEN');
    });

    it('stores tags that differ only by trailing blanks or case as given, or refuses them (never a 500)', async () => {
      for (const tags of [['a', 'a '], ['b', 'B'], ['c', 'c\u00a0']]) {
        const res = await h.inject('POST', '/v1/keys', { payload: { name: `near duplicates ${tags[0]}`, tags } });
        expect(res.statusCode, `${JSON.stringify(tags)} → ${res.payload}`).to.be.oneOf([201, 400]);
        if (res.statusCode === 201) {
          const got = json(await h.inject('GET', `/v1/keys/${json(res).key.id}`));
          expect(sortedUnique(got.tags)).to.deep.equal(sortedUnique(tags));
        } else {
          expectFieldError(res, 'tags.1');
        }
      }
    });

    it('shows the tags of a key in the same order in the create answer as in GET', async () => {
      const res = await h.inject('POST', '/v1/keys', { payload: { name: 'tag order', tags: ['b', '\uFFFD', '\u{1F600}', 'A'] } });
      expect(res.statusCode, res.payload).to.equal(201);
      const created = json(res).key;
      const read = json(await h.inject('GET', `/v1/keys/${created.id}`));
      expect(created.tags).to.deep.equal(read.tags);
    });
  });

  describe('PATCH: bad input and stale versions change nothing', () => {
    let id: string;
    before(async () => {
      id = (await h.createKey({ name: 'patch target', tags: ['x'], quota: { daily: 5 } })).key.id;
    });

    /** The call is refused, and the key reads exactly as before it. */
    async function unchanged(payload: unknown, headers: Record<string, string> = {}): Promise<ServerInjectResponse> {
      const before = json(await h.inject('GET', `/v1/keys/${id}`));
      const res = await rejected('PATCH', `/v1/keys/${id}`, { payload, headers });
      expect(json(await h.inject('GET', `/v1/keys/${id}`))).to.deep.equal(before);
      return res;
    }

    it('refuses an empty body: at least one field', async () => {
      expectFieldError(await unchanged({}), 'payload');
    });

    it('refuses fields PATCH cannot change, naming them', async () => {
      expectFieldError(await unchanged({ environment: 'development' }), 'environment');
      expectFieldError(await unchanged({ version: 9, tags: ['y'] }), 'version');
    });

    it('refuses each bad field, naming it', async () => {
      expectFieldError(await unchanged({ quota: { daily: -1 } }), 'quota.daily');
      expectFieldError(await unchanged({ ipAllowlist: ['::/129'] }), 'ipAllowlist.0');
      expectFieldError(await unchanged({ name: null }), 'name');
      expectFieldError(await unchanged({ expiresAt: '2000-01-01T00:00:00Z' }), 'expiresAt');
      expectFieldError(await unchanged({ metadata: { blob: 'x'.repeat(5000) } }), 'metadata');
      expectFieldError(await unchanged({ quotaPolicyId: 'pol_nobody00000000000' }), 'quotaPolicyId');
    });

    it('refuses malformed JSON and bodies over 16 KiB', async () => {
      const bad = await unchanged('{"tags": [', JSON_HEADERS);
      expect(errorOf(bad).code).to.equal('MALFORMED_JSON');
      const big = await unchanged({ metadata: { blob: 'x'.repeat(17_000) } });
      expect(big.statusCode).to.equal(413);
      expect(errorOf(big).code).to.equal('PAYLOAD_TOO_LARGE');
    });

    it('refuses a name taken by another key with 409 NAME_TAKEN', async () => {
      const res = await unchanged({ name: TAKEN_NAME.toLowerCase() });
      expect(res.statusCode).to.equal(409);
      expect(errorOf(res).code).to.equal('NAME_TAKEN');
    });

    it('refuses a stale If-Match with 412 VERSION_MISMATCH, and a malformed one with 400 naming the header', async () => {
      const current = json(await h.inject('GET', `/v1/keys/${id}`)).version as number;
      const ok = await h.inject('PATCH', `/v1/keys/${id}`, { payload: { tags: ['x', `v${current}`] }, headers: { 'if-match': `"${current}"` } });
      expect(ok.statusCode, ok.payload).to.equal(200);
      for (const stale of [`"${current}"`, `${current}`, `W/"${current}"`, `"${current + 5}"`, '"0"']) {
        const res = await unchanged({ tags: ['stale'] }, { 'if-match': stale });
        expect(res.statusCode, stale).to.equal(412);
        expect(errorOf(res).code).to.equal('VERSION_MISMATCH');
      }
      for (const junk of ['abc', '*', '"1.5"', '"1234567890"']) {
        expectFieldError(await unchanged({ tags: ['junk'] }, { 'if-match': junk }), 'headers.if-match');
      }
    });

    it('keeps the version and writes no audit event when a PATCH changes nothing (key order aside)', async () => {
      const { key } = await h.createKey({ quota: { total: 3, daily: 5 }, metadata: { a: 1, b: 2 } });
      const audits = await h.count('audit_events');
      for (const payload of [{ quota: { total: 3, daily: 5 } }, { quota: { daily: 5, total: 3 } }, { metadata: { b: 2, a: 1 } }]) {
        const res = await h.inject('PATCH', `/v1/keys/${key.id}`, { payload });
        expect(res.statusCode, res.payload).to.equal(200);
        expect(json(res).version, `${JSON.stringify(payload)} changed nothing`).to.equal(1);
        expect(res.headers.etag).to.equal('"1"');
      }
      expect(await h.count('audit_events')).to.equal(audits);
    });
  });

  describe('unknown ids and ids of another tenant', () => {
    const calls = (id: string): Array<[string, string, object | undefined]> => [
      ['GET', `/v1/keys/${id}`, undefined],
      ['PATCH', `/v1/keys/${id}`, { tags: ['mine-now'] }],
      ['POST', `/v1/keys/${id}/disable`, undefined],
      ['POST', `/v1/keys/${id}/enable`, undefined],
      ['POST', `/v1/keys/${id}/revoke`, undefined],
      ['POST', `/v1/keys/${id}/rotate`, { overlapSeconds: 60 }],
      ['DELETE', `/v1/keys/${id}`, undefined],
    ];

    it('answers 404 NOT_FOUND for a key id nobody has', async () => {
      for (const [method, url, payload] of calls('key_doesNotExist00000000')) {
        const res = await rejected(method, url, payload ? { payload } : {});
        expect(res.statusCode, `${method} ${url}`).to.equal(404);
        expect(errorOf(res).code).to.equal('NOT_FOUND');
      }
    });

    it('answers 400 naming params.id for an id that cannot be one', async () => {
      for (const [method, url, payload] of calls('key-with-dashes!')) {
        expectFieldError(await rejected(method, url, payload ? { payload } : {}), 'params.id');
      }
      expectFieldError(await rejected('GET', `/v1/keys/${'k'.repeat(65)}`), 'params.id');
    });

    it("answers 404 (never 403) for another tenant's key and leaves it as it was", async () => {
      const { key } = await h.createKey({ name: 'globex key', quota: { daily: 7 } }, 'globex');
      const before = json(await h.inject('GET', `/v1/keys/${key.id}`, { as: 'globex' }));
      for (const [method, url, payload] of calls(key.id)) {
        const res = await rejected(method, url, { as: 'acme', ...(payload ? { payload } : {}) });
        expect(res.statusCode, `${method} ${url}`).to.equal(404);
        const error = errorOf(res);
        expect(error.code).to.equal('NOT_FOUND');
        expect(error.message).not.to.include('globex');
      }
      expect(json(await h.inject('GET', `/v1/keys/${key.id}`, { as: 'globex' }))).to.deep.equal(before);
      const listed = json(await h.inject('GET', '/v1/keys?q=globex', { as: 'acme' }));
      expect(listed.items).to.deep.equal([]);
    });
  });

  describe('credentials and scopes', () => {
    const expectUnauthorized = (res: ServerInjectResponse, what: string) => {
      expect(res.statusCode, `${what}: ${res.payload}`).to.equal(401);
      expect(errorOf(res).code, what).to.equal('UNAUTHORIZED');
      expect(res.headers['www-authenticate'], what).to.match(/^Bearer/);
    };

    it('answers 401 UNAUTHORIZED without an Authorization header', async () => {
      expectUnauthorized(await rejected('POST', '/v1/keys', { payload: validBody(), as: null }), 'no header');
      expectUnauthorized(await rejected('GET', '/v1/keys', { as: null }), 'no header (list)');
    });

    it('answers 401 UNAUTHORIZED for a malformed header, a random string, an unknown root key or a key that is not a root key', async () => {
      const acmeKey = (await h.createKey({ name: 'not a root key' })).secret;
      const unknownRoot = generateSecret('acme', 'root');
      const headers: Record<string, string> = {
        'empty value': '',
        'Basic scheme': 'Basic YWNtZTpzZWNyZXQ=',
        'Bearer without a key': 'Bearer',
        'Bearer with two words': `Bearer ${h.tenants.acme.rootKey} extra`,
        'the key without Bearer': h.tenants.acme.rootKey,
        'a random string': `Bearer ${Math.random().toString(36).slice(2)}Zq81`,
        'a typo in a real root key': `Bearer ${h.tenants.acme.rootKey.slice(0, -1)}${h.tenants.acme.rootKey.endsWith('a') ? 'b' : 'a'}`,
        'a well-formed unknown root key': `Bearer ${unknownRoot}`,
        "an unknown root key of a workspace that doesn't exist": `Bearer ${generateSecret('nobody', 'root')}`,
        'an API key instead of a root key': `Bearer ${acmeKey}`,
      };
      for (const [what, authorization] of Object.entries(headers)) {
        expectUnauthorized(await rejected('POST', '/v1/keys', { payload: validBody(), as: { authorization } }), what);
      }
      const message = errorOf(await h.inject('GET', '/v1/keys', { as: { authorization: `Bearer ${unknownRoot}` } })).message;
      expect(message).not.to.include(unknownRoot);
    });

    it('answers 401 (never 500) for any Authorization header', async function () {
      this.timeout(120_000);
      const before = await h.snapshotCounts();
      await fc.assert(
        fc.asyncProperty(fc.oneof(fc.string({ maxLength: 80 }), fc.string({ maxLength: 80 }).map((s) => `Bearer ${s}`), fc.constantFrom('acme_root_', 'Bearer acme_root_')), async (authorization) => {
          const res = await h.inject('POST', '/v1/keys', { payload: validBody(), as: { authorization } });
          expect(res.statusCode, `${JSON.stringify(authorization)} → ${res.payload}`).to.equal(401);
          expect(errorOf(res).code).to.equal('UNAUTHORIZED');
        }),
        { numRuns: 200 },
      );
      expect(await h.snapshotCounts()).to.deep.equal(before);
    });

    it('answers 403 FORBIDDEN naming keys:write to a root key that may only read, before looking at the body', async () => {
      const readOnly = await h.rootKeyWithScopes(['keys:read']);
      const as = { authorization: `Bearer ${readOnly}` };
      const { key } = await h.createKey();
      for (const [method, url, payload] of [
        ['POST', '/v1/keys', validBody()],
        ['POST', '/v1/keys', { name: 42, colour: 'red' }],
        ['PATCH', `/v1/keys/${key.id}`, { tags: ['read-only'] }],
        ['POST', `/v1/keys/${key.id}/revoke`, undefined],
      ] as Array<[string, string, object | undefined]>) {
        const res = await rejected(method, url, { as, ...(payload ? { payload } : {}) });
        expect(res.statusCode, `${method} ${url}: ${res.payload}`).to.equal(403);
        const error = errorOf(res);
        expect(error.code).to.equal('FORBIDDEN');
        expect(error.message).to.include('keys:write');
      }
      expect((await h.inject('GET', `/v1/keys/${key.id}`, { as })).statusCode).to.equal(200);
    });
  });

  describe('properties', () => {
    const stats = (counts: Map<string, number>) =>
      [...counts.entries()]
        .sort((a, b) => b[1] - a[1])
        .map(([k, n]) => `${k}×${n}`)
        .join(', ');

    async function world(): Promise<World> {
      const names = (await h.app.db
        .knex('api_keys')
        .where({ workspace_id: h.tenants.acme.workspaceId })
        .whereNull('deleted_at')
        .pluck('name')) as string[];
      return { now: h.clock.now().getTime(), policyId, taken: new Set(names.map((n) => n.toLowerCase())) };
    }

    it(`POST /v1/keys: ${RUNS} generated bodies, never a 500, never a row from a refused call`, async function () {
      this.timeout(600_000);
      const w = await world();
      const fields = settingsArbs(w.now, policyId, TAKEN_NAME);
      const arb = bodyTexts(
        {
          ...fields,
          environment: { valid: fc.constantFrom(...ENVIRONMENTS), any: mixed(fc.constantFrom(...ENVIRONMENTS), fc.constantFrom('live', 'PRODUCTION', 'prod', '', 'root'), nonString) },
        },
        'create',
      );
      const seen = new Map<string, number>();
      let last = await h.snapshotCounts();
      await fc.assert(
        fc.asyncProperty(arb, async (text) => {
          const parsed = parseBody(text);
          const res = await h.inject('POST', '/v1/keys', { payload: text, headers: JSON_HEADERS });
          const before = last;
          const after = (last = await h.snapshotCounts());
          const info = `POST /v1/keys ${text.slice(0, 3000)}`;
          expect(res.statusCode, `${info}\n→ ${res.statusCode} ${res.payload}`).to.be.below(500);
          const expected = expectedOutcome(text, parsed, w);
          const label = 'code' in expected ? `${expected.status} ${expected.code}` : `${expected.status}`;
          seen.set(label, (seen.get(label) ?? 0) + 1);
          if (!('code' in expected)) {
            expect(res.statusCode, `${info}\n→ ${res.statusCode} ${res.payload}`).to.equal(201);
            const sent = (parsed as { value: Record<string, unknown> }).value;
            const key = json(res).key;
            expect(key.name, info).to.equal((sent.name as string).trim());
            const tagRows = Array.isArray(sent.tags) ? new Set(sent.tags.map(trimTag)).size : 0;
            expect(after, `${info}\none create writes one key, one secret, its tags and one audit event`).to.deep.equal({
              ...before,
              api_keys: before.api_keys! + 1,
              key_secrets: before.key_secrets! + 1,
              audit_events: before.audit_events! + 1,
              api_key_tags: before.api_key_tags! + tagRows,
            });
            w.taken.add(key.name.toLowerCase());
          } else {
            expectRejection(res, expected.status, expected.code, expected.fields, info);
            expect(after, `${info}\n→ ${res.statusCode} ${res.payload.slice(0, 500)}\na refused create wrote rows`).to.deep.equal(before);
          }
        }),
        { numRuns: RUNS },
      );
      console.log(`      create outcomes: ${stats(seen)}`);
    });

    it(`PATCH /v1/keys/{id}: ${RUNS} generated bodies and If-Match headers, never a 500, a refused call changes nothing`, async function () {
      this.timeout(600_000);
      const w = await world();
      const { key } = await h.createKey({ name: 'property target', tags: ['start'], quota: { daily: 5 }, metadata: { plan: 'gold' } });
      w.taken.add(key.name.toLowerCase());
      const url = `/v1/keys/${key.id}`;
      const arb = fc.tuple(bodyTexts(settingsArbs(w.now, policyId, TAKEN_NAME), 'patch'), ifMatchChoices);
      const seen = new Map<string, number>();
      let last = await h.snapshotCounts();
      let current = json(await h.inject('GET', url)) as Record<string, any>;
      await fc.assert(
        fc.asyncProperty(arb, async ([text, choice]) => {
          const parsed = parseBody(text);
          const { header, stale } = ifMatchHeader(choice, current.version);
          const res = await h.inject('PATCH', url, { payload: text, headers: { ...JSON_HEADERS, ...(header !== undefined ? { 'if-match': header } : {}) } });
          const readBack = await h.inject('GET', url);
          const before = last;
          const after = (last = await h.snapshotCounts());
          const previous = current;
          current = json(readBack);
          const info = `PATCH ${url} If-Match: ${header ?? '(none)'} (key at version ${previous.version}) ${text.slice(0, 3000)}`;
          const answer = `${info}\n→ ${res.statusCode} ${res.payload.slice(0, 1500)}`;
          expect(res.statusCode, answer).to.be.below(500);
          expect(readBack.statusCode, answer).to.equal(200);
          const expected = expectedOutcome(text, parsed, w, { ifMatch: header, stale, currentName: previous.name });
          const label = 'code' in expected ? `${expected.status} ${expected.code}` : `${expected.status}`;
          seen.set(label, (seen.get(label) ?? 0) + 1);
          if ('code' in expected) {
            expectRejection(res, expected.status, expected.code, expected.fields, info);
            expect(current, `${answer}\na refused PATCH changed the key`).to.deep.equal(previous);
            expect(after, `${answer}\na refused PATCH wrote rows`).to.deep.equal(before);
            return;
          }
          expect(res.statusCode, answer).to.equal(200);
          const patched = json(res);
          const sent = (parsed as { value: Record<string, unknown> }).value;
          let changed = false;
          for (const [field, value] of Object.entries(sent)) {
            expect(normalised(field, patched[field] ?? null), `${answer}\n${field} was not applied`).to.equal(normalised(field, value));
            if (normalised(field, value) !== normalised(field, previous[field] ?? null)) changed = true;
          }
          expect(patched.version, `${answer}\n${changed ? 'a change must bump the version' : 'a PATCH that changes nothing must keep the version'}`).to.equal(
            previous.version + (changed ? 1 : 0),
          );
          expect(res.headers.etag, answer).to.equal(`"${patched.version}"`);
          expect(withoutDerived(current), `${answer}\nGET after the PATCH reads differently from the PATCH answer`).to.deep.equal(patched);
          const tagDelta = changed && Array.isArray(sent.tags) ? new Set(sent.tags.map(trimTag)).size - (previous.tags as string[]).length : 0;
          expect(after, `${answer}\na PATCH writes one audit event when it changes something, and only tag rows besides`).to.deep.equal({
            ...before,
            audit_events: before.audit_events! + (changed ? 1 : 0),
            api_key_tags: before.api_key_tags! + tagDelta,
          });
          w.taken.delete(String(previous.name).toLowerCase());
          w.taken.add(String(patched.name).toLowerCase());
        }),
        { numRuns: RUNS },
      );
      console.log(`      PATCH outcomes: ${stats(seen)}`);
    });
  });
});
