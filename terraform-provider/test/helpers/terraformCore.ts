/**
 * A test client that plays Terraform core against the real provider process: it starts the executable
 * as Terraform does (magic cookie, PLUGIN_PROTOCOL_VERSIONS, a client certificate in PLUGIN_CLIENT_CERT),
 * reads the handshake line, connects over gRPC with mutual TLS (trusting only the certificate from the
 * handshake, server name `localhost`) and offers one typed call per RPC with plain values in and out;
 * values are msgpack-encoded with the schemas the provider itself returned.
 *
 *   const core = await TerraformCore.start({ env: { KEYSMITH_ENDPOINT: url } });
 *   await core.configure({ endpoint: null, root_key: rootKey, ... });
 *   const plan = await core.plan('keysmith_api_key', null, proposed, proposed);
 *   await core.stop();
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { decode, encode } from '@msgpack/msgpack';
import type { AttributePath, BlockSchema, Diagnostic, NestedBlockSchema, Schema, Schemas, TfType, TfValue } from '../../src/framework/contract';
import { certificateFromHandshake, generateCertificate, type GeneratedCertificate } from '../../src/protocol/cert';
import { loadProtos, MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE } from '../../src/protocol/plugin';
import { blockType, fromWire, toWire } from '../../src/protocol/values';

/** The provider package's root folder (holds bin/ and dist/). */
export const PACKAGE_ROOT = ((): string => {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'bin', 'terraform-provider-keysmith'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('cannot find the provider package root');
    dir = parent;
  }
  return dir;
})();

/** The compiled stand-in provider's entry, for tests of the protocol layer alone. */
export const STAND_IN_ENTRY = path.join(PACKAGE_ROOT, 'dist', 'test', 'protocol', 'standInMain.js');

export interface StartOptions {
  /** Added to the provider's environment (the cookie and TLS variables are set unless overridden). */
  env?: NodeJS.ProcessEnv;
  /** A JavaScript file to run with node instead of bin/terraform-provider-keysmith. */
  entry?: string;
  /** The certificate to present instead of the one announced in PLUGIN_CLIENT_CERT (to test refusal). */
  presentCertificate?: GeneratedCertificate;
  /** Milliseconds to wait for the handshake line. */
  handshakeTimeoutMs?: number;
}

export interface Handshake {
  line: string;
  coreVersion: number;
  protocolVersion: number;
  network: string;
  address: string;
  protocol: string;
  certificate: string;
}

export interface Result {
  diagnostics: Diagnostic[];
}

type Callback = (error: grpc.ServiceError | null, response: Record<string, unknown>) => void;
type RawClient = grpc.Client & Record<string, (request: unknown, callback: Callback) => void>;

export class TerraformCore {
  private schemasCache: Schemas | undefined;
  private stderrText = '';
  private stdoutText = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(
    readonly process: ChildProcess,
    readonly handshake: Handshake,
    readonly provider: RawClient,
    readonly controller: RawClient,
    readonly health: RawClient,
    stderrSoFar: string,
  ) {
    this.stderrText = stderrSoFar;
    this.stdoutText = `${handshake.line}\n`;
    process.stderr?.on('data', (chunk: Buffer) => (this.stderrText += chunk.toString('utf8')));
    process.stdout?.on('data', (chunk: Buffer) => (this.stdoutText += chunk.toString('utf8')));
    this.exited = new Promise((resolve) => {
      if (process.exitCode !== null) resolve({ code: process.exitCode, signal: null });
      else process.once('exit', (code, signal) => resolve({ code, signal }));
    });
  }

