import { randomBytes } from 'node:crypto';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { LocalFailureTracker, LocalRateLimiter } from '../../src/verify/local';
import type { FailureTracker, RateLimiter } from '../../src/verify/ports';
import { closeRedis, RedisFailureTracker, RedisRateLimiter } from '../../src/verify/redis';

const REDIS_URL = process.env.KEYSMITH_TEST_REDIS_URL;

/**
 * One suite's corner of the test Redis: a key prefix and a channel no other run uses, the connections the
 * suite opened, and `dispose()` to delete the keys and close the connections.
 */
export class TestRedis {
  readonly prefix = `kstest:${process.pid}:${randomBytes(4).toString('hex')}:`;
  readonly channel = `${this.prefix}invalidate`;
  private readonly clients: Redis[] = [];
  private namespaces = 0;

  constructor(readonly url: string) {}

  /** A fresh prefix under the suite's, so each test starts from empty counters. */
  namespace(): string {
    return `${this.prefix}${++this.namespaces}:`;
  }

  /**
   * A ready connection of ioredis's defaults (it queues commands while disconnected; the service's fail
   * fast instead), except that it leaves resubscribing to `RedisInvalidationBus`.
   */
  async connect(url = this.url): Promise<Redis> {
    const client = new Redis(url, { lazyConnect: true, autoResubscribe: false });
    client.on('error', () => undefined); // outages are played on purpose; calls still reject
    this.clients.push(client);
    await client.connect();
    return client;
  }

  async dispose(): Promise<void> {
    const admin = await this.connect();
    let cursor = '0';
    do {
      const [next, keys] = await admin.scan(cursor, 'MATCH', `${this.prefix}*`, 'COUNT', 1000);
      if (keys.length > 0) await admin.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    await Promise.all(this.clients.map((client) => closeRedis(client)));
  }
}

/**
 * Declares a suite that needs Redis. Without KEYSMITH_TEST_REDIS_URL it is reported as skipped (and CI,
 * which always sets it, fails instead), like `forEachDialect` does for MySQL.
 */
export function describeWithRedis(title: string, body: (redis: TestRedis) => void): void {
  describe(`${title} [redis]`, function () {
    if (!REDIS_URL) {
      if (process.env.CI === 'true') {
        it('needs KEYSMITH_TEST_REDIS_URL in CI', () => {
          throw new Error('KEYSMITH_TEST_REDIS_URL is not set: CI must run the Redis suites');
        });
        return;
      }
      before(function () {
        console.log(`      (skipped: set KEYSMITH_TEST_REDIS_URL=redis://127.0.0.1:6379 to run "${title}" against Redis)`);
        this.skip();
      });
      it('runs against Redis', () => undefined);
      return;
    }
    const redis = new TestRedis(REDIS_URL);
    after(() => redis.dispose());
    body(redis);
  });
}

/** How a suite gets shared-state implementations, whichever backs them. */
export interface StateBackend {
  name: 'local' | 'redis';
  /**
   * `count` limiters sharing fresh counters: as many Redis limiters on connections of their own (as many
   * instances would have), or the one local limiter an instance has, `count` times.
   */
  limiters(count: number): Promise<RateLimiter[]>;
  /** `count` failure trackers sharing fresh state, likewise. */
  failureTrackers(count: number): Promise<FailureTracker[]>;
}

/** Declares the suite for the local implementations, and again for the Redis ones (see `describeWithRedis`). */
export function forEachStateBackend(title: string, body: (backend: StateBackend) => void): void {
  describe(`${title} [local]`, () =>
    body({
      name: 'local',
      limiters: async (count) => Array<RateLimiter>(count).fill(new LocalRateLimiter()),
      failureTrackers: async (count) => Array<FailureTracker>(count).fill(new LocalFailureTracker()),
    }),
  );
  describeWithRedis(title, (redis) => {
    const instances = async <T>(count: number, make: (client: Redis, prefix: string) => T): Promise<T[]> => {
      const prefix = redis.namespace();
      return Promise.all(Array.from({ length: count }, async () => make(await redis.connect(), prefix)));
    };
    body({
      name: 'redis',
      limiters: (count) => instances(count, (client, prefix) => new RedisRateLimiter({ client, prefix })),
      failureTrackers: (count) => instances(count, (client, prefix) => new RedisFailureTracker({ client, prefix })),
    });
  });
}

/**
 * A TCP proxy in front of Redis or MySQL that a test can cut and restore, or hold and release, to play an
 * outage without touching the server other suites use.
 */
export class CuttableProxy {
  private readonly sockets = new Set<Socket>();
  /** Client and upstream socket of every connection, for `hold` and `release`. */
  private readonly pairs = new Set<[Socket, Socket]>();
  private held = false;
  private server: Server | null = null;
  private port = 0;

  private constructor(private readonly target: URL) {}

  static async start(targetUrl: string): Promise<CuttableProxy> {
    const proxy = new CuttableProxy(new URL(targetUrl));
    await proxy.restore();
    return proxy;
  }

  /** The target's URL, through the proxy. */
  get url(): string {
    const url = new URL(this.target.toString());
    url.hostname = '127.0.0.1';
    url.port = String(this.port);
    return url.toString();
  }

  /** Drops every connection and refuses new ones. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /**
   * Stops forwarding without closing anything, as a frozen server (SIGSTOP) looks from outside: bytes sent
   * either way wait, connections stay open, and new ones are accepted (and connected upstream) but get no
   * answer, until `release`.
   */
  hold(): void {
    this.held = true;
    for (const [client, upstream] of this.pairs) {
      client.unpipe(upstream).pause();
      upstream.unpipe(client).pause();
    }
  }

  /** Forwards again, what waited first. */
  release(): void {
    this.held = false;
    for (const pair of this.pairs) pipeBoth(pair);
  }

  /** Accepts connections again, on the same port. */
  async restore(): Promise<void> {
    const server = createServer((client) => this.forward(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as { port: number }).port;
    this.server = server;
  }

  private forward(client: Socket): void {
    const upstream = connect(Number(this.target.port || 6379), this.target.hostname);
    const pair: [Socket, Socket] = [client, upstream];
    this.pairs.add(pair);
    for (const socket of pair) {
      this.sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        this.sockets.delete(socket);
        this.pairs.delete(pair);
        client.destroy();
        upstream.destroy();
      });
    }
    if (this.held) {
      client.pause();
      upstream.pause();
    } else {
      pipeBoth(pair);
    }
  }
}

function pipeBoth([client, upstream]: [Socket, Socket]): void {
  client.pipe(upstream);
  upstream.pipe(client);
}

/** Polls `condition` until it holds; fails after `timeoutMs` naming what it waited for. */
export async function waitFor(what: string, condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
