/** The service as a library: build it, serve it, or embed it in tests. */
export { buildApp, openApp, type App, type Services } from './app';
export { loadConfig, type Config } from './config';
export { ManualClock, systemClock, type Clock } from './clock';
export { Database, type DatabaseTarget, type Dialect } from './db/database';
export { migrateToLatest } from './db/migrate';
export { PepperRing } from './domain/pepper';
export { createServer, type ServerOptions } from './http/server';
export { createLogger } from './logger';
export * from './domain/errors';
export * from './domain/model';