  /** Starts the provider process and connects to it as Terraform does. */
  static async start(options: StartOptions = {}): Promise<TerraformCore> {
    const clientCertificate = await generateCertificate();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      [MAGIC_COOKIE_KEY]: MAGIC_COOKIE_VALUE,
      PLUGIN_PROTOCOL_VERSIONS: '6',
      PLUGIN_CLIENT_CERT: clientCertificate.certPem,
      ...options.env,
    };
    const entry = options.entry ?? path.join(PACKAGE_ROOT, 'bin', 'terraform-provider-keysmith');
    const child = spawn(process.execPath, [entry], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    const onStderr = (chunk: Buffer): void => {
      stderr += chunk.toString('utf8');
    };
    child.stderr.on('data', onStderr);
    const line = await readHandshake(child, options.handshakeTimeoutMs ?? 20_000, () => stderr);
    child.stderr.off('data', onStderr);
    const handshake = parseHandshake(line);

    const presented = options.presentCertificate ?? clientCertificate;
    const credentials = grpc.credentials.createSsl(
      Buffer.from(certificateFromHandshake(handshake.certificate)),
      Buffer.from(presented.keyPem),
      Buffer.from(presented.certPem),
    );
    const channelOptions = { 'grpc.ssl_target_name_override': 'localhost', 'grpc.default_authority': 'localhost' };
    const root = loadProtos() as unknown as Record<string, Record<string, new (...args: unknown[]) => RawClient>>;
    const ctor = (pkg: string, name: string): new (...args: unknown[]) => RawClient => {
      let node: unknown = root;
      for (const part of `${pkg}.${name}`.split('.')) node = (node as Record<string, unknown>)[part];
      return node as new (...args: unknown[]) => RawClient;
    };
    const make = (pkg: string, name: string): RawClient => new (ctor(pkg, name))(handshake.address, credentials, channelOptions);
    return new TerraformCore(
      child,
      handshake,
      make('tfplugin6', 'Provider'),
      make('plugin', 'GRPCController'),
      make('grpc.health.v1', 'Health'),
      stderr,
    );
  }

  /** Everything the provider wrote on stderr so far. */
  get stderr(): string {
    return this.stderrText;
  }

  /** Everything the provider wrote on stdout so far (the handshake line first). */
  get stdout(): string {
    return this.stdoutText;
  }

  /** The provider's log lines, parsed (lines that are not JSON are returned as `{ '@raw': line }`). */
  logs(): Array<Record<string, unknown>> {
    return this.stderrText.split('\n').filter((l) => l.trim() !== '').map((l) => {
      try {
        return JSON.parse(l) as Record<string, unknown>;
      } catch {
        return { '@raw': l };
      }
    });
  }

