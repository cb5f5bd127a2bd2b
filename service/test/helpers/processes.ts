import { spawn, type ChildProcess } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { resolve } from 'node:path';
import { buildApp } from '../../src/app';
import type { Database } from '../../src/db/database';
import { PepperRing } from '../../src/domain/pepper';
import { createLogger } from '../../src/logger';
import { openTestDatabase, type TestDatabase } from './databases';
import { TEST_PEPPER } from './harness';
import { describeWithRedis, type TestRedis } from './redis';

/** The built CLI entry point: what `keysmith serve` runs. */
const MAIN = resolve(__dirname, '..', '..', 'src', 'cli', 'main.js');
const MYSQL_URL = process.env.KEYSMITH_TEST_MYSQL_URL;
const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 15_000;
const LISTENING = /listening on http:\/\/127\.0\.0\.1:(\d+)/;

/** Every child still running, so none outlives the test run whatever happens to it. */
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Declares a suite of service processes sharing MySQL and Redis. Without KEYSMITH_TEST_MYSQL_URL or
 * KEYSMITH_TEST_REDIS_URL it is reported as skipped (CI, which sets both, fails instead).
 */
export function describeCluster(title: string, body: (redis: TestRedis) => void): void {
  if (MYSQL_URL) return describeWithRedis(title, body);
  describe(`${title} [mysql]`, function () {
    if (process.env.CI === 'true') {
      it('needs KEYSMITH_TEST_MYSQL_URL in CI', () => {
        throw new Error('KEYSMITH_TEST_MYSQL_URL is not set: CI must run the MySQL suites');
      });
      return;
    }
    before(function () {
      console.log(`      (skipped: set KEYSMITH_TEST_MYSQL_URL=mysql://root@127.0.0.1:3306/test and KEYSMITH_TEST_REDIS_URL to run "${title}")`);
      this.skip();
    });
    it('runs against MySQL and Redis', () => undefined);
  });
}

/** A fresh MySQL database with workspace `acme` and a root key, for service processes to share. */
export class SharedDatabase {
  private constructor(
    private readonly test: TestDatabase,
    /** The database's name on the test server. */
    readonly name: string,
    readonly rootKey: string,
  ) {}

  static async create(): Promise<SharedDatabase> {
    const test = await openTestDatabase('mysql');
    const [rows] = (await test.db.knex.raw('select database() as name')) as [Array<{ name: string }>];
    const app = buildApp({ db: test.db, peppers: PepperRing.parse(TEST_PEPPER), logger: createLogger('silent') });
    try {
      const { secret } = await app.services.rootKeys.bootstrap({ workspaceSlug: 'acme', rootKeyName: 'cluster' }, { type: 'system', id: 'test' });
      return new SharedDatabase(test, rows[0]!.name, secret);
    } finally {
      await app.shutdown();
    }
  }

  /** Creates a key through `on`'s API with this database's root key. */
  async createKey(on: ServiceProcess, body: Record<string, unknown>): Promise<{ id: string; secret: string }> {
    const res = await call(on, this.rootKey, 'POST', '/v1/keys', { name: `key ${Math.random()}`, ...body });
    if (res.status !== 201) throw new Error(`POST /v1/keys answered ${res.status}: ${JSON.stringify(res.body)}`);
    return { id: res.body.key.id, secret: res.body.secret };
  }

  /** The in-process handle on the database, to read what the services wrote. */
  get db(): Database {
    return this.test.db;
  }

  /** The database's URL, on the test server or through `server` (e.g. a `CuttableProxy`'s URL). */
  url(server = MYSQL_URL!): string {
    const url = new URL(server);
    url.pathname = `/${this.name}`;
    return url.toString();
  }

  dispose(): Promise<void> {
    return this.test.dispose();
  }
}

/** The environment of a service process on `database`; add KEYSMITH_REDIS_URL/PREFIX to share state. */
/**
 * The verify deadline for suites that test exactness under a burst of 1,000 calls, not latency: on a loaded
 * machine such a burst can queue its lease grants past the default 1 s, and a 503 there says nothing about
 * exactness. The fault suites keep the default; they test the deadline itself.
 */
export const BURST_VERIFY_TIMEOUT_MS = 30_000;

export function serviceEnv(databaseUrl: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOST: '127.0.0.1',
    KEYSMITH_DATABASE_URL: databaseUrl,
    KEYSMITH_PEPPER: TEST_PEPPER,
    KEYSMITH_LOG_LEVEL: 'info',
    ...extra,
  };
}

/**
 * One `keysmith serve` child process. It starts on a free port and keeps that port across restarts;
 * its stdout (JSON logs) and stderr are kept for assertions and for diagnostics when a test fails.
 */
