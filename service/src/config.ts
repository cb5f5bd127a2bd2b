import Joi from 'joi';
import { resolve } from 'node:path';
import type { DatabaseTarget } from './db/database';
import { SLUG_PATTERN } from './domain/secrets';

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
  /** Slug of the workspace created on first start of an empty embedded database. */
  bootstrapWorkspace: string;
  shutdownTimeoutMs: number;
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
  KEYSMITH_REDIS_URL: Joi.string().pattern(/^rediss?:\/\/.+/).message('KEYSMITH_REDIS_URL must be a redis:// URL').allow(''),
  KEYSMITH_BOOTSTRAP_WORKSPACE: Joi.string().pattern(SLUG_PATTERN).default('default'),
  KEYSMITH_SHUTDOWN_TIMEOUT_MS: Joi.number().integer().min(0).max(600_000).default(10_000),
}).unknown(true);

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const { value, error } = schema.validate(env, { abortEarly: false, errors: { wrap: { label: false } } });
  if (error) throw new ConfigError(`invalid configuration: ${error.details.map((d) => d.message).join('; ')}`);
  const dataDir = resolve(value.KEYSMITH_DATA_DIR as string);
  const url = (value.KEYSMITH_DATABASE_URL as string | undefined) || '';
  const database: DatabaseTarget = url
    ? { dialect: 'mysql', location: url.replace(/^mariadb:/, 'mysql:') }
    : { dialect: 'sqlite', location: resolve(dataDir, 'keysmith.db') };
  const pepperText = (value.KEYSMITH_PEPPER as string | undefined) || null;
  return {
    host: value.HOST as string,
    port: value.PORT as number,
    database,
    dataDir,
    pepperText,
    autoMigrate: value.KEYSMITH_AUTO_MIGRATE as boolean,
    logLevel: value.KEYSMITH_LOG_LEVEL as string,
    redisUrl: (value.KEYSMITH_REDIS_URL as string | undefined) || null,
    bootstrapWorkspace: value.KEYSMITH_BOOTSTRAP_WORKSPACE as string,
    shutdownTimeoutMs: value.KEYSMITH_SHUTDOWN_TIMEOUT_MS as number,
  };
}
