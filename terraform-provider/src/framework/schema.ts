import type { AttributePath, AttributeSchema, BlockSchema, Diagnostic, NestedBlockSchema, Schema, TfValue } from './contract';

/**
 * An attribute as resources declare it: the wire schema plus its plan behaviour, declared as data (as
 * terraform-plugin-framework's plan modifiers and defaults are) rather than coded per RPC.
 */
export interface AttributeSpec extends AttributeSchema {
  /** For an optional+computed attribute: the planned value when the configuration leaves it out. */
  default?: TfValue;
  /** On an update, keep the prior state's value instead of planning it unknown (`UseStateForUnknown`). */
  useStateForUnknown?: boolean;
  /** A change of this attribute replaces the object (`RequiresReplace`). */
  requiresReplace?: boolean;
  /**
   * Two known values that mean the same thing (JSON key order, a time's spelling): where this answers true
   * the prior or planned spelling is kept, so neither plan nor read shows a difference.
   */
  semanticEquals?: (a: TfValue, b: TfValue) => boolean;
  /** Checks a known, non-null configuration value; diagnostics carry `path`. */
  validate?: (value: TfValue, path: AttributePath) => Diagnostic[];
}

export interface BlockSpec {
  description?: string;
  attributes: Readonly<Record<string, AttributeSpec>>;
  blocks?: Readonly<Record<string, NestedBlockSpec>>;
}

/** Only `single` nesting is used by this provider's resources; its value is an object or null. */
export interface NestedBlockSpec {
  nesting: 'single';
  block: BlockSpec;
}

export interface SchemaSpec {
  version: number;
  block: BlockSpec;
}

/** The wire schema of a spec: plan behaviour stays on this side of the contract. */
export function toWireSchema(spec: SchemaSpec): Schema {
  return { version: spec.version, block: toWireBlock(spec.block) };
}

function toWireBlock(block: BlockSpec): BlockSchema {
  const attributes: Record<string, AttributeSchema> = {};
  for (const [name, a] of Object.entries(block.attributes)) {
    const wire: AttributeSchema = { type: a.type, description: a.description };
    if (a.required) wire.required = true;
    if (a.optional) wire.optional = true;
    if (a.computed) wire.computed = true;
    if (a.sensitive) wire.sensitive = true;
    if (a.deprecated) wire.deprecated = true;
    attributes[name] = wire;
  }
  const blocks: Record<string, NestedBlockSchema> = {};
  for (const [name, b] of Object.entries(block.blocks ?? {})) {
    blocks[name] = { nesting: b.nesting, block: toWireBlock(b.block) };
  }
  return { ...(block.description ? { description: block.description } : {}), attributes, blocks };
}

/** A data source's schema from a resource-like block: every attribute computed unless listed as a lookup key. */
export function computedCopy(block: BlockSpec, lookupKeys: readonly string[] = [], omit: readonly string[] = []): BlockSpec {
  const attributes: Record<string, AttributeSpec> = {};
  for (const [name, a] of Object.entries(block.attributes)) {
    if (omit.includes(name)) continue;
    const lookup = lookupKeys.includes(name);
    attributes[name] = {
      type: a.type,
      description: a.description,
      computed: true,
      ...(lookup ? { optional: true } : {}),
      ...(a.sensitive ? { sensitive: true } : {}),
      ...(a.semanticEquals ? { semanticEquals: a.semanticEquals } : {}),
    };
  }
  const blocks: Record<string, NestedBlockSpec> = {};
  for (const [name, b] of Object.entries(block.blocks ?? {})) {
    if (omit.includes(name)) continue;
    // A computed nested value cannot be a block (blocks are configuration); it becomes a computed object attribute.
    attributes[name] = { type: objectType(b.block), description: b.block.description ?? name, computed: true };
  }
  return { ...(block.description ? { description: block.description } : {}), attributes, blocks };
}

/** The Terraform object type of a block's value. */
export function objectType(block: BlockSpec): AttributeSchema['type'] {
  const fields: Record<string, AttributeSchema['type']> = {};
  for (const [name, a] of Object.entries(block.attributes)) fields[name] = a.type;
  for (const [name, b] of Object.entries(block.blocks ?? {})) fields[name] = objectType(b.block);
  return ['object', fields];
}
