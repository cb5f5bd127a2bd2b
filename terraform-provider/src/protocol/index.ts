/** The plugin-protocol layer: go-plugin handshake, gRPC with AutoMTLS, msgpack values, hclog logs. */
export { runPlugin, MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE, PROTOCOL_VERSION } from './plugin';
export { generateCertificate, certificateFromHandshake, handshakeCertificate } from './cert';
export { createLogger, levelFromEnv, redact, type Logger, type LogLevel } from './log';
export { decodeDynamic, encodeDynamic, fromWire, toWire, blockType, ValueError } from './values';
export { schemaToProto, pathToProto, diagnosticToProto } from './schema';
