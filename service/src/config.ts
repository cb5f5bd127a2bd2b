import Joi from 'joi';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import type { DatabaseTarget } from './db/database';
import { DEFAULT_BCRYPT_COST, MAX_BCRYPT_COST, MIN_BCRYPT_COST } from './domain/passwords';
import { SLUG_PATTERN } from './domain/secrets';
import { DEFAULT_SESSION_SETTINGS, type SessionSettings } from './services/sessions';
import { DEFAULT_CONNECTION_LIMITS, type ConnectionLimits } from './http/connections';
import { parseRedisUrl } from './verify/redis/connection';

/** Everything the service reads from its environment, validated once at start. */
export interface Config {
  host: string;
  port: number;
  database: DatabaseTarget;
  /** Where the embedded database and the generated pepper live. */
  dataDir: string;
  /** KEYSMITH_PEPPER as given; null means "embedded mode: use or create the pepper file in dataDir". */
  pepperText: string | null;
  autoMigrate: boolean;
  logLevel: string;
  redisUrl: string | null;
  /** Start of every Redis key and of the invalidation channel; instances that share state share it. */
  redisPrefix: string;
  /** How long verification trusts a cached key (and root key) when no invalidation arrives. */
  cacheTtlMs: number;
  /** Keys kept in each instance's verification cache. */
  cacheSize: number;
  /** How often request logs and usage counters are written (what a crash can lose at most). */
  flushMs: number;
  /** How long one verification may wait on the database before it answers 503 UNAVAILABLE. */
  verifyTimeoutMs: number;
  /** Slug of the workspace created on first start of an empty embedded database. */
  bootstrapWorkspace: string;
  shutdownTimeoutMs: number;
  /** How long a client may take to send a request's headers, and the whole request; connections open at once. */
  connectionLimits: ConnectionLimits;
  /** bcrypt's cost for operator passwords (2^cost rounds). */
  bcryptCost: number;
  /** Operator sessions' timeouts and sign-in throttling. */
  sessions: SessionSettings;
  /** Processes serving the port (KEYSMITH_WORKERS); 1 is a single process, more run under node:cluster. */
  workers: number;
  /** A port of its own for GET /metrics of the whole service, every worker's series labelled (KEYSMITH_METRICS_PORT); null: none. */
  metricsPort: number | null;
}

export class ConfigError extends Error {}

const schema = Joi.object({
  PORT: Joi.number().integer().min(0).max(65535).default(8080),
  HOST: Joi.string().hostname().default('127.0.0.1'),
  KEYSMITH_DATABASE_URL: Joi.string()
    .pattern(/^(mysql|mariadb):\/\/.+/)
    .message('KEYSMITH_DATABASE_URL must be a mysql://user:password@host:port/database URL')
    .allow(''),
  KEYSMITH_DATA_DIR: Joi.string().default('.keysmith'),
  KEYSMITH_PEPPER: Joi.string().allow(''),
  KEYSMITH_AUTO_MIGRATE: Joi.boolean().truthy('1').falsy('0').default(true),
  KEYSMITH_LOG_LEVEL: Joi.string().valid('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent').default('info'),
  KEYSMITH_REDIS_URL: Joi.string().allow('').custom(checkRedisUrl).messages({ 'redis.url': 'KEYSMITH_REDIS_URL {#reason}' }),
  KEYSMITH_REDIS_PREFIX: Joi.string().pattern(/^[A-Za-z0-9:_-]{1,32}$/).default('ks:'),
  KEYSMITH_CACHE_TTL_SECONDS: Joi.number().min(0.1).max(3600).default(30),
  KEYSMITH_CACHE_SIZE: Joi.number().integer().min(1).max(10_000_000).default(100_000),
  KEYSMITH_FLUSH_MS: Joi.number().integer().min(10).max(60_000).default(1000),
  KEYSMITH_VERIFY_TIMEOUT_MS: Joi.number().integer().min(10).max(30_000).default(1000),
  KEYSMITH_BOOTSTRAP_WORKSPACE: Joi.string().pattern(SLUG_PATTERN).default('default'),
  KEYSMITH_SHUTDOWN_TIMEOUT_MS: Joi.number().integer().min(0).max(600_000).default(10_000),
  KEYSMITH_REQUEST_TIMEOUT_MS: Joi.number().integer().min(100).max(600_000).default(DEFAULT_CONNECTION_LIMITS.requestTimeoutMs),
  KEYSMITH_HEADERS_TIMEOUT_MS: Joi.number()
    .integer()
    .min(100)
    .max(Joi.ref('KEYSMITH_REQUEST_TIMEOUT_MS'))
    .default(DEFAULT_CONNECTION_LIMITS.headersTimeoutMs)
    .messages({ 'number.max': 'KEYSMITH_HEADERS_TIMEOUT_MS must not be more than KEYSMITH_REQUEST_TIMEOUT_MS' }),
  KEYSMITH_MAX_CONNECTIONS: Joi.number().integer().min(1).max(1_000_000).default(DEFAULT_CONNECTION_LIMITS.maxConnections),
  KEYSMITH_BCRYPT_COST: Joi.number().integer().min(MIN_BCRYPT_COST).max(MAX_BCRYPT_COST).default(DEFAULT_BCRYPT_COST),
  KEYSMITH_SESSION_IDLE_MINUTES: Joi.number().integer().min(1).max(7 * 24 * 60).default(DEFAULT_SESSION_SETTINGS.idleMinutes),
  KEYSMITH_SESSION_MAX_HOURS: Joi.number().integer().min(1).max(30 * 24).default(DEFAULT_SESSION_SETTINGS.maxHours),
  KEYSMITH_LOGIN_MAX_FAILURES: Joi.number().integer().min(1).max(1000).default(DEFAULT_SESSION_SETTINGS.loginMaxFailures),
  KEYSMITH_LOGIN_WINDOW_MINUTES: Joi.number().integer().min(1).max(24 * 60).default(DEFAULT_SESSION_SETTINGS.loginWindowMinutes),
  KEYSMITH_WORKERS: Joi.alternatives()
    .try(Joi.number().integer().min(1).max(256), Joi.string().valid('auto'))
    .default(1)
    .messages({ 'alternatives.types': 'KEYSMITH_WORKERS must be a whole number from 1 to 256, or auto', 'alternatives.match': 'KEYSMITH_WORKERS must be a whole number from 1 to 256, or auto' }),
  KEYSMITH_METRICS_PORT: Joi.number().integer().min(0).max(65535).empty('').messages({ 'number.base': 'KEYSMITH_METRICS_PORT must be a port number (0–65535)' }),
}).unknown(true);

