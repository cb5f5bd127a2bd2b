import type { AttributePath, ProviderCore, Schemas, TfValue, WithDiagnostics } from './contract';
import { Diagnostics, formatPath } from './diagnostics';
import { inconsistencies, planChange } from './plan';
import type { AnyDataSource, AnyResource, CallContext } from './resource';
import { toWireSchema, type BlockSpec, type SchemaSpec } from './schema';
import { conform, isObject, isWhollyKnown, toModel, type TfObject } from './values';

/** What a concrete provider gives the framework: its config schema, how it configures a client, and its types. */
export interface ProviderDefinition<Client> {
  schema: SchemaSpec;
  /** Rules across config attributes (per-attribute ones are in the schema); unknown values read as `undefined`. */
  validateConfig?(config: Record<string, unknown>, diagnostics: Diagnostics): void;
  /** The client every call uses, or null after adding an error diagnostic. */
  configure(config: Record<string, unknown>, diagnostics: Diagnostics, terraformVersion: string): Client | null;
  resources: ReadonlyArray<AnyResource<Client>>;
  dataSources: ReadonlyArray<AnyDataSource<Client>>;
  /** The provider's clock (rotation due is measured by it). */
  now: () => Date;
}

type Result<T> = WithDiagnostics & T;

/**
 * {@link ProviderCore} on top of resource objects: it decodes values into models, runs the schema's plan
 * rules and validators, calls the resource, checks the answer against the plan, and collects diagnostics.
 */
export class FrameworkProvider<Client> implements ProviderCore {
  private readonly resources: ReadonlyMap<string, AnyResource<Client>>;
  private readonly dataSources: ReadonlyMap<string, AnyDataSource<Client>>;
  private readonly wire: Schemas;
  private client: Client | null = null;
  private aborter = new AbortController();

  constructor(private readonly definition: ProviderDefinition<Client>) {
    this.resources = new Map(definition.resources.map((r) => [r.typeName, r]));
    this.dataSources = new Map(definition.dataSources.map((d) => [d.typeName, d]));
    this.wire = {
      provider: toWireSchema(definition.schema),
      resources: Object.fromEntries(definition.resources.map((r) => [r.typeName, toWireSchema(r.schema)])),
      dataSources: Object.fromEntries(definition.dataSources.map((d) => [d.typeName, toWireSchema(d.schema)])),
    };
  }

  schemas(): Schemas {
    return this.wire;
  }

  async validateProviderConfig(config: TfValue): Promise<WithDiagnostics> {
    const diagnostics = new Diagnostics();
    validateBlock(this.definition.schema.block, config, [], diagnostics);
    this.definition.validateConfig?.(toModel(config ?? {}), diagnostics);
    return { diagnostics: diagnostics.list };
  }

  async configureProvider(config: TfValue, terraformVersion: string): Promise<WithDiagnostics> {
    const diagnostics = new Diagnostics();
    validateBlock(this.definition.schema.block, config, [], diagnostics);
    this.definition.validateConfig?.(toModel(config ?? {}), diagnostics);
    if (!diagnostics.hasErrors()) this.client = this.definition.configure(toModel(config ?? {}), diagnostics, terraformVersion);
    return { diagnostics: diagnostics.list };
  }

  async validateResourceConfig(typeName: string, config: TfValue): Promise<WithDiagnostics> {
    const diagnostics = new Diagnostics();
    const resource = this.resource(typeName, diagnostics);
    if (resource) {
      validateBlock(resource.schema.block, config, [], diagnostics);
      resource.validate?.(toModel(config ?? {}), diagnostics);
    }
    return { diagnostics: diagnostics.list };
  }

  async validateDataResourceConfig(typeName: string, config: TfValue): Promise<WithDiagnostics> {
    const diagnostics = new Diagnostics();
    const source = this.dataSource(typeName, diagnostics);
    if (source) {
      validateBlock(source.schema.block, config, [], diagnostics);
      source.validate?.(toModel(config ?? {}), diagnostics);
    }
    return { diagnostics: diagnostics.list };
  }

  async upgradeResourceState(typeName: string, version: number, rawState: unknown): Promise<Result<{ upgradedState: TfValue }>> {
    const diagnostics = new Diagnostics();
    const resource = this.resource(typeName, diagnostics);
    if (!resource) return { diagnostics: diagnostics.list, upgradedState: null };
    if (rawState === null || rawState === undefined) return { diagnostics: diagnostics.list, upgradedState: null };
    const current = resource.schema.version;
    let raw = rawState as Record<string, unknown>;
    if (version !== current) {
      const upgrade = version < current ? resource.upgradeState?.[version] : undefined;
      if (!upgrade) {
        diagnostics.error(
          'Unsupported state version',
          `${typeName} state was written by schema version ${version}; this provider reads version ${current}${version > current ? ' (state from a newer provider: upgrade the provider)' : ''}.`,
        );
        return { diagnostics: diagnostics.list, upgradedState: null };
      }
      raw = upgrade(raw);
    }
    return { diagnostics: diagnostics.list, upgradedState: conform(resource.schema.block, raw) };
  }

