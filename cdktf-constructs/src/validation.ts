import { isIP } from 'node:net';
import { Token } from './cdk';
import type { Duration } from './duration';

/**
 * Checks of construct props, run in constructors so a mistake fails at synth with a message that names the
 * prop, what was given and what was expected. A value that is a token is only known to Terraform and is
 * left to the provider.
 */

/** The largest whole number the service accepts in counters (JavaScript's safe integer range). */
const MAX_INT = Number.MAX_SAFE_INTEGER;

/** Fails unless `value` is a whole number in [min, max]. */
export function checkWholeNumber(path: string, value: number | undefined, min: number, max = MAX_INT): void {
  if (value === undefined || Token.isUnresolved(value)) return;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new Error(`${path} must be a whole number, got ${describe(value)}`);
  }
  if (value < min || value > max) {
    const range = max === MAX_INT ? `at least ${min}` : `between ${min} and ${max}`;
    throw new Error(`${path} must be ${range}, got ${value}`);
  }
}

/** What a text may contain, as the service checks it. */
export interface TextRule {
  /** Characters allowed, as a whole-string pattern. @default any printable character */
  readonly pattern?: RegExp;
  /** The allowed characters in words, for the message. @default "printable characters" */
  readonly allowed?: string;
}

const PRINTABLE = /^[^\u0000-\u001f\u007f]+$/;

/** Fails unless `value` is a non-empty string of at most `maxLength` allowed characters. */
export function checkText(path: string, value: string | undefined, maxLength: number, rule: TextRule = {}): void {
  if (value === undefined || Token.isUnresolved(value)) return;
  if (typeof value !== 'string') throw new Error(`${path} must be a string, got ${describe(value)}`);
  if (value.trim() === '') throw new Error(`${path} must not be empty, got ${JSON.stringify(value)}`);
  if (value.length > maxLength) {
    throw new Error(`${path} must be at most ${maxLength} characters, got ${value.length} characters`);
  }
  if (!(rule.pattern ?? PRINTABLE).test(value)) {
    throw new Error(`${path} may contain only ${rule.allowed ?? 'printable characters'}, got ${JSON.stringify(value)}`);
  }
}

/** Fails unless `value` is one of `allowed`. */
export function checkOneOf(path: string, value: string | undefined, allowed: readonly string[]): void {
  if (value === undefined || Token.isUnresolved(value)) return;
  if (!allowed.includes(value)) {
    throw new Error(`${path} must be one of ${allowed.join(', ')}, got ${describe(value)}`);
  }
}

/** Fails unless every entry is an IPv4/IPv6 address or CIDR, as the service accepts them. */
export function checkIpAllowlist(path: string, entries: readonly string[] | undefined): void {
  if (entries === undefined || Token.isUnresolved(entries)) return;
  checkListShape(path, entries, 100);
  entries.forEach((entry, index) => {
    if (Token.isUnresolved(entry)) return;
    if (typeof entry !== 'string' || !isIpOrCidr(entry)) {
      throw new Error(`${path}[${index}] must be an ipv4 or ipv6 address or cidr (e.g. 10.0.0.0/8), got ${describe(entry)}`);
    }
  });
}

/** Fails unless a list has at most `maxEntries` distinct entries, each a valid text. */
export function checkTextList(
  path: string,
  entries: readonly string[] | undefined,
  maxEntries: number,
  maxLength: number,
  rule: TextRule = {},
): void {
  if (entries === undefined || Token.isUnresolved(entries)) return;
  checkListShape(path, entries, maxEntries);
  entries.forEach((entry, index) => checkText(`${path}[${index}]`, entry, maxLength, rule));
}

/** Fails when a known list has more than `maxEntries` entries or repeats one. */
export function checkListShape(path: string, entries: readonly string[], maxEntries: number): void {
  if (entries.length > maxEntries) {
    throw new Error(`${path} must have at most ${maxEntries} entries, got ${entries.length}`);
  }
  const seen = new Set<string>();
  for (const entry of entries) {
    if (Token.isUnresolved(entry)) continue;
    if (seen.has(entry)) throw new Error(`${path} must not repeat an entry, got ${JSON.stringify(entry)} twice`);
    seen.add(entry);
  }
}

/** Fails when a known duration is shorter than `min`. */
export function checkDurationAtLeast(path: string, value: Duration | undefined, min: Duration): void {
  if (value === undefined || value.isUnresolved()) return;
  if (value.isShorterThan(min)) {
    throw new Error(`${path} must be at least ${min.toHumanString()}, got ${value.toHumanString()}`);
  }
}

/** Fails when a known duration is longer than `max`. */
export function checkDurationAtMost(path: string, value: Duration | undefined, max: Duration, maxLabel: string): void {
  if (value === undefined || value.isUnresolved() || max.isUnresolved()) return;
  if (value.isLongerThan(max)) {
    throw new Error(`${path} must not be longer than ${maxLabel} (${max.toHumanString()}), got ${value.toHumanString()}`);
  }
}

/** The same rule as the service: Node's parser decides what an address is; a prefix fits its family. */
export function isIpOrCidr(text: string): boolean {
  const slash = text.indexOf('/');
  const address = slash === -1 ? text : text.slice(0, slash);
  const version = address.includes('%') ? 0 : isIP(address);
  if (version === 0) return false;
  if (slash === -1) return true;
  const prefix = text.slice(slash + 1);
  if (!/^(0|[1-9][0-9]{0,2})$/.test(prefix)) return false;
  return Number(prefix) <= (version === 4 ? 32 : 128);
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}
