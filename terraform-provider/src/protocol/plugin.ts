/**
 * The go-plugin side of the provider process (hashicorp/go-plugin server.go): refuse to run unless
 * Terraform started us, agree on protocol 6, serve gRPC on 127.0.0.1 with AutoMTLS, print the one
 * handshake line on stdout, and stop when the client calls GRPCController/Shutdown.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ProviderCore } from '../framework/contract';
import { generateCertificate, handshakeCertificate } from './cert';
import { createLogger, levelFromEnv, type Logger } from './log';
import { providerService } from './server';

export const MAGIC_COOKIE_KEY = 'TF_PLUGIN_MAGIC_COOKIE';
export const MAGIC_COOKIE_VALUE = 'd602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2';
export const PROTOCOL_VERSION = 6;

/** How long Shutdown and SIGTERM wait for calls in flight before closing connections. */
const DRAIN_MS = 10_000;

export const NOT_A_COMMAND = [
  'This is a Terraform provider plugin: Terraform starts it, it is not meant to be run directly.',
  'To use it, declare it in your configuration and run Terraform:',
  '',
  '  terraform {',
  '    required_providers {',
  '      keysmith = { source = "keysmith.local/keysmith/keysmith" }',
  '    }',
  '  }',
  '',
  'then `terraform init` and `terraform plan`. See docs/terraform.md for installing it from a filesystem mirror.',
  '',
].join('\n');

export const PROTO_FILES = ['tfplugin6.proto', 'go-plugin.proto', 'health.proto'];

/** The folder with the .proto files, from src/ (ts-node) or dist/src/ (compiled). */
export function protoDir(): string {
  for (const candidate of [path.resolve(__dirname, '../../proto'), path.resolve(__dirname, '../../../proto')]) {
    if (fs.existsSync(path.join(candidate, 'tfplugin6.proto'))) return candidate;
  }
  throw new Error('the provider\'s proto/ folder is missing from its package');
}

/**
 * The services, from proto/descriptor.json: the .proto files compiled to protobufjs JSON
 * (`npm run -w terraform-provider proto:json`), which loads several times faster than parsing them.
 */
export function loadProtos(): grpc.GrpcObject {
  const json = JSON.parse(fs.readFileSync(path.join(protoDir(), 'descriptor.json'), 'utf8')) as Parameters<typeof protoLoader.fromJSON>[0];
  const definition = protoLoader.fromJSON(json, { keepCase: true, longs: Number, enums: String, defaults: true, oneofs: true });
  return grpc.loadPackageDefinition(definition);
}

function service(root: grpc.GrpcObject, name: string): grpc.ServiceDefinition {
  let node: unknown = root;
  for (const part of name.split('.')) node = (node as Record<string, unknown>)[part];
  return (node as { service: grpc.ServiceDefinition }).service;
}

export interface RunOptions {
  /** Builds the provider on first use, so the handshake does not wait for it. */
  core: () => ProviderCore;
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
}

