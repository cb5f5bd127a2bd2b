/**
 * The tfplugin6 `Provider` service: decodes each request into the contract's plain values, calls the
 * {@link ProviderCore}, encodes its answer. A failure inside the core becomes an error diagnostic, never a
 * crashed process; RPCs this provider has nothing for (functions, ephemeral resources, moves) answer
 * empty or with a diagnostic; RPCs newer than protocol 6.8 are not in the service and grpc-js answers
 * them UNIMPLEMENTED.
 */
import type * as grpc from '@grpc/grpc-js';
import type { BlockSchema, Diagnostic, ProviderCore, Schema, Schemas, TfValue } from '../framework/contract';
import type { Logger } from './log';
import { diagnosticToProto, pathToProto, schemaToProto, type PbDiagnostic, type PbSchema } from './schema';
import { decodeDynamic, encodeDynamic, ValueError, type DynamicValue } from './values';

type Req = Record<string, unknown> & { type_name?: string };
type Res = Record<string, unknown>;
type Handler = (request: Req) => Promise<Res>;

/** The answer for a request this provider cannot serve: its diagnostics say why. */
class RequestError extends Error {
  constructor(readonly diagnostic: Diagnostic, readonly block?: BlockSchema) {
    super(diagnostic.summary);
  }
}

export interface ProviderServiceOptions {
  core: () => ProviderCore;
  logger: Logger;
  /** Exact values (the root key) to blank in any diagnostic text. */
  secrets: string[];
}

