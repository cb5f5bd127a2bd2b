import Boom from '@hapi/boom';
import Hapi from '@hapi/hapi';
import { Keysmith } from '@keysmith/sdk';
import { keysmithAuth, type KeysmithPluginOptions } from '@keysmith/sdk/hapi';
import { buildApp, createLogger, createServer, ManualClock, PepperRing, type App, type Dialect } from '@keysmith/service';
import { openTestDatabase, type TestDatabase } from '@keysmith/service/dist/test/helpers/databases';
import { Writable } from 'node:stream';

/** Midnight UTC: every rate window (a minute, a second) starts here, so reset times are whole numbers. */
export const START = new Date('2026-06-01T00:00:00Z');
const PEPPER = `v1:${Buffer.alloc(32, 7).toString('base64')}`;

/** The real Keysmith service on a fresh database, in this process, listening on a random port of 127.0.0.1. */
export class KeysmithService {
  private stopped = false;

  private constructor(
    readonly app: App,
    readonly server: Hapi.Server,
    readonly clock: ManualClock,
    private readonly database: TestDatabase,
  ) {}

  static async start(dialect: Dialect): Promise<KeysmithService> {
    const database = await openTestDatabase(dialect);
    const clock = new ManualClock(START);
    const quiet = new Writable({ write: (_chunk, _enc, done) => done() });
    const app = buildApp({ db: database.db, peppers: PepperRing.parse(PEPPER), logger: createLogger('warn', quiet), clock });
    const server = await createServer(app, { host: '127.0.0.1', port: 0 });
    await server.start();
    return new KeysmithService(app, server, clock, database);
  }

  get uri(): string {
    return this.server.info.uri;
  }

  /** A new workspace and its root key. */
  async tenant(slug: string): Promise<Tenant> {
    const { secret } = await this.app.services.rootKeys.bootstrap({ workspaceSlug: slug, rootKeyName: 'plugin test' }, { type: 'system', id: 'test' });
    return new Tenant(this, secret);
  }

  /** Stops listening and lets go of the database (drops it, on MySQL); a second call does nothing. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.server.stop();
    await this.app.shutdown();
    await this.database.dispose();
  }
}

let names = 0;

/** A workspace: its management calls, and a Hapi service protected by its keys. */
export class Tenant {
  constructor(
    readonly keysmith: KeysmithService,
    readonly rootKey: string,
  ) {}

  async call(method: string, url: string, payload?: object): Promise<any> {
    const res = await this.keysmith.server.inject({ method, url, headers: { authorization: `Bearer ${this.rootKey}` }, ...(payload ? { payload } : {}) });
    if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.payload}`);
    return res.payload ? JSON.parse(res.payload) : undefined;
  }

  /** Creates a key; returns its id and secret. */
  async key(settings: object = {}): Promise<{ id: string; secret: string }> {
    const created = await this.call('POST', '/v1/keys', { name: `plugin key ${++names}`, ...settings });
    return { id: created.key.id, secret: created.secret };
  }

  /** A client of this workspace's root key. */
  client(options: { baseUrl?: string; maxRetries?: number } = {}): Keysmith {
    return new Keysmith({ baseUrl: this.keysmith.uri, rootKey: this.rootKey, maxRetries: 1, ...options });
  }

  /** A second real Hapi server protected by the plugin (see `protectedService`). */
  protect(options: Partial<KeysmithPluginOptions> = {}): Promise<Hapi.Server> {
    return protectedService({ client: this.client(), trustedProxies: ['127.0.0.1'], now: () => this.keysmith.clock.now().getTime(), ...options });
  }
}

/**
 * A started Hapi server with the plugin and a `keysmith` strategy: `GET /widgets/{id}` answers the request's
 * credentials; `POST /push` needs scope `push:send`; `GET /models/{model}` names `models/{model}` as the
 * resource; `GET /either` takes a key or, failing that, an `x-session` header (another strategy).
 */
export async function protectedService(options: KeysmithPluginOptions): Promise<Hapi.Server> {
  const server = Hapi.server({ host: '127.0.0.1', port: 0 });
  await server.register({ plugin: keysmithAuth, options });
  server.auth.strategy('keysmith', 'keysmith');
  server.auth.scheme('session', () => ({
    authenticate: (request, h) =>
      request.headers['x-session'] ? h.authenticated({ credentials: { user: { session: request.headers['x-session'] } } }) : h.unauthenticated(Boom.unauthorized(null, 'Session')),
  }));
  server.auth.strategy('session', 'session');
  const credentials = (request: Hapi.Request) => ({ strategy: request.auth.strategy, credentials: request.auth.credentials });
  server.route([
    { method: 'GET', path: '/widgets/{id}', options: { auth: 'keysmith', handler: credentials } },
    { method: 'POST', path: '/push', options: { auth: 'keysmith', plugins: { keysmith: { scopes: ['push:send'] } }, handler: credentials } },
    {
      method: 'GET',
      path: '/models/{model}',
      options: { auth: 'keysmith', plugins: { keysmith: { resource: (request) => `models/${request.params.model}` } }, handler: credentials },
    },
    { method: 'GET', path: '/either', options: { auth: { strategies: ['keysmith', 'session'] }, handler: credentials } },
  ]);
  await server.start();
  return server;
}

/** What a caller of the protected service sees: status, the body's exact bytes, and every header. */
export interface Seen {
  status: number;
  body: string;
  headers: Record<string, string>;
}

export async function request(
  server: Hapi.Server,
  path: string,
  options: { key?: string; from?: string; method?: string; headers?: Record<string, string> } = {},
): Promise<Seen> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.key !== undefined) headers['x-api-key'] = options.key;
  // The protected service trusts 127.0.0.1 as a proxy, so each test can speak from an address of its own.
  if (options.from !== undefined) headers['x-forwarded-for'] = options.from;
  const res = await fetch(`${server.info.uri}${path}`, { method: options.method ?? 'GET', headers });
  return { status: res.status, body: await res.text(), headers: Object.fromEntries(res.headers) };
}

/** The headers of an answer but those of the connection and the clock (date, keep-alive, content-length, …). */
export function headersOf(seen: Seen): Record<string, string> {
  const common = new Set(['date', 'connection', 'keep-alive', 'content-length', 'accept-ranges', 'transfer-encoding']);
  return Object.fromEntries(Object.entries(seen.headers).filter(([name]) => !common.has(name)));
}
