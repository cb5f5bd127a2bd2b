import { systemClock, type Clock } from './clock';
import { ConfigError, type Config } from './config';
import { Database } from './db/database';
import { migrateToLatest, pendingMigrations } from './db/migrate';
import type { PepperRing } from './domain/pepper';
import { createLogger, type Logger } from './logger';
import { loadPeppers } from './pepperFile';
import { DEFAULT_BCRYPT_COST, PasswordHasher } from './domain/passwords';
import { OperatorService } from './services/operators';
import { DEFAULT_SESSION_SETTINGS, SessionService, type SessionSettings } from './services/sessions';
import { anySecretStored } from './repositories/keySecrets';
import { AuditService } from './services/audit';
import { KeyReadService } from './services/keyReads';
import { KeyService } from './services/keys';
import { PolicyService } from './services/policies';
import { RootKeyService } from './services/rootKeys';
import { WorkspaceService } from './services/workspaces';
import { BalanceLeases } from './verify/balance';
import { DbHealth } from './verify/dbHealth';
import { KeyDirectory } from './verify/directory';
import { DEFAULT_LEASE_OPTIONS, Leases, type LeaseOptions } from './verify/leases';
import { Metrics } from './verify/metrics';
import type { Invalidation } from './verify/ports';
import { DEFAULT_RECORDER_OPTIONS, Recorder } from './verify/recorder';
import { createSharedState, type SharedState } from './verify/sharedState';
import { Verifier } from './verify/verifier';

export interface Services {
  keys: KeyService;
  keyReads: KeyReadService;
  policies: PolicyService;
  rootKeys: RootKeyService;
  audit: AuditService;
  workspaces: WorkspaceService;
  operators: OperatorService;
  sessions: SessionService;
}

/** Everything a running Keysmith holds: built once here, handed to the HTTP server and the CLI. */
export interface App {
  db: Database;
  clock: Clock;
  peppers: PepperRing;
  logger: Logger;
  services: Services;
  verifier: Verifier;
  metrics: Metrics;
  shared: SharedState;
  /** Writes what is buffered (request logs, usage counters) now; tests and shutdown use it. */
  flush(): Promise<void>;
  /** Gives back unused leases, flushes, closes Redis; the database stays open. */
  shutdown(): Promise<void>;
  /** `shutdown`, then closes the database. */
  close(): Promise<void>;
}

/** How verification shares and caches state; every field has a default. */
export interface VerificationSettings {
  redisUrl: string | null;
  redisPrefix: string;
  cacheTtlMs: number;
  cacheSize: number;
  flushMs: number;
  leases: LeaseOptions;
  /** How long one verification may wait on the database before it answers 503. */
  verifyTimeoutMs: number;
}

const DEFAULT_VERIFICATION: VerificationSettings = {
  redisUrl: null,
  redisPrefix: 'ks:',
  cacheTtlMs: 30_000,
  cacheSize: 100_000,
  flushMs: DEFAULT_RECORDER_OPTIONS.flushMs,
  leases: DEFAULT_LEASE_OPTIONS,
  verifyTimeoutMs: 1000,
};

/**
 * MySQL statements of a running service fail after this long without an answer (management calls then
 * answer 503); never shorter than a verification may wait.
 */
const STATEMENT_TIMEOUT_MS = 5000;

