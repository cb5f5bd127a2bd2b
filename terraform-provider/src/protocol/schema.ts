/**
 * Conversions between the contract's schemas, diagnostics and attribute paths and their protobuf
 * messages (plain objects as @grpc/proto-loader reads and writes them, field names as in the .proto).
 */
import type { AttributePath, BlockSchema, Diagnostic, Schema, TfType } from '../framework/contract';
import { redact } from './log';

export interface PbAttribute {
  name: string;
  type: Buffer;
  description: string;
  description_kind: 'PLAIN';
  required: boolean;
  optional: boolean;
  computed: boolean;
  sensitive: boolean;
  deprecated: boolean;
}

export interface PbBlock {
  version: number;
  attributes: PbAttribute[];
  block_types: PbNestedBlock[];
  description: string;
  description_kind: 'PLAIN';
  deprecated: boolean;
}

export interface PbNestedBlock {
  type_name: string;
  block: PbBlock;
  nesting: 'SINGLE' | 'LIST' | 'SET';
  min_items: number;
  max_items: number;
}

export interface PbSchema {
  version: number;
  block: PbBlock;
}

export interface PbStep {
  attribute_name?: string;
  element_key_string?: string;
  element_key_int?: number;
}

export interface PbAttributePath {
  steps: PbStep[];
}

export interface PbDiagnostic {
  severity: 'ERROR' | 'WARNING';
  summary: string;
  detail: string;
  attribute?: PbAttributePath;
}

const NESTING = { single: 'SINGLE', list: 'LIST', set: 'SET' } as const;

function blockToProto(block: BlockSchema, version: number): PbBlock {
  return {
    version,
    attributes: Object.entries(block.attributes).map(([name, attribute]) => ({
      name,
      type: Buffer.from(JSON.stringify(attribute.type)),
      description: attribute.description,
      description_kind: 'PLAIN',
      required: attribute.required ?? false,
      optional: attribute.optional ?? false,
      computed: attribute.computed ?? false,
      sensitive: attribute.sensitive ?? false,
      deprecated: attribute.deprecated ?? false,
    })),
    block_types: Object.entries(block.blocks ?? {}).map(([name, nested]) => ({
      type_name: name,
      block: blockToProto(nested.block, version),
      nesting: NESTING[nested.nesting],
      // Terraform wants a single block's min and max equal: 0 for an optional block, 1 for a required one.
      min_items: nested.minItems ?? 0,
      max_items: nested.nesting === 'single' ? (nested.minItems ?? 0) : (nested.maxItems ?? 0),
    })),
    description: block.description ?? '',
    description_kind: 'PLAIN',
    deprecated: false,
  };
}

export function schemaToProto(schema: Schema): PbSchema {
  return { version: schema.version, block: blockToProto(schema.block, schema.version) };
}

/**
 * A path as protobuf steps. Which kind a string step is depends on where it points: an attribute of an
 * object or block is `attribute_name`, a key of a map is `element_key_string`; numbers are list or set
 * indexes. Without a schema every string is taken as an attribute name.
 */
export function pathToProto(path: AttributePath, block?: BlockSchema): PbAttributePath {
  const steps: PbStep[] = [];
  // What the current step indexes into: a block, a type, or nothing known.
  let at: { block: BlockSchema } | { type: TfType } | undefined = block ? { block } : undefined;
  for (const step of path) {
    if (typeof step === 'number') {
      steps.push({ element_key_int: step });
      if (at && 'type' in at && Array.isArray(at.type) && (at.type[0] === 'list' || at.type[0] === 'set')) {
        at = { type: at.type[1] as TfType };
      } else if (at && 'block' in at) {
        at = { block: at.block };
      } else {
        at = undefined;
      }
      continue;
    }
    if (at && 'type' in at && Array.isArray(at.type) && at.type[0] === 'map') {
      steps.push({ element_key_string: step });
      at = { type: at.type[1] as TfType };
      continue;
    }
    steps.push({ attribute_name: step });
    if (at && 'block' in at) {
      const attribute = at.block.attributes[step];
      const nested = at.block.blocks?.[step];
      // A list or set block's elements are blocks too: the index step keeps the block.
      at = attribute ? { type: attribute.type } : nested ? { block: nested.block } : undefined;
    } else if (at && 'type' in at && Array.isArray(at.type) && at.type[0] === 'object') {
      const attributeType = (at.type[1] as Readonly<Record<string, TfType>>)[step];
      at = attributeType ? { type: attributeType } : undefined;
    } else {
      at = undefined;
    }
  }
  return { steps };
}

/** A diagnostic as protobuf, with credentials blanked in its text (`known` adds exact values to blank). */
export function diagnosticToProto(diagnostic: Diagnostic, block?: BlockSchema, known: readonly string[] = []): PbDiagnostic {
  const out: PbDiagnostic = {
    severity: diagnostic.severity === 'warning' ? 'WARNING' : 'ERROR',
    summary: redact(diagnostic.summary, known),
    detail: redact(diagnostic.detail ?? '', known),
  };
  if (diagnostic.attribute && diagnostic.attribute.length > 0) out.attribute = pathToProto(diagnostic.attribute, block);
  return out;
}