export function providerService(options: ProviderServiceOptions): grpc.UntypedServiceImplementation {
  const { logger, secrets } = options;
  let schemas: Schemas | undefined;
  let schemaResponse: Res | undefined;
  const core = (): ProviderCore => options.core();
  const allSchemas = (): Schemas => (schemas ??= core().schemas());

  const lookup = (kind: 'resource' | 'data source', typeName: string): Schema => {
    const table = kind === 'resource' ? allSchemas().resources : allSchemas().dataSources;
    const schema = Object.prototype.hasOwnProperty.call(table, typeName) ? table[typeName] : undefined;
    if (!schema) {
      throw new RequestError({
        severity: 'error',
        summary: `Unknown ${kind} type`,
        detail: `This provider has no ${kind} type "${typeName}". It has: ${Object.keys(table).join(', ') || 'none'}.`,
      });
    }
    return schema;
  };
  const decode = (value: unknown, block: BlockSchema, what: string): TfValue => {
    try {
      return decodeDynamic(value as DynamicValue | undefined, block);
    } catch (error) {
      const path = error instanceof ValueError ? error.path : [];
      const reason = error instanceof ValueError ? error.message : 'it is not valid msgpack or JSON';
      throw new RequestError({ severity: 'error', summary: `Invalid ${what} from Terraform`, detail: `The ${what} could not be read: ${reason}.`, attribute: path }, block);
    }
  };
  /**
   * Encodes a value for a response. When the call already failed (`failed`), a value that does not fit
   * the schema is left out rather than hiding the core's own error behind an encoding one.
   */
  const encode = (value: TfValue, block: BlockSchema, what: string, failed = false): { msgpack: Buffer } | undefined => {
    try {
      return encodeDynamic(value, block);
    } catch (error) {
      if (failed) return undefined;
      const detail = error instanceof Error ? error.message : String(error);
      throw new RequestError({ severity: 'error', summary: 'Provider produced an invalid value', detail: `The ${what} does not match the schema: ${detail}. This is a bug in the provider.` });
    }
  };
  const diagnostics = (list: Diagnostic[], block?: BlockSchema): PbDiagnostic[] => list.map((d) => diagnosticToProto(d, block, secrets));
  const bytes = (value: unknown): Buffer => (value instanceof Uint8Array ? Buffer.from(value) : Buffer.alloc(0));

  const schemaTable = (table: Readonly<Record<string, Schema>>): Record<string, PbSchema> => {
    const out: Record<string, PbSchema> = {};
    for (const [name, schema] of Object.entries(table)) out[name] = schemaToProto(schema);
    return out;
  };
  const capabilities = { plan_destroy: false, get_provider_schema_optional: true, move_resource_state: false };

  const handlers: Record<string, Handler> = {
    async GetMetadata() {
      const { resources, dataSources } = allSchemas();
      return {
        server_capabilities: capabilities,
        diagnostics: [],
        resources: Object.keys(resources).map((type_name) => ({ type_name })),
        data_sources: Object.keys(dataSources).map((type_name) => ({ type_name })),
        functions: [],
        ephemeral_resources: [],
      };
    },
    async GetProviderSchema() {
      schemaResponse ??= (() => {
        const { provider, resources, dataSources } = allSchemas();
        return {
          provider: schemaToProto(provider),
          resource_schemas: schemaTable(resources),
          data_source_schemas: schemaTable(dataSources),
          functions: {},
          ephemeral_resource_schemas: {},
          diagnostics: [],
          server_capabilities: capabilities,
        };
      })();
      return schemaResponse;
    },
    async ValidateProviderConfig(request) {
      const block = allSchemas().provider.block;
      const config = decode(request.config, block, 'provider configuration');
      rememberSecrets(config, block, secrets);
      return { diagnostics: diagnostics((await core().validateProviderConfig(config)).diagnostics, block) };
    },
    async ConfigureProvider(request) {
      const block = allSchemas().provider.block;
      const config = decode(request.config, block, 'provider configuration');
      rememberSecrets(config, block, secrets);
      const result = await core().configureProvider(config, String(request.terraform_version ?? ''));
      return { diagnostics: diagnostics(result.diagnostics, block) };
    },
    async ValidateResourceConfig(request) {
      const { block } = lookup('resource', request.type_name ?? '');
      const config = decode(request.config, block, 'configuration');
      return { diagnostics: diagnostics((await core().validateResourceConfig(request.type_name ?? '', config)).diagnostics, block) };
    },
    async ValidateDataResourceConfig(request) {
      const { block } = lookup('data source', request.type_name ?? '');
      const config = decode(request.config, block, 'configuration');
      return { diagnostics: diagnostics((await core().validateDataResourceConfig(request.type_name ?? '', config)).diagnostics, block) };
    },
    async UpgradeResourceState(request) {
      const typeName = request.type_name ?? '';
      const { block } = lookup('resource', typeName);
      const raw = request.raw_state as { json?: Uint8Array; flatmap?: Record<string, string> } | undefined;
      if (!raw?.json || raw.json.length === 0) {
        throw new RequestError({ severity: 'error', summary: 'Unsupported state format', detail: 'This provider reads state stored as JSON only (Terraform 0.12 and later).' });
      }
      let rawState: unknown;
      try {
        rawState = JSON.parse(Buffer.from(raw.json).toString('utf8'));
      } catch {
        throw new RequestError({ severity: 'error', summary: 'Invalid state', detail: `The stored state of this ${typeName} is not valid JSON.` });
      }
      const result = await core().upgradeResourceState(typeName, Number(request.version ?? 0), rawState);
      return {
        upgraded_state: hasError(result.diagnostics) ? undefined : encode(result.upgradedState, block, 'upgraded state'),
        diagnostics: diagnostics(result.diagnostics, block),
      };
    },
    async ReadResource(request) {
      const typeName = request.type_name ?? '';
      const { block } = lookup('resource', typeName);
      const current = decode(request.current_state, block, 'current state');
      const result = await core().readResource(typeName, current, bytes(request.private));
      return {
        new_state: encode(result.newState, block, 'refreshed state', hasError(result.diagnostics)),
        private: result.privateData ?? bytes(request.private),
        diagnostics: diagnostics(result.diagnostics, block),
      };
    },
    async PlanResourceChange(request) {
      const typeName = request.type_name ?? '';
      const { block } = lookup('resource', typeName);
      const result = await core().planResourceChange({
        typeName,
        priorState: decode(request.prior_state, block, 'prior state'),
        proposedNewState: decode(request.proposed_new_state, block, 'proposed new state'),
        config: decode(request.config, block, 'configuration'),
        priorPrivate: bytes(request.prior_private),
      });
      return {
        planned_state: encode(result.plannedState, block, 'planned state', hasError(result.diagnostics)),
        requires_replace: result.requiresReplace.map((path) => pathToProto(path, block)),
        planned_private: result.plannedPrivate ?? bytes(request.prior_private),
        diagnostics: diagnostics(result.diagnostics, block),
      };
    },
    async ApplyResourceChange(request) {
      const typeName = request.type_name ?? '';
      const { block } = lookup('resource', typeName);
      const result = await core().applyResourceChange({
        typeName,
        priorState: decode(request.prior_state, block, 'prior state'),
        plannedState: decode(request.planned_state, block, 'planned state'),
        config: decode(request.config, block, 'configuration'),
        plannedPrivate: bytes(request.planned_private),
      });
      return {
        new_state: encode(result.newState, block, 'new state', hasError(result.diagnostics)),
        private: result.privateData ?? Buffer.alloc(0),
        diagnostics: diagnostics(result.diagnostics, block),
      };
    },
    async ImportResourceState(request) {
      const typeName = request.type_name ?? '';
      const { block } = lookup('resource', typeName);
      const result = await core().importResourceState(typeName, String(request.id ?? ''));
      return {
        imported_resources: result.imported.map((imported) => ({
          type_name: imported.typeName,
          state: encode(imported.state, lookup('resource', imported.typeName).block, 'imported state'),
          private: imported.privateData ?? Buffer.alloc(0),
        })),
        diagnostics: diagnostics(result.diagnostics, block),
      };
    },
    async ReadDataSource(request) {
      const typeName = request.type_name ?? '';
      const { block } = lookup('data source', typeName);
      const result = await core().readDataSource(typeName, decode(request.config, block, 'configuration'));
      return {
        state: hasError(result.diagnostics) ? undefined : encode(result.state, block, 'data source state'),
        diagnostics: diagnostics(result.diagnostics, block),
      };
    },
    async GetFunctions() {
      return { functions: {}, diagnostics: [] };
    },
    async MoveResourceState() {
      throw new RequestError({ severity: 'error', summary: 'Moving resources is not supported', detail: 'This provider cannot move state between resource types.' });
    },
    async ValidateEphemeralResourceConfig(request) {
      throw noEphemeral(request.type_name);
    },
    async OpenEphemeralResource(request) {
      throw noEphemeral(request.type_name);
    },
    async RenewEphemeralResource(request) {
      throw noEphemeral(request.type_name);
    },
    async CloseEphemeralResource(request) {
      throw noEphemeral(request.type_name);
    },
    async CallFunction(request) {
      return { error: { text: `This provider has no function "${String(request.name ?? '')}".` } };
    },
  };

  const implementation: grpc.UntypedServiceImplementation = {};
  for (const [method, handler] of Object.entries(handlers)) {
    implementation[method] = (call: grpc.ServerUnaryCall<Req, Res>, callback: grpc.sendUnaryData<Res>) => {
      const started = process.hrtime.bigint();
      const typeName = call.request.type_name || undefined;
      handler(call.request).then(
        (response) => {
          const diagnosticsOut = (response.diagnostics as PbDiagnostic[] | undefined) ?? [];
          logger.debug(`${method} done`, { rpc: method, type_name: typeName, diagnostics: diagnosticsOut.length, duration_ms: elapsedMs(started) });
          callback(null, response);
        },
        (error: unknown) => {
          if (error instanceof RequestError) {
            logger.warn(`${method}: ${error.diagnostic.summary}`, { rpc: method, type_name: typeName });
            callback(null, { diagnostics: [diagnosticToProto(error.diagnostic, error.block, secrets)] });
            return;
          }
          const message = error instanceof Error ? error.message : String(error);
          logger.error(`${method} failed`, { rpc: method, type_name: typeName, error: message });
          callback(null, {
            diagnostics: [diagnosticToProto({ severity: 'error', summary: 'Provider error', detail: `${method} failed: ${message}` }, undefined, secrets)],
          });
        },
      );
    };
  }
  implementation.StopProvider = (_call: grpc.ServerUnaryCall<Req, Res>, callback: grpc.sendUnaryData<Res>) => {
    logger.info('StopProvider: cancelling work in flight');
    core().stop().then(
      () => callback(null, { Error: '' }),
      (error: unknown) => callback(null, { Error: error instanceof Error ? error.message : String(error) }),
    );
  };
  return implementation;
}

function hasError(diagnostics: Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

function noEphemeral(typeName: unknown): RequestError {
  return new RequestError({ severity: 'error', summary: 'Unknown ephemeral resource type', detail: `This provider has no ephemeral resource type "${String(typeName ?? '')}".` });
}

function elapsedMs(started: bigint): number {
  return Math.round(Number(process.hrtime.bigint() - started) / 1e4) / 100;
}

/** Keeps the provider configuration's sensitive strings (the root key) to blank them in diagnostics. */
function rememberSecrets(config: TfValue, block: BlockSchema, secrets: string[]): void {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) return;
  for (const [name, attribute] of Object.entries(block.attributes)) {
    const value = (config as Record<string, TfValue>)[name];
    if (attribute.sensitive && typeof value === 'string' && value.length > 0 && !secrets.includes(value)) secrets.push(value);
  }
}