export function buildApp(parts: {
  db: Database;
  peppers: PepperRing;
  logger: Logger;
  clock?: Clock;
  verification?: Partial<VerificationSettings>;
  operators?: { bcryptCost?: number; sessions?: Partial<SessionSettings> };
}): App {
  const { db, peppers, logger } = parts;
  const clock = parts.clock ?? systemClock;
  const settings = { ...DEFAULT_VERIFICATION, ...parts.verification };
  const shared = createSharedState({
    redisUrl: settings.redisUrl,
    logger,
    prefix: settings.redisPrefix,
    channel: `${settings.redisPrefix}invalidate`,
  });
  const publish = (event: Invalidation): void => shared.bus.publish(event);
  const metrics = new Metrics();
  const health = new DbHealth(db, logger);
  const now = (): number => clock.now().getTime();
  const directory = new KeyDirectory({ db, peppers, metrics }, { maxKeys: settings.cacheSize, ttlMs: settings.cacheTtlMs });
  const leases = new Leases({ db, metrics, now, health }, settings.leases);
  const balances = new BalanceLeases({ db, metrics, now, health, keys: leases }, settings.leases);
  const recorder = new Recorder({ db, logger, metrics, health, now }, { ...DEFAULT_RECORDER_OPTIONS, flushMs: settings.flushMs });
  const hasher = new PasswordHasher(parts.operators?.bcryptCost ?? DEFAULT_BCRYPT_COST);
  const sessionSettings = { ...DEFAULT_SESSION_SETTINGS, ...parts.operators?.sessions };
  const services: Services = {
    keys: new KeyService({ db, clock, peppers, publish }),
    keyReads: new KeyReadService({ db, clock }),
    policies: new PolicyService({ db, clock, publish }),
    rootKeys: new RootKeyService({ db, clock, peppers, publish, cacheTtlMs: settings.cacheTtlMs }),
    audit: new AuditService({ db }),
    workspaces: new WorkspaceService({ db, clock, publish, balances }),
    operators: new OperatorService({ db, clock, hasher }),
    sessions: new SessionService({ db, clock, hasher, settings: sessionSettings }),
  };
  shared.bus.subscribe((event) => {
    directory.invalidate(event);
    if (event.kind === 'key') leases.invalidate(event.id);
    if (event.kind === 'workspace') balances.invalidate(event.id);
    if (event.kind === 'all') {
      leases.invalidateAll();
      balances.invalidateAll();
    }
    if (event.kind === 'root_key' || event.kind === 'all') services.rootKeys.invalidate(event.kind === 'all' ? null : event.id);
  });
  metrics.gauge('keysmith_verify_cached_keys', 'Keys in this instance\'s verification cache', () => directory.size);
  metrics.gauge('keysmith_verify_leases', 'Quota and credit leases this instance holds', () => leases.size);
  metrics.gauge('keysmith_verify_buffered_logs', 'Request logs waiting to be written', () => recorder.pending);
  metrics.gauge('keysmith_redis_healthy', '1 while limits are shared through Redis', () => (shared.redisHealthy() ? 1 : 0));
  metrics.gauge('keysmith_database_healthy', '1 while verification can reach the database', () => (health.healthy ? 1 : 0));
  const verifier = new Verifier({
    db,
    clock,
    directory,
    leases,
    balances,
    limiter: shared.limiter,
    failures: shared.failures,
    recorder,
    health,
    metrics,
    timeoutMs: settings.verifyTimeoutMs,
  });
  const shutdown = async (): Promise<void> => {
    await Promise.all([leases.close(), balances.close()]);
    await recorder.close();
    health.stop();
    await shared.close();
  };
  return {
    db,
    clock,
    peppers,
    logger,
    services,
    verifier,
    metrics,
    shared,
    flush: () => recorder.flush(),
    shutdown,
    close: async () => {
      await shutdown();
      await db.close();
    },
  };
}

/** Opens the configured database, migrates it when configured to, and builds the app. */
export async function openApp(config: Config, options: { logger?: Logger; clock?: Clock; migrate?: boolean } = {}): Promise<App> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const { peppers, generated, discard } = loadPeppers(config);
  const db = Database.open(config.database, { statementTimeoutMs: Math.max(STATEMENT_TIMEOUT_MS, config.verifyTimeoutMs) });
  try {
    if (options.migrate ?? config.autoMigrate) {
      const applied = await db.unbounded(() => migrateToLatest(db));
      if (applied.length > 0) logger.info({ migrations: applied }, 'database migrated');
    } else {
      const pending = await pendingMigrations(db);
      if (pending.length > 0) {
        throw new ConfigError(`the database has ${pending.length} pending migration(s) and KEYSMITH_AUTO_MIGRATE is off: run \`keysmith migrate\``);
      }
    }
    // A new pepper over a database that already holds hashes would silently invalidate every key.
    if (generated && (await anySecretStored(db.knex))) {
      throw new ConfigError(
        `the database in ${config.dataDir} holds keys hashed under a pepper that is no longer in ${config.dataDir}/pepper: restore that file from your backup, or set KEYSMITH_PEPPER`,
      );
    }
  } catch (err) {
    // A pepper generated by a start that failed must not become "the" pepper of the next start.
    if (generated) discard();
    await db.close();
    throw err;
  }
  const verification: Partial<VerificationSettings> = {
    redisUrl: config.redisUrl,
    redisPrefix: config.redisPrefix,
    cacheTtlMs: config.cacheTtlMs,
    cacheSize: config.cacheSize,
    flushMs: config.flushMs,
    verifyTimeoutMs: config.verifyTimeoutMs,
  };
  const operators = { bcryptCost: config.bcryptCost, sessions: config.sessions };
  return buildApp({ db, peppers, logger, verification, operators, ...(options.clock ? { clock: options.clock } : {}) });
}
