import cluster, { type Worker } from 'node:cluster';
import { openApp } from '../app';
import type { Config } from '../config';
import { createLogger, type Logger } from '../logger';
import { serveMetrics, workerMetricsCollector } from './metricsPort';

/** A worker that dies within this long of its start counts towards the restart backoff. */
const QUICK_DEATH_MS = 10_000;
/** The first restart after a quick death waits this long; each further quick death doubles it, up to the cap. */
const RESTART_BASE_MS = 250;
const RESTART_CAP_MS = 30_000;
/** How long the primary waits past KEYSMITH_SHUTDOWN_TIMEOUT_MS for a worker to exit before it kills it. */
const EXIT_GRACE_MS = 5_000;

/**
 * `keysmith serve` with KEYSMITH_WORKERS > 1, in the primary process: it migrates the database once, forks
 * the workers (each a full service on the shared port; node:cluster hands out the connections), prints the
 * listening line once every worker listens, replaces a worker that dies (with backoff), and on SIGTERM/SIGINT
 * has every worker drain its in-flight requests, exiting 0 when all of them stopped cleanly.
 */
export async function runPrimary(config: Config): Promise<void> {
  const logger = createLogger(config.logLevel).child({ role: 'primary', pid: process.pid });
  // Migrations (and the pepper check) run here, once, so that workers never race them.
  const app = await openApp(config, { logger });
  await app.close();

  const started = new Map<number, number>();
  let quickDeaths = 0;
  let stopping = false;
  let listening = 0;
  let ready = false;
  let failed = false;

  const fork = (): Worker => {
    const worker = cluster.fork();
    started.set(worker.id, Date.now());
    return worker;
  };

  const alive = (): Worker[] => Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && !w.isDead());
  // Before any worker starts: a metrics port that cannot be had stops the start.
  const metricsServer = config.metricsPort === null ? null : await serveMetrics(config.host, config.metricsPort, workerMetricsCollector(alive), logger);

  const stopAll = (signal: NodeJS.Signals): void => {
    stopping = true;
    metricsServer?.close();
    metricsServer?.closeAllConnections();
    const workers = alive();
    logger.info({ signal, workers: workers.length }, 'shutting down: every worker finishes its in-flight requests');
    for (const worker of workers) worker.process.kill(signal);
    if (workers.length === 0) {
      // Every worker had already died (a restart was pending): nothing to wait for.
      logger.info({ clean: !failed }, 'stopped');
      process.exitCode = failed ? 1 : 0;
      return;
    }
    setTimeout(() => {
      for (const worker of alive()) {
        logger.error({ worker: worker.id, workerPid: worker.process.pid }, 'worker did not stop in time; killed');
        failed = true;
        worker.process.kill('SIGKILL');
      }
    }, config.shutdownTimeoutMs + EXIT_GRACE_MS).unref();
  };

  cluster.on('listening', (worker, address) => {
    logger.info({ worker: worker.id, workerPid: worker.process.pid, port: address.port }, 'worker listening');
    if (ready) return;
    if (++listening < config.workers) return;
    ready = true;
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;
    logger.info({ workers: config.workers, port: address.port, database: config.database.dialect }, 'keysmith listening');
    process.stderr.write(`Keysmith listening on http://${host}:${address.port} (${config.workers} workers)\n`);
  });

  cluster.on('exit', (worker, code, signal) => {
    const lived = Date.now() - (started.get(worker.id) ?? 0);
    started.delete(worker.id);
    const clean = code === 0 && signal === null;
    if (stopping) {
      if (!clean) failed = true;
      logger.info({ worker: worker.id, workerPid: worker.process.pid, code, signal }, 'worker stopped');
      if (alive().length === 0) {
        logger.info({ clean: !failed }, 'stopped');
        process.exitCode = failed ? 1 : 0;
      }
      return;
    }
    if (!ready) {
      // A worker that cannot start (port taken, database unreachable) would fail the same way again.
      logger.error({ worker: worker.id, workerPid: worker.process.pid, code, signal }, 'worker exited before every worker was listening');
      failed = true;
      stopAll('SIGTERM');
      return;
    }
    quickDeaths = lived < QUICK_DEATH_MS ? quickDeaths + 1 : 0;
    const delayMs = quickDeaths === 0 ? 0 : Math.min(RESTART_BASE_MS * 2 ** (quickDeaths - 1), RESTART_CAP_MS);
    logger.error({ worker: worker.id, workerPid: worker.process.pid, code, signal, livedMs: lived, restartInMs: delayMs }, 'worker died unexpectedly; starting another');
    setTimeout(() => {
      if (!stopping) fork();
    }, delayMs);
  });

  process.on('SIGTERM', () => {
    if (!stopping) stopAll('SIGTERM');
  });
  process.on('SIGINT', () => {
    if (!stopping) stopAll('SIGINT');
  });

  logger.info({ workers: config.workers }, 'starting workers');
  for (let i = 0; i < config.workers; i++) fork();
}

/** The logger of a worker process: every line says which worker (and process) wrote it. */
export function workerLogger(config: Config): Logger {
  return createLogger(config.logLevel).child({ worker: cluster.worker?.id ?? 0, pid: process.pid });
}
