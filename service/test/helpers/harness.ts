import type { Server, ServerInjectResponse } from '@hapi/hapi';
import { Writable } from 'node:stream';
import { buildApp, type App, type VerificationSettings } from '../../src/app';
import { ManualClock } from '../../src/clock';
import type { Dialect } from '../../src/db/database';
import { MIN_BCRYPT_COST } from '../../src/domain/passwords';
import type { RootScope } from '../../src/domain/model';
import type { SessionSettings } from '../../src/services/sessions';
import { PepperRing } from '../../src/domain/pepper';
import { createServer } from '../../src/http/server';
import { createLogger } from '../../src/logger';
import { openTestDatabase, type TestDatabase } from './databases';

/** A fixed pepper for tests: 32 bytes of 0x01. */
export const TEST_PEPPER = `v1:${Buffer.alloc(32, 1).toString('base64')}`;
export const TEST_START = new Date('2026-06-01T00:00:00Z');

export interface Tenant {
  workspaceId: string;
  slug: string;
  rootKey: string;
}

export interface InjectOptions {
  payload?: unknown;
  headers?: Record<string, string>;
  /** Which root key to send: a tenant name, a raw header value, or null for none. Default: acme's full key. */
  as?: 'acme' | 'globex' | null | { authorization: string };
}

/** A real app and Hapi server on a fresh database, a movable clock, captured logs, and two tenants. */
export class Harness {
  private constructor(
    /** Every JSON log line the app wrote. */
    readonly logLines: string[],
    readonly app: App,
    readonly server: Server,
    readonly clock: ManualClock,
    readonly database: TestDatabase,
    readonly tenants: { acme: Tenant; globex: Tenant },
  ) {}

  static async start(
    dialect: Dialect,
    options: { acmeMaxActiveKeys?: number; verification?: Partial<VerificationSettings>; database?: TestDatabase; sessions?: Partial<SessionSettings> } = {},
  ): Promise<Harness> {
    const database = options.database ?? (await openTestDatabase(dialect));
    const clock = new ManualClock(TEST_START);
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    });
    const app = buildApp({
      db: database.db,
      peppers: PepperRing.parse(TEST_PEPPER),
      logger: createLogger('info', sink),
      clock,
      // The cheapest cost the service accepts keeps password tests quick.
      operators: { bcryptCost: MIN_BCRYPT_COST, ...(options.sessions ? { sessions: options.sessions } : {}) },
      ...(options.verification ? { verification: options.verification } : {}),
    });
    const server = await createServer(app, { validateResponses: true });
    const tenant = async (slug: string, maxActiveKeys?: number): Promise<Tenant> => {
      const r = await app.services.rootKeys.bootstrap(
        { workspaceSlug: slug, rootKeyName: 'test', ...(maxActiveKeys !== undefined ? { maxActiveKeys } : {}) },
        { type: 'system', id: 'test' },
      );
      return { workspaceId: r.workspace.id, slug, rootKey: r.secret };
    };
    return new Harness(lines, app, server, clock, database, {
      acme: await tenant('acme', options.acmeMaxActiveKeys),
      globex: await tenant('globex'),
    });
  }

  /** A root key of acme's with only these scopes. */
  async rootKeyWithScopes(scopes: RootScope[]): Promise<string> {
    const r = await this.app.services.rootKeys.bootstrap({ workspaceSlug: 'acme', rootKeyName: 'scoped', scopes }, { type: 'system', id: 'test' });
    return r.secret;
  }

  inject(method: string, url: string, options: InjectOptions = {}): Promise<ServerInjectResponse> {
    const as = options.as === undefined ? 'acme' : options.as;
    const auth: Record<string, string> =
      as === null ? {} : typeof as === 'string' ? { authorization: `Bearer ${this.tenants[as].rootKey}` } : as;
    return this.server.inject({
      method,
      url,
      headers: { ...auth, ...options.headers },
      ...(options.payload !== undefined ? { payload: options.payload as object } : {}),
    });
  }

  /** Creates a key through the API; returns the parsed 201 body. */
  async createKey(body: Record<string, unknown> = {}, as: 'acme' | 'globex' = 'acme'): Promise<{ key: Record<string, any>; secret: string }> {
    const res = await this.inject('POST', '/v1/keys', { payload: { name: `key ${Math.random()}`, ...body }, as });
    if (res.statusCode !== 201) throw new Error(`create failed: ${res.statusCode} ${res.payload}`);
    return JSON.parse(res.payload);
  }

  async count(table: string): Promise<number> {
    const row = (await this.app.db.knex(table).count({ n: '*' }).first()) as { n: number | string };
    return Number(row.n);
  }

  /** Row counts of every table a key change touches: equal before and after = nothing written. */
  async snapshotCounts(): Promise<Record<string, number>> {
    const tables = ['api_keys', 'api_key_tags', 'key_secrets', 'audit_events', 'idempotency_records', 'quota_policies'];
    return Object.fromEntries(await Promise.all(tables.map(async (t) => [t, await this.count(t)] as const)));
  }

  /** A real database fault: a trigger that makes every insert into `table` fail. */
  async injectFault(table: string): Promise<void> {
    const message = `injected failure on ${table}`;
    await this.app.db.knex.raw(
      this.app.db.dialect === 'sqlite'
        ? `create trigger fault_${table} before insert on ${table} begin select raise(abort, '${message}'); end`
        : `create trigger fault_${table} before insert on ${table} for each row signal sqlstate '45000' set message_text = '${message}'`,
    );
  }

  async removeFault(table: string): Promise<void> {
    await this.app.db.knex.raw(`drop trigger fault_${table}`);
  }

  async stop(): Promise<void> {
    await this.server.stop();
    await this.app.shutdown();
    await this.database.dispose();
  }
}

export const json = (res: ServerInjectResponse): any => JSON.parse(res.payload);
