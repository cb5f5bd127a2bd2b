import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const REDIS_SERVER = process.env.KEYSMITH_TEST_REDIS_SERVER ?? '/usr/bin/redis-server';
const REDIS_CLI = process.env.KEYSMITH_TEST_REDIS_CLI ?? '/usr/bin/redis-cli';

/** Why a local cluster cannot be started here, or null when it can. */
export function clusterUnavailable(): string | null {
  if (!existsSync(REDIS_SERVER)) return `${REDIS_SERVER} is missing (apt-get install redis-server)`;
  if (!existsSync(REDIS_CLI)) return `${REDIS_CLI} is missing (apt-get install redis-tools)`;
  return null;
}

/** A port nothing listens on right now, from 17000 up. */
async function freePort(from: number): Promise<number> {
  for (let port = from; port < from + 1000; port++) {
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    // The cluster bus listens on port + 10000 too.
    if (free && port + 10000 < 65536) return port;
  }
  throw new Error(`no free port from ${from}`);
}

const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

/**
 * Three Redis masters on loopback ports joined into a cluster, in a temporary directory: `url` for the
 * service, `kill(i)` and `restart(i)` to play a lost master, `stop()` to kill them all and remove the
 * directory.
 */
export class LocalRedisCluster {
  private readonly processes: Array<ChildProcess | null> = [];

  private constructor(
    readonly ports: number[],
    private readonly dir: string,
  ) {}

  static async start(): Promise<LocalRedisCluster> {
    const dir = mkdtempSync(join(tmpdir(), 'keysmith-redis-cluster-'));
    const ports: number[] = [];
    let from = 17000 + (process.pid % 500) * 3;
    for (let i = 0; i < 3; i++) {
      const port = await freePort(from);
      ports.push(port);
      from = port + 1;
    }
    const cluster = new LocalRedisCluster(ports, dir);
    try {
      for (let i = 0; i < 3; i++) cluster.spawn(i);
      for (const port of ports) await cluster.waitForPing(port);
      const create = spawnSync(
        REDIS_CLI,
        ['--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', '0', '--cluster-yes'],
        { encoding: 'utf8', timeout: 20_000 },
      );
      if (create.status !== 0) throw new Error(`redis-cli --cluster create failed: ${create.stdout}${create.stderr}`);
      await cluster.waitUntilOk();
      return cluster;
    } catch (error) {
      await cluster.stop();
      throw error;
    }
  }

  /** `redis://` URLs of the three masters, comma-separated. */
  get url(): string {
    return this.ports.map((port) => `redis://127.0.0.1:${port}`).join(',');
  }

  /** Kills master `i` at once (SIGKILL), as a crashed machine. */
  async kill(i: number): Promise<void> {
    const child = this.processes[i];
    this.processes[i] = null;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  /** Starts master `i` again on its port with its nodes file, and waits until the cluster is ok. */
  async restart(i: number): Promise<void> {
    this.spawn(i);
    await this.waitForPing(this.ports[i]!);
    await this.waitUntilOk();
  }

  /** Waits until every master answers `cluster_state:ok`. */
  async waitUntilOk(timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const states = this.ports.map((port) => this.cli(port, 'cluster', 'info'));
      if (states.every((state) => /cluster_state:ok/.test(state))) return;
      if (Date.now() > deadline) throw new Error(`the cluster is not ok after ${timeoutMs} ms: ${states.join(' | ')}`);
      await sleep(100);
    }
  }

  async stop(): Promise<void> {
    for (let i = 0; i < this.processes.length; i++) await this.kill(i);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private spawn(i: number): void {
    const port = this.ports[i]!;
    const child = spawn(
      REDIS_SERVER,
      [
        '--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes',
        '--cluster-config-file', join(this.dir, `nodes-${port}.conf`), '--cluster-node-timeout', '2000',
        '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--dir', this.dir,
      ],
      { stdio: 'ignore' },
    );
    this.processes[i] = child;
  }

  private async waitForPing(port: number, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.cli(port, 'ping') !== 'PONG') {
      if (Date.now() > deadline) throw new Error(`redis-server on ${port} did not start within ${timeoutMs} ms`);
      await sleep(50);
    }
  }

  private cli(port: number, ...args: string[]): string {
    const result = spawnSync(REDIS_CLI, ['-h', '127.0.0.1', '-p', String(port), ...args], { encoding: 'utf8', timeout: 2000 });
    return (result.stdout ?? '').trim();
  }
}

/** Declares a suite on a local Redis Cluster; skipped with the reason without redis-server (fails in CI). */
export function describeRedisCluster(title: string, body: (cluster: () => LocalRedisCluster) => void): void {
  describe(`${title} [redis cluster]`, function () {
    const missing = clusterUnavailable();
    if (missing) {
      if (process.env.CI === 'true') {
        it('needs redis-server in CI', () => {
          throw new Error(`cannot start a Redis Cluster: ${missing}`);
        });
        return;
      }
      before(function () {
        console.log(`      (skipped: ${missing})`);
        this.skip();
      });
      it('runs against a local Redis Cluster', () => undefined);
      return;
    }
    let cluster: LocalRedisCluster | null = null;
    before(async function () {
      this.timeout(30_000);
      cluster = await LocalRedisCluster.start();
    });
    after(async () => {
      await cluster?.stop();
    });
    body(() => cluster!);
  });
}