/** One Redis (`redis://`, `rediss://`) or a Redis Cluster (several URLs, or `redis+cluster://h1:p1,h2:p2`). */
function checkRedisUrl(value: string, helpers: Joi.CustomHelpers): unknown {
  if (value === '') return value;
  try {
    parseRedisUrl(value);
    return value;
  } catch (error) {
    return helpers.error('redis.url', { reason: (error as Error).message });
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const { value, error } = schema.validate(env, { abortEarly: false, errors: { wrap: { label: false } } });
  if (error) throw new ConfigError(`invalid configuration: ${error.details.map((d) => d.message).join('; ')}`);
  const dataDir = resolve(value.KEYSMITH_DATA_DIR as string);
  const url = (value.KEYSMITH_DATABASE_URL as string | undefined) || '';
  const database: DatabaseTarget = url
    ? { dialect: 'mysql', location: url.replace(/^mariadb:/, 'mysql:') }
    : { dialect: 'sqlite', location: resolve(dataDir, 'keysmith.db') };
  const pepperText = (value.KEYSMITH_PEPPER as string | undefined) || null;
  const workers = value.KEYSMITH_WORKERS === 'auto' ? availableParallelism() : (value.KEYSMITH_WORKERS as number);
  if (workers > 1 && database.dialect === 'sqlite') {
    throw new ConfigError(
      `KEYSMITH_WORKERS=${value.KEYSMITH_WORKERS as string} needs KEYSMITH_DATABASE_URL (MySQL): the embedded SQLite database serves one process; leave KEYSMITH_WORKERS at 1`,
    );
  }
  const metricsPort = (value.KEYSMITH_METRICS_PORT as number | undefined) ?? null;
  if (metricsPort !== null && metricsPort !== 0 && metricsPort === value.PORT) {
    throw new ConfigError(`KEYSMITH_METRICS_PORT must differ from PORT (both are ${metricsPort}): it is a listener of its own`);
  }
  return {
    host: value.HOST as string,
    port: value.PORT as number,
    database,
    dataDir,
    pepperText,
    autoMigrate: value.KEYSMITH_AUTO_MIGRATE as boolean,
    logLevel: value.KEYSMITH_LOG_LEVEL as string,
    redisUrl: (value.KEYSMITH_REDIS_URL as string | undefined) || null,
    redisPrefix: value.KEYSMITH_REDIS_PREFIX as string,
    cacheTtlMs: Math.round((value.KEYSMITH_CACHE_TTL_SECONDS as number) * 1000),
    cacheSize: value.KEYSMITH_CACHE_SIZE as number,
    flushMs: value.KEYSMITH_FLUSH_MS as number,
    verifyTimeoutMs: value.KEYSMITH_VERIFY_TIMEOUT_MS as number,
    bootstrapWorkspace: value.KEYSMITH_BOOTSTRAP_WORKSPACE as string,
    shutdownTimeoutMs: value.KEYSMITH_SHUTDOWN_TIMEOUT_MS as number,
    connectionLimits: {
      headersTimeoutMs: value.KEYSMITH_HEADERS_TIMEOUT_MS as number,
      requestTimeoutMs: value.KEYSMITH_REQUEST_TIMEOUT_MS as number,
      maxConnections: value.KEYSMITH_MAX_CONNECTIONS as number,
    },
    bcryptCost: value.KEYSMITH_BCRYPT_COST as number,
    sessions: {
      idleMinutes: value.KEYSMITH_SESSION_IDLE_MINUTES as number,
      maxHours: value.KEYSMITH_SESSION_MAX_HOURS as number,
      loginMaxFailures: value.KEYSMITH_LOGIN_MAX_FAILURES as number,
      loginWindowMinutes: value.KEYSMITH_LOGIN_WINDOW_MINUTES as number,
    },
    workers,
    metricsPort,
  };
}