/** Runs the plugin until Terraform shuts it down; exits the process. */
export async function runPlugin(options: RunOptions): Promise<void> {
  const env = options.env ?? process.env;
  if (env[MAGIC_COOKIE_KEY] !== MAGIC_COOKIE_VALUE) {
    process.stderr.write(NOT_A_COMMAND);
    process.exit(1);
  }
  const logger = options.logger ?? createLogger(levelFromEnv(env));
  const offered = (env.PLUGIN_PROTOCOL_VERSIONS ?? '').split(',').map((v) => v.trim()).filter(Boolean);
  if (offered.length > 0 && !offered.includes(String(PROTOCOL_VERSION))) {
    logger.error('Terraform offers no plugin protocol this provider speaks', { offered: offered.join(','), supported: PROTOCOL_VERSION });
    process.stderr.write(`This provider speaks plugin protocol ${PROTOCOL_VERSION} (Terraform 1.0 and later); this Terraform offers ${offered.join(', ')}.\n`);
    process.exit(1);
  }

  let core: ProviderCore | undefined;
  const secrets = env.KEYSMITH_ROOT_KEY ? [env.KEYSMITH_ROOT_KEY] : [];
  const root = loadProtos();
  const server = new grpc.Server({ 'grpc.max_receive_message_length': 256 * 1024 * 1024 });
  const openStreams = new Set<grpc.ServerWritableStream<unknown, unknown> | grpc.ServerDuplexStream<unknown, unknown>>();
  let stopping = false;

  const shutdown = (reason: string): void => {
    if (stopping) return;
    stopping = true;
    logger.debug('plugin shutting down', { reason });
    for (const stream of openStreams) stream.end();
    const force = setTimeout(() => server.forceShutdown(), DRAIN_MS);
    force.unref();
    server.tryShutdown(() => {
      clearTimeout(force);
      // Let stderr drain before leaving.
      process.stderr.write('', () => process.exit(0));
    });
  };

  server.addService(service(root, 'tfplugin6.Provider'), providerService({
    core: () => (core ??= options.core()),
    logger,
    secrets,
  }));
  server.addService(service(root, 'plugin.GRPCController'), {
    Shutdown: (_call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      callback(null, {});
      setImmediate(() => shutdown('GRPCController/Shutdown'));
    },
  });
  server.addService(service(root, 'plugin.GRPCStdio'), {
    // Logs go to stderr directly, which go-plugin reads; the stream stays open and silent until shutdown.
    StreamStdio: (call: grpc.ServerWritableStream<unknown, unknown>) => {
      openStreams.add(call);
      call.on('cancelled', () => openStreams.delete(call));
      if (stopping) call.end();
    },
  });
  server.addService(service(root, 'plugin.GRPCBroker'), {
    // No sub-plugins are ever brokered: keep the stream open, answer nothing.
    StartStream: (call: grpc.ServerDuplexStream<unknown, unknown>) => {
      openStreams.add(call);
      call.on('data', () => undefined);
      call.on('end', () => {
        openStreams.delete(call);
        call.end();
      });
      call.on('cancelled', () => openStreams.delete(call));
      if (stopping) call.end();
    },
  });
  server.addService(service(root, 'grpc.health.v1.Health'), {
    Check: (call: grpc.ServerUnaryCall<{ service: string }, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      const name = call.request.service;
      if (name === '' || name === 'plugin') callback(null, { status: 'SERVING' });
      else callback({ code: grpc.status.NOT_FOUND, details: `unknown service ${name}` });
    },
  });

  let credentials = grpc.ServerCredentials.createInsecure();
  let certificateField = '';
  const clientCert = env.PLUGIN_CLIENT_CERT;
  if (clientCert) {
    const generated = await generateCertificate();
    credentials = grpc.ServerCredentials.createSsl(
      Buffer.from(clientCert),
      [{ private_key: Buffer.from(generated.keyPem), cert_chain: Buffer.from(generated.certPem) }],
      true,
    );
    certificateField = handshakeCertificate(generated.der);
  } else {
    logger.warn('PLUGIN_CLIENT_CERT is not set: serving without TLS (Terraform always sets it)');
  }

  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', credentials, (error, bound) => (error ? reject(error) : resolve(bound)));
  });
  process.stdout.write(`1|${PROTOCOL_VERSION}|tcp|127.0.0.1:${port}|grpc|${certificateField}\n`);
  logger.debug('plugin serving', { address: `127.0.0.1:${port}`, tls: Boolean(clientCert) });

  // Ctrl-C reaches the whole process group: Terraform then calls StopProvider and finishes its work, so
  // the provider keeps serving until Terraform shuts it down. SIGTERM asks to stop after calls in flight.
  process.on('SIGINT', () => logger.debug('SIGINT received: serving until Terraform shuts the plugin down'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}