  /** Calls a Provider RPC with a raw protobuf-shaped request (field names as in the .proto). */
  call(method: string, request: Record<string, unknown> = {}, client: RawClient = this.provider): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const fn = client[method];
      if (typeof fn !== 'function') return reject(new Error(`no RPC ${method}`));
      fn.call(client, request, (error: grpc.ServiceError | null, response: Record<string, unknown>) => (error ? reject(error) : resolve(response)));
    });
  }

  /** Calls any method path with an empty body, e.g. an RPC newer than this provider. */
  callRaw(methodPath: string): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      this.provider.makeUnaryRequest(methodPath, (b: Buffer) => b, (b: Buffer) => b, Buffer.alloc(0), (error, value) => (error ? reject(error) : resolve(value as Buffer)));
    });
  }

  async healthCheck(service = 'plugin'): Promise<string> {
    const response = await this.call('Check', { service }, this.health);
    return String(response.status);
  }

  /** The schemas from GetProviderSchema, as the contract's types (fetched once). */
  async schema(): Promise<Schemas> {
    if (this.schemasCache) return this.schemasCache;
    const response = await this.call('GetProviderSchema');
    const table = (raw: unknown): Record<string, Schema> => {
      const out: Record<string, Schema> = {};
      for (const [name, schema] of Object.entries((raw ?? {}) as Record<string, PbSchemaIn>)) out[name] = schemaFromProto(schema);
      return out;
    };
    this.schemasCache = {
      provider: schemaFromProto(response.provider as PbSchemaIn),
      resources: table(response.resource_schemas),
      dataSources: table(response.data_source_schemas),
    };
    return this.schemasCache;
  }

  async getProviderSchemaRaw(): Promise<Record<string, unknown>> {
    return this.call('GetProviderSchema');
  }

  async validateProviderConfig(config: TfValue): Promise<Result> {
    const block = (await this.schema()).provider.block;
    return { diagnostics: diagnosticsFrom(await this.call('ValidateProviderConfig', { config: encodeValue(config, block) })) };
  }

  async configure(config: TfValue, terraformVersion = '1.11.4'): Promise<Result> {
    const block = (await this.schema()).provider.block;
    return { diagnostics: diagnosticsFrom(await this.call('ConfigureProvider', { terraform_version: terraformVersion, config: encodeValue(config, block) })) };
  }

  async validateResource(typeName: string, config: TfValue): Promise<Result> {
    const block = await this.resourceBlock(typeName);
    return { diagnostics: diagnosticsFrom(await this.call('ValidateResourceConfig', { type_name: typeName, config: encodeValue(config, block) })) };
  }

  async validateDataSource(typeName: string, config: TfValue): Promise<Result> {
    const block = await this.dataSourceBlock(typeName);
    return { diagnostics: diagnosticsFrom(await this.call('ValidateDataResourceConfig', { type_name: typeName, config: encodeValue(config, block) })) };
  }

  /** UpgradeResourceState with the state JSON as stored by schema `version`. */
  async upgrade(typeName: string, version: number, state: unknown): Promise<Result & { upgradedState: TfValue }> {
    const block = await this.resourceBlock(typeName);
    const response = await this.call('UpgradeResourceState', { type_name: typeName, version, raw_state: { json: Buffer.from(JSON.stringify(state)) } });
    return { diagnostics: diagnosticsFrom(response), upgradedState: decodeValue(response.upgraded_state, block) };
  }

  async read(typeName: string, state: TfValue, privateData: Buffer = Buffer.alloc(0)): Promise<Result & { newState: TfValue; privateData: Buffer }> {
    const block = await this.resourceBlock(typeName);
    const response = await this.call('ReadResource', { type_name: typeName, current_state: encodeValue(state, block), private: privateData });
    return { diagnostics: diagnosticsFrom(response), newState: decodeValue(response.new_state, block), privateData: response.private as Buffer };
  }

  async plan(
    typeName: string,
    prior: TfValue,
    proposed: TfValue,
    config: TfValue,
    priorPrivate: Buffer = Buffer.alloc(0),
  ): Promise<Result & { plannedState: TfValue; requiresReplace: AttributePath[]; plannedPrivate: Buffer }> {
    const block = await this.resourceBlock(typeName);
    const response = await this.call('PlanResourceChange', {
      type_name: typeName,
      prior_state: encodeValue(prior, block),
      proposed_new_state: encodeValue(proposed, block),
      config: encodeValue(config, block),
      prior_private: priorPrivate,
    });
    return {
      diagnostics: diagnosticsFrom(response),
      plannedState: decodeValue(response.planned_state, block),
      requiresReplace: ((response.requires_replace ?? []) as PbPath[]).map(pathFromProto),
      plannedPrivate: response.planned_private as Buffer,
    };
  }

  async apply(
    typeName: string,
    prior: TfValue,
    planned: TfValue,
    config: TfValue,
    plannedPrivate: Buffer = Buffer.alloc(0),
  ): Promise<Result & { newState: TfValue; privateData: Buffer }> {
    const block = await this.resourceBlock(typeName);
    const response = await this.call('ApplyResourceChange', {
      type_name: typeName,
      prior_state: encodeValue(prior, block),
      planned_state: encodeValue(planned, block),
      config: encodeValue(config, block),
      planned_private: plannedPrivate,
    });
    return { diagnostics: diagnosticsFrom(response), newState: decodeValue(response.new_state, block), privateData: response.private as Buffer };
  }

  async importState(typeName: string, id: string): Promise<Result & { imported: Array<{ typeName: string; state: TfValue; privateData: Buffer }> }> {
    const response = await this.call('ImportResourceState', { type_name: typeName, id });
    const imported: Array<{ typeName: string; state: TfValue; privateData: Buffer }> = [];
    for (const item of (response.imported_resources ?? []) as Array<{ type_name: string; state: unknown; private: Buffer }>) {
      imported.push({ typeName: item.type_name, state: decodeValue(item.state, await this.resourceBlock(item.type_name)), privateData: item.private });
    }
    return { diagnostics: diagnosticsFrom(response), imported };
  }

  async readDataSource(typeName: string, config: TfValue): Promise<Result & { state: TfValue }> {
    const block = await this.dataSourceBlock(typeName);
    const response = await this.call('ReadDataSource', { type_name: typeName, config: encodeValue(config, block) });
    return { diagnostics: diagnosticsFrom(response), state: decodeValue(response.state, block) };
  }

  /** StopProvider: asks the provider to cancel work in flight; resolves to its error text ('' when none). */
  async stopProvider(): Promise<string> {
    const response = await this.call('StopProvider');
    return String(response.Error ?? '');
  }

  /** GRPCController/Shutdown, as Terraform ends every provider process; resolves to the exit code. */
  async stop(): Promise<number | null> {
    if (this.process.exitCode === null && this.process.signalCode === null) {
      await this.call('Shutdown', {}, this.controller).catch(() => undefined);
    }
    const timer = setTimeout(() => this.process.kill('SIGKILL'), 15_000);
    const { code } = await this.exited;
    clearTimeout(timer);
    this.close();
    return code;
  }

  /** Closes the gRPC channels (without stopping the process). */
  close(): void {
    this.provider.close();
    this.controller.close();
    this.health.close();
  }

  private async resourceBlock(typeName: string): Promise<BlockSchema> {
    const schema = (await this.schema()).resources[typeName];
    if (!schema) throw new Error(`the provider has no resource type ${typeName}`);
    return schema.block;
  }

  private async dataSourceBlock(typeName: string): Promise<BlockSchema> {
    const schema = (await this.schema()).dataSources[typeName];
    if (!schema) throw new Error(`the provider has no data source ${typeName}`);
    return schema.block;
  }
}

