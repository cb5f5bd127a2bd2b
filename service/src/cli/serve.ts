import type { Server } from '@hapi/hapi';
import cluster from 'node:cluster';
import { openApp, type App } from '../app';
import type { Config } from '../config';
import { createServer } from '../http/server';
import { runPrimary, workerLogger } from './cluster';
import { answerMetricsRequests, serveMetrics } from './metricsPort';

/**
 * `keysmith serve`: migrate (unless turned off), listen, print a root key on the very first start of an
 * empty embedded database, and stop gracefully on SIGTERM/SIGINT. JSON logs go to stdout; the few lines
 * meant for a person at a terminal go to stderr, so log shippers see only JSON. With KEYSMITH_WORKERS > 1 the
 * first process becomes the cluster's primary (./cluster.ts) and each worker it forks runs this same service.
 */
export async function serve(config: Config): Promise<void> {
  if (config.workers > 1 && cluster.isPrimary) return runPrimary(config);
  if (cluster.isWorker) return serveWorker(config);
  const app = await openApp(config);
  const metricsServer =
    config.metricsPort === null
      ? null
      : await serveMetrics(config.host, config.metricsPort, async () => app.metrics.render(), app.logger).catch(async (err: unknown) => {
          await app.close();
          throw err;
        });
  const server = await startServer(app, config).catch((err: unknown) => {
    metricsServer?.close();
    throw err;
  });
  app.logger.info({ uri: server.info.uri, database: config.database.dialect }, 'keysmith listening');
  process.stderr.write(`Keysmith listening on ${server.info.uri}\n`);
  // Only once the port is ours: a start that fails must not consume the one-time root key.
  if (config.database.dialect === 'sqlite') await printFirstRootKey(app, { host: config.host, port: Number(server.info.port), bootstrapWorkspace: config.bootstrapWorkspace });

  stopOnSignals(app, server, config, () => metricsServer?.close());
}

/**
 * One worker of KEYSMITH_WORKERS: the same service on the shared port, on a database the primary has already
 * migrated. The primary prints the listening line; a worker's lines in the log carry its number and pid, and
 * /metrics (answered by whichever worker took the connection) says which process answered.
 */
async function serveWorker(config: Config): Promise<void> {
  try {
    await startWorker(config);
  } catch (err) {
    // The IPC channel to the primary would keep a worker that cannot serve alive: once the CLI has reported
    // the error (and set the exit code), leave.
    setImmediate(() => process.exit(process.exitCode ?? 1));
    throw err;
  }
}

async function startWorker(config: Config): Promise<void> {
  const logger = workerLogger(config);
  const app = await openApp(config, { logger, migrate: false });
  app.metrics.gauge('keysmith_worker_pid', 'Process id of this worker (KEYSMITH_WORKERS > 1)', () => process.pid);
  if (config.metricsPort !== null) answerMetricsRequests(app.metrics);
  const server = await startServer(app, config);
  app.logger.info({ uri: server.info.uri }, 'worker ready');
  // The IPC channel to the primary keeps a worker alive: leave once drained, with shutdown's exit code.
  stopOnSignals(app, server, config, () => process.exit());
}

/** The HTTP server over `app`, listening; a start that cannot have the port closes the app again. */
async function startServer(app: App, config: Config): Promise<Server> {
  const server = await createServer(app, {
    host: config.host,
    port: config.port,
    limits: config.connectionLimits,
    drainTimeoutMs: config.shutdownTimeoutMs,
  });
  try {
    await server.start();
  } catch (err) {
    await app.close();
    throw err;
  }
  return server;
}

/** The first SIGTERM or SIGINT drains and stops the service (later ones are ignored); `then` runs after. */
function stopOnSignals(app: App, server: Server, config: Config, then?: () => void): void {
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    void shutdown(app, server, config.shutdownTimeoutMs, signal).then(then);
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

/** How long connections left idle by the drain get to close once told to (a client that ignores it is cut). */
const IDLE_CLOSE_MS = 1000;

async function shutdown(app: App, server: Server, timeoutMs: number, signal: string): Promise<void> {
  app.logger.info({ signal, timeoutMs }, 'shutting down: finishing in-flight requests');
  try {
    // stop() first lets the requests in flight finish (for up to timeoutMs, set on the server); hapi's own
    // timeout then only bounds how long idle connections get to close after it ends them.
    await server.stop({ timeout: Math.min(timeoutMs, IDLE_CLOSE_MS) });
    await app.close();
    app.logger.info('stopped');
    process.exitCode = 0;
  } catch (err) {
    app.logger.error({ err }, 'unclean shutdown');
    process.exitCode = 1;
  }
}

/**
 * The quick start's credentials: the root key and the console's first-owner setup link, printed once, to
 * the terminal (stderr), never to the log.
 */
async function printFirstRootKey(app: App, config: Pick<Config, 'host' | 'port' | 'bootstrapWorkspace'>): Promise<void> {
  if (!(await app.services.rootKeys.isEmpty())) return;
  const { secret, workspace } = await app.services.rootKeys.bootstrap(
    { workspaceSlug: config.bootstrapWorkspace, rootKeyName: 'first root key' },
    { type: 'system', id: 'first-start' },
  );
  process.stderr.write(
    [
      '',
      `Created workspace "${workspace.slug}" and its first root key. It is shown this once; keep it safe:`,
      '',
      `export KEYSMITH_ROOT_KEY=${secret}`,
      '',
      '',
    ].join('\n'),
  );
  const { token } = await app.services.sessions.createSetupToken(workspace.id);
  process.stderr.write(`Create the first console owner (link valid 24 hours, once): ${setupLink(config, token)}\n\n`);
}

/** The console's first-owner setup page for a token, on this service's own address (loopback when it listens on all). */
export function setupLink(config: Pick<Config, 'host' | 'port'>, token: string): string {
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host.includes(':') ? `[${config.host}]` : config.host;
  return `http://${host}:${config.port}/console/setup?token=${token}`;
}
