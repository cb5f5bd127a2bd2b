/**
 * DynamicValue codec (hashicorp/terraform docs/plugin-protocol/object-wire-format.md): msgpack driven by
 * the schema. Any msgpack extension is an unknown value (0 plain, 12 refined; refinements are ignored,
 * which the format allows); numbers may arrive as msgpack strings; blocks are maps with one entry per
 * attribute and nested block type. Outgoing values always carry every attribute of the schema (absent
 * means null) and unknown is written as extension 0, as Terraform itself writes it.
 */
import { decode, encode, ExtData } from '@msgpack/msgpack';
import { UNKNOWN, type BlockSchema, type TfType, type TfValue } from '../framework/contract';

/** What Terraform's own encoder writes for an unknown value: fixext 1, type 0, one zero byte. */
const UNKNOWN_EXT = new ExtData(0, new Uint8Array([0]));

export class ValueError extends Error {
  constructor(message: string, readonly path: ReadonlyArray<string | number>) {
    super(path.length > 0 ? `${message} at ${path.join('.')}` : message);
  }
}

/** The type of a block's value, as an object type (nested blocks become objects, lists or sets of objects). */
export function blockType(block: BlockSchema): TfType {
  const attributes: Record<string, TfType> = {};
  for (const [name, attribute] of Object.entries(block.attributes)) attributes[name] = attribute.type;
  for (const [name, nested] of Object.entries(block.blocks ?? {})) {
    const element = blockType(nested.block);
    attributes[name] = nested.nesting === 'single' ? element : [nested.nesting, element];
  }
  return ['object', attributes];
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array) && !(value instanceof ExtData);
}

/** Converts a value decoded by msgpack or JSON into a {@link TfValue} of type `type`. */
export function fromWire(raw: unknown, type: TfType, path: Array<string | number> = []): TfValue {
  if (raw === null || raw === undefined) return null;
  if (raw instanceof ExtData) return UNKNOWN;
  if (typeof type === 'string') {
    switch (type) {
      case 'string':
        if (typeof raw === 'string') return raw;
        break;
      case 'bool':
        if (typeof raw === 'boolean') return raw;
        break;
      case 'number':
        if (typeof raw === 'number') return raw;
        if (typeof raw === 'bigint') return Number(raw);
        if (typeof raw === 'string' && raw.trim() !== '' && Number.isFinite(Number(raw))) return Number(raw);
        break;
    }
    throw new ValueError(`expected a ${type}, got ${describe(raw)}`, path);
  }
  const [kind, inner] = type;
  switch (kind) {
    case 'list':
    case 'set':
      if (!Array.isArray(raw)) throw new ValueError(`expected a ${kind}, got ${describe(raw)}`, path);
      return raw.map((element, index) => fromWire(element, inner as TfType, [...path, index]));
    case 'map': {
      if (!isPlainObject(raw)) throw new ValueError(`expected a map, got ${describe(raw)}`, path);
      const out: Record<string, TfValue> = {};
      for (const [key, element] of Object.entries(raw)) out[key] = fromWire(element, inner as TfType, [...path, key]);
      return out;
    }
    case 'object': {
      if (!isPlainObject(raw)) throw new ValueError(`expected an object, got ${describe(raw)}`, path);
      const attributes = inner as Readonly<Record<string, TfType>>;
      const out: Record<string, TfValue> = {};
      for (const [name, attributeType] of Object.entries(attributes)) {
        out[name] = fromWire(raw[name], attributeType, [...path, name]);
      }
      return out;
    }
  }
}

/** Converts a {@link TfValue} of type `type` into what the msgpack encoder writes. */
export function toWire(value: TfValue | undefined, type: TfType, path: Array<string | number> = []): unknown {
  if (value === null || value === undefined) return null;
  if (value === UNKNOWN) return UNKNOWN_EXT;
  if (typeof type === 'string') {
    const ok = (type === 'string' && typeof value === 'string')
      || (type === 'bool' && typeof value === 'boolean')
      || (type === 'number' && typeof value === 'number' && Number.isFinite(value));
    if (!ok) throw new ValueError(`expected a ${type}, got ${describe(value)}`, path);
    return value;
  }
  const [kind, inner] = type;
  if (kind === 'list' || kind === 'set') {
    if (!Array.isArray(value)) throw new ValueError(`expected a ${kind}, got ${describe(value)}`, path);
    return value.map((element, index) => toWire(element, inner as TfType, [...path, index]));
  }
  if (!isPlainObject(value)) throw new ValueError(`expected ${kind === 'map' ? 'a map' : 'an object'}, got ${describe(value)}`, path);
  const out: Record<string, unknown> = {};
  if (kind === 'map') {
    for (const [key, element] of Object.entries(value)) out[key] = toWire(element as TfValue, inner as TfType, [...path, key]);
  } else {
    for (const [name, attributeType] of Object.entries(inner as Readonly<Record<string, TfType>>)) {
      out[name] = toWire(value[name] as TfValue | undefined, attributeType, [...path, name]);
    }
  }
  return out;
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value instanceof Uint8Array) return 'bytes';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

/** Nested list and set blocks are never null in Terraform's values: an absent block list is empty. */
function fillBlocks(value: TfValue, block: BlockSchema): TfValue {
  if (!isPlainObject(value)) return value;
  const blocks = Object.entries(block.blocks ?? {});
  if (blocks.length === 0) return value;
  const out: Record<string, TfValue> = { ...(value as Record<string, TfValue>) };
  for (const [name, nested] of blocks) {
    const current = out[name];
    if (nested.nesting === 'single') {
      if (current !== null && current !== undefined && current !== UNKNOWN) out[name] = fillBlocks(current, nested.block);
    } else if (current === null || current === undefined) {
      out[name] = [];
    } else if (Array.isArray(current)) {
      out[name] = current.map((element) => fillBlocks(element, nested.block));
    }
  }
  return out;
}

export interface DynamicValue {
  msgpack?: Buffer | Uint8Array | null;
  json?: Buffer | Uint8Array | null;
}

/** Decodes a request's DynamicValue (msgpack, or JSON when msgpack is empty) against a block schema. */
export function decodeDynamic(value: DynamicValue | null | undefined, block: BlockSchema): TfValue {
  const type = blockType(block);
  if (value?.msgpack && value.msgpack.length > 0) return fromWire(decode(value.msgpack), type);
  if (value?.json && value.json.length > 0) return fromWire(JSON.parse(Buffer.from(value.json).toString('utf8')), type);
  return null;
}

/** Encodes a block's value as msgpack for a response. */
export function encodeDynamic(value: TfValue, block: BlockSchema): { msgpack: Buffer } {
  const wire = toWire(value === null ? null : fillBlocks(value, block), blockType(block));
  return { msgpack: Buffer.from(encode(wire)) };
}
