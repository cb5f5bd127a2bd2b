import { UNKNOWN, type TfValue } from './contract';
import type { BlockSpec } from './schema';

export type TfObject = { [name: string]: TfValue };

export function isObject(value: TfValue | undefined): value is TfObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** True when the value holds no {@link UNKNOWN} at any depth. */
export function isWhollyKnown(value: TfValue): boolean {
  if (value === UNKNOWN) return false;
  if (Array.isArray(value)) return value.every(isWhollyKnown);
  if (isObject(value)) return Object.values(value).every(isWhollyKnown);
  return true;
}

/** Exact equality of two values; an unknown equals nothing, not even another unknown. */
export function valuesEqual(a: TfValue, b: TfValue): boolean {
  if (a === UNKNOWN || b === UNKNOWN) return false;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return a === b;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => valuesEqual(v, b[i] as TfValue));
  }
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) if (!valuesEqual(a[k] ?? null, b[k] ?? null)) return false;
  return true;
}

/**
 * A value shaped by a block: every attribute and block present (null where absent), nothing else. Turns a
 * resource's model, or JSON state as stored, into the object Terraform expects. A field a model holds as
 * `undefined` is unknown, so a result that forgot to fill it in is caught as one.
 */
export function conform(block: BlockSpec, value: unknown): TfObject {
  const source = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const out: TfObject = {};
  for (const name of Object.keys(block.attributes)) out[name] = name in source ? toTf(source[name]) : null;
  for (const [name, nested] of Object.entries(block.blocks ?? {})) {
    const v = source[name];
    out[name] = v === null || !(name in source) ? null : v === UNKNOWN || v === undefined ? UNKNOWN : conform(nested.block, v);
  }
  return out;
}

function toTf(value: unknown): TfValue {
  if (value === undefined) return UNKNOWN;
  if (value === null) return null;
  if (value === UNKNOWN || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value as TfValue;
  if (Array.isArray(value)) return value.map(toTf);
  if (typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toTf(v)]));
  throw new TypeError(`not a Terraform value: ${typeof value}`);
}

/**
 * The typed view a resource works with: the same object, with unknown values as `undefined` ("known after
 * apply"). Nested blocks stay objects or null.
 */
export function toModel<M>(value: TfValue): M {
  return fromTf(value) as M;
}

function fromTf(value: TfValue): unknown {
  if (value === UNKNOWN) return undefined;
  if (Array.isArray(value)) return value.map(fromTf);
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fromTf(v)]));
  return value;
}