function readHandshake(child: ChildProcess, timeoutMs: number, stderr: () => string): Promise<string> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    const fail = (why: string): void => {
      cleanup();
      child.kill('SIGKILL');
      reject(new Error(`${why}; stderr: ${stderr()}`));
    };
    const onData = (chunk: Buffer): void => {
      stdout += chunk.toString('utf8');
      const newline = stdout.indexOf('\n');
      if (newline >= 0) {
        cleanup();
        resolve(stdout.slice(0, newline));
      }
    };
    const onExit = (code: number | null): void => fail(`the provider exited (${code}) before its handshake`);
    const timer = setTimeout(() => fail(`no handshake within ${timeoutMs} ms`), timeoutMs);
    const cleanup = (): void => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
    };
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
  });
}

export function parseHandshake(line: string): Handshake {
  const parts = line.split('|');
  if (parts.length < 6) throw new Error(`not a go-plugin handshake line: ${JSON.stringify(line)}`);
  return {
    line,
    coreVersion: Number(parts[0]),
    protocolVersion: Number(parts[1]),
    network: parts[2] ?? '',
    address: parts[3] ?? '',
    protocol: parts[4] ?? '',
    certificate: parts[5] ?? '',
  };
}

interface PbAttributeIn { name: string; type: Buffer; description: string; required: boolean; optional: boolean; computed: boolean; sensitive: boolean; deprecated: boolean }
interface PbBlockIn { attributes: PbAttributeIn[]; block_types: Array<{ type_name: string; block: PbBlockIn; nesting: string; min_items: number; max_items: number }>; description: string }
interface PbSchemaIn { version: number; block: PbBlockIn }
interface PbPath { steps: Array<{ attribute_name?: string; element_key_string?: string; element_key_int?: number; selector?: string }> }

function blockFromProto(block: PbBlockIn): BlockSchema {
  const attributes: BlockSchema['attributes'] = Object.fromEntries(block.attributes.map((a) => [a.name, {
    type: JSON.parse(Buffer.from(a.type).toString('utf8')) as TfType,
    description: a.description,
    required: a.required,
    optional: a.optional,
    computed: a.computed,
    sensitive: a.sensitive,
    deprecated: a.deprecated,
  }]));
  const blocks: Record<string, NestedBlockSchema> = Object.fromEntries(block.block_types.map((b) => [b.type_name, {
    nesting: b.nesting.toLowerCase() as NestedBlockSchema['nesting'],
    block: blockFromProto(b.block),
    minItems: b.min_items,
    maxItems: b.max_items,
  }]));
  return { description: block.description, attributes, blocks };
}

export function schemaFromProto(schema: PbSchemaIn): Schema {
  return { version: schema.version, block: blockFromProto(schema.block) };
}

export function pathFromProto(path: PbPath): AttributePath {
  return path.steps.map((step) => {
    if (step.selector === 'element_key_int' || (step.selector === undefined && step.element_key_int !== undefined && step.attribute_name === undefined)) return Number(step.element_key_int);
    if (step.selector === 'element_key_string') return step.element_key_string ?? '';
    return step.attribute_name ?? '';
  });
}

function diagnosticsFrom(response: Record<string, unknown>): Diagnostic[] {
  return ((response.diagnostics ?? []) as Array<{ severity: string; summary: string; detail: string; attribute?: PbPath | null }>).map((d) => {
    const out: Diagnostic = { severity: d.severity === 'WARNING' ? 'warning' : 'error', summary: d.summary, detail: d.detail };
    if (d.attribute && d.attribute.steps.length > 0) out.attribute = pathFromProto(d.attribute);
    return out;
  });
}

/** A value as a DynamicValue request field (msgpack), as Terraform sends it. */
export function encodeValue(value: TfValue, block: BlockSchema): { msgpack: Buffer } {
  return { msgpack: Buffer.from(encode(toWire(value, blockType(block)))) };
}

/** A DynamicValue response field as a plain value. */
export function decodeValue(value: unknown, block: BlockSchema): TfValue {
  const msgpack = (value as { msgpack?: Buffer } | null | undefined)?.msgpack;
  if (!msgpack || msgpack.length === 0) return null;
  return fromWire(decode(msgpack), blockType(block));
}
