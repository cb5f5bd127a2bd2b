import { systemClock, type Clock } from './clock';
import { ConfigError, type Config } from './config';
import { Database } from './db/database';
import { migrateToLatest, pendingMigrations } from './db/migrate';
import type { PepperRing } from './domain/pepper';
import { createLogger, type Logger } from './logger';
import { loadPeppers } from './pepperFile';
import { AuditService } from './services/audit';
import { KeyReadService } from './services/keyReads';
import { KeyService } from './services/keys';
import { PolicyService } from './services/policies';
import { RootKeyService } from './services/rootKeys';

export interface Services {
  keys: KeyService;
  keyReads: KeyReadService;
  policies: PolicyService;
  rootKeys: RootKeyService;
  audit: AuditService;
}

/** Everything a running Keysmith holds: built once here, handed to the HTTP server and the CLI. */
export interface App {
  db: Database;
  clock: Clock;
  peppers: PepperRing;
  logger: Logger;
  services: Services;
  close(): Promise<void>;
}

async function holdsSecrets(db: Database): Promise<boolean> {
  const [rootKey, secret] = await Promise.all([db.knex('root_keys').first('id'), db.knex('key_secrets').first('id')]);
  return rootKey !== undefined || secret !== undefined;
}

export function buildApp(parts: { db: Database; peppers: PepperRing; logger: Logger; clock?: Clock }): App {
  const { db, peppers, logger } = parts;
  const clock = parts.clock ?? systemClock;
  return {
    db,
    clock,
    peppers,
    logger,
    services: {
      keys: new KeyService({ db, clock, peppers }),
      keyReads: new KeyReadService({ db, clock }),
      policies: new PolicyService({ db, clock }),
      rootKeys: new RootKeyService({ db, clock, peppers }),
      audit: new AuditService({ db }),
    },
    close: () => db.close(),
  };
}

/** Opens the configured database, migrates it when configured to, and builds the app. */
export async function openApp(config: Config, options: { logger?: Logger; clock?: Clock; migrate?: boolean } = {}): Promise<App> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const { peppers, generated, discard } = loadPeppers(config);
  const db = Database.open(config.database);
  try {
    if (options.migrate ?? config.autoMigrate) {
      const applied = await migrateToLatest(db);
      if (applied.length > 0) logger.info({ migrations: applied }, 'database migrated');
    } else {
      const pending = await pendingMigrations(db);
      if (pending.length > 0) {
        throw new ConfigError(`the database has ${pending.length} pending migration(s) and KEYSMITH_AUTO_MIGRATE is off: run \`keysmith migrate\``);
      }
    }
    // A new pepper over a database that already holds hashes would silently invalidate every key.
    if (generated && (await holdsSecrets(db))) {
      discard();
      throw new ConfigError(
        `the database in ${config.dataDir} holds keys hashed under a pepper that is no longer in ${config.dataDir}/pepper: restore that file from your backup, or set KEYSMITH_PEPPER`,
      );
    }
  } catch (err) {
    await db.close();
    throw err;
  }
  return buildApp({ db, peppers, logger, ...(options.clock ? { clock: options.clock } : {}) });
}