  async readResource(typeName: string, currentState: TfValue, privateData: Buffer): Promise<Result<{ newState: TfValue; privateData?: Buffer }>> {
    return this.call<{ newState: TfValue; privateData?: Buffer }>(typeName, { newState: currentState, privateData }, async (resource, ctx) => {
      if (!isObject(currentState)) return { newState: null };
      const found = await resource.read({ state: toModel(currentState) }, ctx);
      if (ctx.diagnostics.hasErrors()) return { newState: currentState, privateData };
      if (found === null) return { newState: null };
      const newState = keepSpelling(resource.schema.block, currentState, conform(resource.schema.block, found));
      this.requireKnown(newState, typeName, 'read', ctx.diagnostics);
      return { newState, privateData };
    });
  }

  async planResourceChange(request: {
    typeName: string;
    priorState: TfValue;
    proposedNewState: TfValue;
    config: TfValue;
    priorPrivate: Buffer;
  }): Promise<Result<{ plannedState: TfValue; requiresReplace: AttributePath[]; plannedPrivate?: Buffer }>> {
    const diagnostics = new Diagnostics();
    const resource = this.resource(request.typeName, diagnostics);
    if (!resource) return { diagnostics: diagnostics.list, plannedState: request.proposedNewState, requiresReplace: [] };
    const now = this.definition.now();
    const hook = resource.modifyPlan ? (editor: Parameters<NonNullable<typeof resource.modifyPlan>>[0]) => resource.modifyPlan!(editor, now) : undefined;
    const outcome = planChange(resource.schema, request.priorState, request.proposedNewState, request.config, hook);
    return { diagnostics: diagnostics.list, plannedState: outcome.planned, requiresReplace: outcome.requiresReplace, plannedPrivate: request.priorPrivate };
  }

  async applyResourceChange(request: {
    typeName: string;
    priorState: TfValue;
    plannedState: TfValue;
    config: TfValue;
    plannedPrivate: Buffer;
  }): Promise<Result<{ newState: TfValue; privateData?: Buffer }>> {
    const { typeName, priorState, plannedState, config } = request;
    return this.call<{ newState: TfValue; privateData?: Buffer }>(typeName, { newState: priorState }, async (resource, ctx) => {
      if (!isObject(plannedState)) {
        if (isObject(priorState)) await resource.delete({ prior: toModel(priorState) }, ctx);
        return { newState: ctx.diagnostics.hasErrors() ? priorState : null };
      }
      const model = isObject(priorState)
        ? await resource.update({ prior: toModel(priorState), planned: toModel(plannedState), config: toModel(config) }, ctx)
        : await resource.create({ planned: toModel(plannedState), config: toModel(config) }, ctx);
      if (model === null) {
        if (!ctx.diagnostics.hasErrors()) ctx.diagnostics.error(`${typeName}: the apply returned no object`, 'This is a bug in the provider.');
        return { newState: priorState };
      }
      const newState = keepSpelling(resource.schema.block, plannedState, conform(resource.schema.block, model));
      if (!ctx.diagnostics.hasErrors()) {
        for (const path of inconsistencies(plannedState, newState)) {
          ctx.diagnostics.error(
            'Provider produced inconsistent result',
            `After applying ${typeName}, ${formatPath(path)} is not what the plan said it would be. This is a bug in the provider; the object was saved with the values Keysmith holds.`,
            path,
          );
        }
      }
      return { newState, privateData: request.plannedPrivate };
    });
  }

  async importResourceState(typeName: string, id: string): Promise<Result<{ imported: Array<{ typeName: string; state: TfValue; privateData?: Buffer }> }>> {
    return this.call<{ imported: Array<{ typeName: string; state: TfValue; privateData?: Buffer }> }>(typeName, { imported: [] }, async (resource, ctx) => {
      if (!resource.importState) {
        ctx.diagnostics.error('Import not supported', `${typeName} cannot be imported.`);
        return { imported: [] };
      }
      const model = await resource.importState(id, ctx);
      if (model === null) {
        if (!ctx.diagnostics.hasErrors()) ctx.diagnostics.error('Cannot import a non-existent object', `No ${typeName} has the id "${id}".`);
        return { imported: [] };
      }
      return { imported: [{ typeName, state: conform(resource.schema.block, model) }] };
    });
  }

