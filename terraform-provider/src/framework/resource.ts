import type { Diagnostics } from './diagnostics';
import type { PlanEditor } from './plan';
import type { SchemaSpec } from './schema';

/**
 * What every resource and data source call gets besides its values: the configured client, a signal that
 * aborts when Terraform stops the provider, the provider's clock, and the call's diagnostics.
 */
export interface CallContext<Client> {
  client: Client;
  signal: AbortSignal;
  now: Date;
  diagnostics: Diagnostics;
}

/**
 * A managed resource in the shape of terraform-plugin-framework's: a schema with its plan behaviour, and
 * CRUD over typed models `M` (the framework decodes Terraform values into them and encodes them back; an
 * unknown value reads as `undefined`). A call that fails adds an error diagnostic and returns null.
 */
export interface Resource<M, Client> {
  readonly typeName: string;
  readonly schema: SchemaSpec;
  /** Rules across attributes; per-attribute checks live in the schema's `validate`. */
  validate?(config: M, diagnostics: Diagnostics): void;
  /** After the schema's plan rules: the resource's own (rotation due, replace a revoked key). */
  modifyPlan?(plan: PlanEditor, now: Date): void;
  create(request: { planned: M; config: M }, ctx: CallContext<Client>): Promise<M | null>;
  /** Null when the object is gone (Terraform then drops it from state). */
  read(request: { state: M }, ctx: CallContext<Client>): Promise<M | null>;
  update(request: { prior: M; planned: M; config: M }, ctx: CallContext<Client>): Promise<M | null>;
  delete(request: { prior: M }, ctx: CallContext<Client>): Promise<void>;
  /** The object with this id as state, or null if there is none (Terraform reads it right after). */
  importState?(id: string, ctx: CallContext<Client>): Promise<M | null>;
  /** One upgrader per prior schema version, each turning that version's JSON state into the current one's. */
  upgradeState?: Readonly<Record<number, (raw: Record<string, unknown>) => Record<string, unknown>>>;
}

/** A data source: a schema and a read of its configuration into a fully known model. */
export interface DataSource<M, Client> {
  readonly typeName: string;
  readonly schema: SchemaSpec;
  validate?(config: M, diagnostics: Diagnostics): void;
  read(config: M, ctx: CallContext<Client>): Promise<M | null>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyResource<Client> = Resource<any, Client>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyDataSource<Client> = DataSource<any, Client>;