export class ServiceProcess {
  private child: ChildProcess | null = null;
  private port = 0;
  /** Everything the current and earlier runs wrote on stdout and stderr. */
  stdout = '';
  stderr = '';

  private constructor(
    readonly name: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  static async start(name: string, env: NodeJS.ProcessEnv): Promise<ServiceProcess> {
    const service = new ServiceProcess(name, env);
    await service.launch();
    return service;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The JSON log lines written so far. */
  logs(): Array<Record<string, any>> {
    return this.stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, any>);
  }

  /** The tail of both streams, to print when a test fails. */
  diagnostics(chars = 3000): string {
    return `--- ${this.name} stderr ---\n${this.stderr.slice(-chars)}\n--- ${this.name} stdout ---\n${this.stdout.slice(-chars)}`;
  }

  /** Sends `signal` and resolves with the exit code (null when a signal ended it) once it has exited. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    const child = this.child;
    if (!child) return null;
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    child.kill(signal);
    const timer = setTimeout(() => {
      this.stderr += `\n(test: no exit within ${STOP_TIMEOUT_MS} ms of ${signal}; killed)\n`;
      child.kill('SIGKILL');
    }, STOP_TIMEOUT_MS);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Starts it again, on the same port, with the same environment. */
  async restart(): Promise<void> {
    await this.stop('SIGKILL');
    await this.launch();
  }

  private launch(): Promise<void> {
    const child = spawn(process.execPath, [MAIN, 'serve'], { env: { ...this.env, PORT: String(this.port) }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    running.add(child);
    const from = this.stderr.length;
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (this.stdout += chunk));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    return new Promise<void>((resolvePromise, reject) => {
      const fail = (why: string): void => {
        clearTimeout(timer);
        child.kill('SIGKILL');
        reject(new Error(`${this.name} did not start: ${why}\n${this.diagnostics()}`));
      };
      const timer = setTimeout(() => fail(`no "listening" line within ${START_TIMEOUT_MS} ms`), START_TIMEOUT_MS);
      child.once('exit', (code, signal) => {
        running.delete(child);
        fail(`exited with ${code ?? signal}`);
      });
      const onData = (): void => {
        const match = LISTENING.exec(this.stderr.slice(from));
        if (!match) return;
        child.stderr!.off('data', onData);
        clearTimeout(timer);
        this.port = Number(match[1]);
        resolvePromise();
      };
      child.stderr!.on('data', onData);
    });
  }
}

/** Starts `count` processes with the same environment, in parallel; when one fails, stops the others. */
export async function startServices(count: number, env: NodeJS.ProcessEnv, names = 'ABCDEFGH'): Promise<ServiceProcess[]> {
  const started = await Promise.allSettled(Array.from({ length: count }, (_, i) => ServiceProcess.start(names[i]!, env)));
  const services = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const failure = started.find((result) => result.status === 'rejected');
  if (!failure) return services;
  await killAll(services);
  throw failure.reason;
}

/** Stops every process still running (SIGKILL: for `after` hooks, where only not leaking them matters). */
export async function killAll(services: ServiceProcess[]): Promise<void> {
  await Promise.all(services.map((service) => service.stop('SIGKILL')));
}

export interface Answer {
  status: number;
  body: any;
  headers: Record<string, string>;
}

/** One HTTP call to a process, as the root key's holder; network failures reject. */
export async function call(service: ServiceProcess, rootKey: string, method: string, path: string, body?: unknown): Promise<Answer> {
  const res = await fetch(`${service.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${rootKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, headers: Object.fromEntries(res.headers) };
}

/** Resolves once the process says (in /metrics) that its limits are shared through Redis. */
export async function waitForRedis(service: ServiceProcess, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(`${service.url}/metrics`);
    if (/^keysmith_redis_healthy 1$/m.test(await res.text())) return;
    if (Date.now() > deadline) throw new Error(`${service.name} did not reach Redis within ${timeoutMs} ms\n${service.diagnostics()}`);
    await sleep(50);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

/** One request written in two parts on its own connection; resolves with everything the server sent. */
export class SlowRequest {
  private text = '';
  readonly done: Promise<string>;
  private readonly socket: Socket;

  constructor(port: number, first: string) {
    this.socket = connect(port, '127.0.0.1');
    this.socket.setEncoding('utf8').on('data', (chunk: string) => (this.text += chunk));
    this.done = new Promise((resolve, reject) => {
      this.socket.on('error', (err) => reject(new Error(`${err.message} after ${JSON.stringify(this.text)}`)));
      this.socket.on('close', () => resolve(this.text));
    });
    this.socket.write(first);
  }

  finish(rest: string): void {
    this.socket.write(rest);
  }
}
