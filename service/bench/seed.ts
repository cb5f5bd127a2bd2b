/**
 * Seeding for the verification benchmark: a fresh MySQL database, one workspace with a `keys:verify` root
 * key, and keys written straight into `api_keys` and `key_secrets` in multi-row inserts. Over HTTP,
 * 100,000 creates would take minutes (each is a transaction with an audit event); here they take seconds.
 * The rows are what `KeyService.create` writes, minus tags and audit events, which verification never reads.
 */
import knexFactory from 'knex';
import { systemClock } from '../src/clock';
import { Database } from '../src/db/database';
import { migrateToLatest } from '../src/db/migrate';
import { newId } from '../src/domain/ids';
import type { PepperRing } from '../src/domain/pepper';
import { generateSecret, maskSecret } from '../src/domain/secrets';
import type { DbApiKeyRow } from '../src/repositories/apiKeys';
import { nameKey } from '../src/repositories/columns';
import type { DbKeySecretRow } from '../src/repositories/keySecrets';
import { RootKeyService } from '../src/services/rootKeys';

/** KEYSMITH_BENCH_DATABASE names another, so that two runs on one server do not drop each other's. */
export const BENCH_DATABASE = process.env.KEYSMITH_BENCH_DATABASE || 'keysmith_bench';
const ROWS_PER_INSERT = 1_000;

/** Large enough that no benchmark run can use them up: every answer of a valid key stays VALID. */
export const UNLIMITED = { rateLimitPerMinute: 1_000_000_000, dailyQuota: 1_000_000_000 } as const;

export interface BenchWorkspace {
  id: string;
  slug: string;
  /** Bearer secret of a root key with `keys:verify`. */
  rootKey: string;
}

/** `base` with its database replaced by `name`. */
export function databaseUrl(base: string, name: string): string {
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Drops and recreates the bench database on the server of `baseUrl`, then migrates it. */
export async function createBenchDatabase(baseUrl: string): Promise<{ db: Database; url: string }> {
  const admin = knexFactory({ client: 'mysql2', connection: baseUrl, pool: { min: 0, max: 1 } });
  try {
    await admin.raw(`drop database if exists \`${BENCH_DATABASE}\``);
    await admin.raw(`create database \`${BENCH_DATABASE}\``);
  } finally {
    await admin.destroy();
  }
  const url = databaseUrl(baseUrl, BENCH_DATABASE);
  const db = Database.open({ dialect: 'mysql', location: url });
  await migrateToLatest(db);
  return { db, url };
}

export async function dropBenchDatabase(baseUrl: string): Promise<void> {
  const admin = knexFactory({ client: 'mysql2', connection: baseUrl, pool: { min: 0, max: 1 } });
  try {
    await admin.raw(`drop database if exists \`${BENCH_DATABASE}\``);
  } finally {
    await admin.destroy();
  }
}

export async function seedWorkspace(db: Database, peppers: PepperRing): Promise<BenchWorkspace> {
  const rootKeys = new RootKeyService({ db, clock: systemClock, peppers });
  const { workspace, secret } = await rootKeys.bootstrap(
    { workspaceSlug: 'bench', rootKeyName: 'bench verifier', scopes: ['keys:verify'] },
    { type: 'system', id: 'bench' },
  );
  return { id: workspace.id, slug: workspace.slug, rootKey: secret };
}

type KeyRow = Omit<DbApiKeyRow, 'pk'>;
type SecretRow = Omit<DbKeySecretRow, 'id'>;

/**
 * Writes keys into the workspace, each with one live secret. Numbering continues across calls (`first` is
 * the number of the first key), so names stay unique. Returns the secrets when `keepSecrets` is set (the
 * keys a case will send); filler keys are only hashed and forgotten.
 */
export class KeySeeder {
  private written = 0;
  private secondsSpent = 0;

  constructor(
    private readonly db: Database,
    private readonly peppers: PepperRing,
    private readonly workspace: BenchWorkspace,
    private readonly progress: (line: string) => void,
  ) {}

  /** How many keys this seeder has written so far. */
  get count(): number {
    return this.written;
  }

  /** Time spent seeding so far. */
  get seconds(): number {
    return Math.round(this.secondsSpent * 10) / 10;
  }

  async seed(label: string, count: number, options: { keepSecrets: boolean }): Promise<string[]> {
    const kept: string[] = [];
    const started = performance.now();
    let lastReport = started;
    for (let done = 0; done < count; ) {
      const batch = Math.min(ROWS_PER_INSERT, count - done);
      const keys: KeyRow[] = [];
      const secrets: SecretRow[] = [];
      const now = Date.now();
      for (let i = 0; i < batch; i++) {
        const secret = generateSecret(this.workspace.slug, 'live');
        const { key, secretRow } = this.rows(secret, this.written + i + 1, now);
        keys.push(key);
        secrets.push(secretRow);
        if (options.keepSecrets) kept.push(secret);
      }
      await this.db.transaction(async (tx) => {
        await tx('api_keys').insert(keys);
        await tx('key_secrets').insert(secrets);
      });
      this.written += batch;
      done += batch;
      if (done === count || performance.now() - lastReport > 1_000) {
        lastReport = performance.now();
        this.progress(`  seeding ${label}: ${done.toLocaleString('en')}/${count.toLocaleString('en')}`);
      }
    }
    const seconds = (performance.now() - started) / 1000;
    this.secondsSpent += seconds;
    this.progress(`  seeded ${count.toLocaleString('en')} ${label} in ${seconds.toFixed(1)} s (${this.written.toLocaleString('en')} keys in table)`);
    return kept;
  }

  private rows(secret: string, number: number, now: number): { key: KeyRow; secretRow: SecretRow } {
    const id = newId('key');
    const name = `bench-${String(number).padStart(6, '0')}`;
    const start = maskSecret(secret);
    const digest = this.peppers.digest(secret);
    const key: KeyRow = {
      id,
      workspace_id: this.workspace.id,
      name,
      name_key: nameKey(name),
      name_lower: name,
      environment: 'production',
      group_name: 'default',
      scopes: '[]',
      resources: '[]',
      ip_allowlist: '[]',
      expires_at: null,
      rate_limit_limit: UNLIMITED.rateLimitPerMinute,
      rate_limit_window_seconds: 60,
      quota_total: null,
      quota_daily: UNLIMITED.dailyQuota,
      quota_weekly: null,
      quota_monthly: null,
      credits_remaining: null,
      credits_refill_amount: null,
      credits_refill_interval_seconds: null,
      credits_refilled_at: null,
      quota_policy_id: null,
      metadata: null,
      state: 'active',
      version: 1,
      start,
      created_at: now,
      created_by: 'system:bench',
      updated_at: now,
      last_used_at: null,
      last_rotated_at: null,
      usage_count: 0,
      deleted_at: null,
    };
    const secretRow: SecretRow = {
      key_id: id,
      secret_hash: digest.hash,
      pepper_version: digest.pepperVersion,
      start,
      created_at: now,
      expires_at: null,
    };
    return { key, secretRow };
  }
}

/**
 * Waits (at most 30 s) for InnoDB to write out the pages the seeding dirtied, so the database's own
 * background writing does not compete with the next measured case for the CPU.
 */
export async function waitForDatabaseQuiet(db: Database): Promise<void> {
  const deadline = performance.now() + 30_000;
  while (performance.now() < deadline) {
    const [rows] = (await db.knex.raw("show global status like 'Innodb_buffer_pool_pages_dirty'")) as [Array<{ Value: string }>];
    if (Number(rows[0]?.Value ?? 0) < 100) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
