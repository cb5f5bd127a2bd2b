/**
 * What the protocol layer (gRPC, msgpack, the go-plugin handshake) and the framework (schemas, plans,
 * resources) agree on. The protocol layer decodes every request into these plain values, calls a
 * {@link ProviderCore}, and encodes its answers; it knows nothing of Keysmith. The framework knows
 * nothing of gRPC or msgpack.
 */

/** A value Terraform does not know yet (msgpack extension type 0 or 12 on the wire). */
export const UNKNOWN: unique symbol = Symbol.for('keysmith.terraform.unknown');
export type Unknown = typeof UNKNOWN;

/**
 * A Terraform value: `null`, a primitive, {@link UNKNOWN}, a list or set (array), or an object or map
 * (plain object). Numbers are JavaScript numbers (every number this provider handles is a safe integer).
 */
export type TfValue = null | boolean | number | string | Unknown | TfValue[] | { [name: string]: TfValue };

/** A Terraform type, as in the plugin protocol's JSON type encoding. */
export type TfType =
  | 'string'
  | 'number'
  | 'bool'
  | readonly ['list', TfType]
  | readonly ['set', TfType]
  | readonly ['map', TfType]
  | readonly ['object', Readonly<Record<string, TfType>>];

export interface AttributeSchema {
  type: TfType;
  description: string;
  required?: boolean;
  optional?: boolean;
  computed?: boolean;
  sensitive?: boolean;
  deprecated?: boolean;
}

export interface BlockSchema {
  description?: string;
  attributes: Readonly<Record<string, AttributeSchema>>;
  blocks?: Readonly<Record<string, NestedBlockSchema>>;
}

export interface NestedBlockSchema {
  nesting: 'single' | 'list' | 'set';
  block: BlockSchema;
  minItems?: number;
  maxItems?: number;
}

/** A resource's, data source's or the provider's schema; `version` is the state schema version. */
export interface Schema {
  version: number;
  block: BlockSchema;
}

/** Attribute names and element keys (string) or indexes (number) from the root, e.g. `['rotation', 'every']`. */
export type AttributePath = ReadonlyArray<string | number>;

export interface Diagnostic {
  severity: 'error' | 'warning';
  summary: string;
  detail?: string;
  attribute?: AttributePath;
}

export interface Schemas {
  provider: Schema;
  resources: Readonly<Record<string, Schema>>;
  dataSources: Readonly<Record<string, Schema>>;
}

/** Every call may add diagnostics; an error diagnostic means the call failed. */
export interface WithDiagnostics {
  diagnostics: Diagnostic[];
}

/**
 * The provider as the protocol layer drives it, one method per plugin-protocol RPC. Values are decoded
 * with the matching schema; `null` state means "no object" (a create's prior state, a delete's planned
 * state, a read of an object that is gone).
 */
export interface ProviderCore {
  schemas(): Schemas;
  validateProviderConfig(config: TfValue): Promise<WithDiagnostics>;
  configureProvider(config: TfValue, terraformVersion: string): Promise<WithDiagnostics>;
  validateResourceConfig(typeName: string, config: TfValue): Promise<WithDiagnostics>;
  validateDataResourceConfig(typeName: string, config: TfValue): Promise<WithDiagnostics>;
  /** `rawState` is the state JSON as stored, written by schema `version`; answers it in the current schema. */
  upgradeResourceState(typeName: string, version: number, rawState: unknown): Promise<WithDiagnostics & { upgradedState: TfValue }>;
  readResource(
    typeName: string,
    currentState: TfValue,
    privateData: Buffer,
  ): Promise<WithDiagnostics & { newState: TfValue; privateData?: Buffer }>;
  planResourceChange(request: {
    typeName: string;
    priorState: TfValue;
    proposedNewState: TfValue;
    config: TfValue;
    priorPrivate: Buffer;
  }): Promise<WithDiagnostics & { plannedState: TfValue; requiresReplace: AttributePath[]; plannedPrivate?: Buffer }>;
  applyResourceChange(request: {
    typeName: string;
    priorState: TfValue;
    plannedState: TfValue;
    config: TfValue;
    plannedPrivate: Buffer;
  }): Promise<WithDiagnostics & { newState: TfValue; privateData?: Buffer }>;
  importResourceState(typeName: string, id: string): Promise<WithDiagnostics & { imported: Array<{ typeName: string; state: TfValue; privateData?: Buffer }> }>;
  readDataSource(typeName: string, config: TfValue): Promise<WithDiagnostics & { state: TfValue }>;
  /** StopProvider: cancel work in flight (calls in progress end with an error diagnostic). */
  stop(): Promise<void>;
}