  async readDataSource(typeName: string, config: TfValue): Promise<Result<{ state: TfValue }>> {
    const diagnostics = new Diagnostics();
    const source = this.dataSource(typeName, diagnostics);
    const ctx = source && this.context(diagnostics);
    if (!source || !ctx) return { diagnostics: diagnostics.list, state: null };
    try {
      const model = await source.read(toModel(config ?? {}), ctx);
      if (model === null) return { diagnostics: diagnostics.list, state: null };
      const state = conform(source.schema.block, model);
      this.requireKnown(state, typeName, 'read', diagnostics);
      return { diagnostics: diagnostics.list, state };
    } catch (err) {
      diagnostics.error(`${typeName}: unexpected failure`, errorText(err));
      return { diagnostics: diagnostics.list, state: null };
    }
  }

  async stop(): Promise<void> {
    this.aborter.abort(new Error('Terraform stopped the provider'));
    this.aborter = new AbortController();
  }

  private async call<T extends object>(
    typeName: string,
    fallback: T,
    body: (resource: AnyResource<Client>, ctx: CallContext<Client>) => Promise<T>,
  ): Promise<Result<T>> {
    const diagnostics = new Diagnostics();
    const resource = this.resource(typeName, diagnostics);
    const ctx = resource && this.context(diagnostics);
    if (!resource || !ctx) return { diagnostics: diagnostics.list, ...fallback };
    try {
      return { ...(await body(resource, ctx)), diagnostics: diagnostics.list };
    } catch (err) {
      diagnostics.error(`${typeName}: unexpected failure`, errorText(err));
      return { diagnostics: diagnostics.list, ...fallback };
    }
  }

  private context(diagnostics: Diagnostics): CallContext<Client> | null {
    if (this.client === null) {
      diagnostics.error('Provider not configured', 'ConfigureProvider has not succeeded, so there is no Keysmith client to call.');
      return null;
    }
    return { client: this.client, signal: this.aborter.signal, now: this.definition.now(), diagnostics };
  }

  private resource(typeName: string, diagnostics: Diagnostics): AnyResource<Client> | undefined {
    const r = this.resources.get(typeName);
    if (!r) diagnostics.error('Unknown resource type', `This provider has no resource type "${typeName}".`);
    return r;
  }

  private dataSource(typeName: string, diagnostics: Diagnostics): AnyDataSource<Client> | undefined {
    const d = this.dataSources.get(typeName);
    if (!d) diagnostics.error('Unknown data source', `This provider has no data source "${typeName}".`);
    return d;
  }

  private requireKnown(value: TfValue, typeName: string, what: string, diagnostics: Diagnostics): void {
    if (!isWhollyKnown(value)) diagnostics.error(`${typeName}: ${what} returned unknown values`, 'This is a bug in the provider.');
  }
}

/** Runs each attribute's validator on known, non-null configuration values, nested blocks included. */
export function validateBlock(block: BlockSpec, value: TfValue, base: AttributePath, diagnostics: Diagnostics): void {
  if (!isObject(value)) return;
  for (const [name, attr] of Object.entries(block.attributes)) {
    const v = value[name] ?? null;
    if (attr.validate && v !== null && isWhollyKnown(v)) diagnostics.append(attr.validate(v, [...base, name]));
  }
  for (const [name, nested] of Object.entries(block.blocks ?? {})) validateBlock(nested.block, value[name] ?? null, [...base, name], diagnostics);
}

/** `actual` with the reference's spelling wherever an attribute's `semanticEquals` says both mean the same. */
function keepSpelling(block: BlockSpec, reference: TfObject, actual: TfObject): TfObject {
  const out: TfObject = { ...actual };
  for (const [name, attr] of Object.entries(block.attributes)) {
    const ref = reference[name] ?? null;
    const got = out[name] ?? null;
    if (attr.semanticEquals && ref !== null && got !== null && isWhollyKnown(ref) && isWhollyKnown(got) && attr.semanticEquals(ref, got)) out[name] = ref;
  }
  for (const [name, nested] of Object.entries(block.blocks ?? {})) {
    const ref = reference[name];
    const got = out[name];
    if (isObject(ref) && isObject(got)) out[name] = keepSpelling(nested.block, ref, got);
  }
  return out;
}

/** An error's message for a diagnostic (messages of the SDK's errors never carry a secret). */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
