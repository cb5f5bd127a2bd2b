import cluster, { type Worker } from 'node:cluster';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../logger';
import { renderSnapshots, type Metrics, type MetricsSnapshot } from '../verify/metrics';

/**
 * KEYSMITH_METRICS_PORT: GET /metrics of the whole service on a port of its own. With workers, the primary
 * asks every worker for its counters over node:cluster's IPC channel and answers with all of them, each
 * series labelled `worker="N"`, so a scraper sees every worker on every scrape (the service port's
 * /metrics reaches whichever worker takes the connection). A single process answers with its own.
 */

const COLLECT = 'keysmith:metrics-collect';
const SNAPSHOT = 'keysmith:metrics-snapshot';
/** How long the primary waits for the workers' snapshots before it answers with those that came. */
const COLLECT_TIMEOUT_MS = 1_000;

interface Collect {
  type: typeof COLLECT;
  id: number;
}

interface Snapshot {
  type: typeof SNAPSHOT;
  id: number;
  snapshot: MetricsSnapshot;
}

function isMessage<T extends { type: string }>(message: unknown, type: T['type']): message is T {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === type;
}

/** In a worker: answers the primary's requests for this worker's counters and gauges. */
export function answerMetricsRequests(metrics: Metrics): void {
  process.on('message', (message: unknown) => {
    if (isMessage<Collect>(message, COLLECT)) process.send?.({ type: SNAPSHOT, id: message.id, snapshot: metrics.snapshot() } satisfies Snapshot);
  });
}

/**
 * In the primary: a function that collects every live worker's snapshot and renders them together. A
 * worker that does not answer within a second (busy, or dying) is left out of that scrape, and
 * `keysmith_metrics_workers_missing` says how many were.
 */
export function workerMetricsCollector(alive: () => Worker[]): () => Promise<string> {
  let nextId = 0;
  const waiting = new Map<number, (worker: Worker, snapshot: MetricsSnapshot) => void>();
  cluster.on('message', (worker, message: unknown) => {
    if (isMessage<Snapshot>(message, SNAPSHOT)) waiting.get(message.id)?.(worker, message.snapshot);
  });
  return async () => {
    const id = ++nextId;
    const workers = alive();
    const snapshots = new Map<number, MetricsSnapshot>();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, COLLECT_TIMEOUT_MS);
      waiting.set(id, (worker, snapshot) => {
        snapshots.set(worker.id, snapshot);
        if (snapshots.size < workers.length) return;
        clearTimeout(timer);
        resolve();
      });
      for (const worker of workers) worker.send({ type: COLLECT, id } satisfies Collect);
      if (workers.length === 0) resolve();
    });
    waiting.delete(id);
    const missing: MetricsSnapshot = {
      counters: [],
      gauges: [
        { name: 'keysmith_workers', help: 'Worker processes running', value: workers.length },
        { name: 'keysmith_metrics_workers_missing', help: 'Workers whose metrics did not arrive in time for this scrape', value: workers.length - snapshots.size },
      ],
    };
    const byWorker = [...snapshots].sort(([a], [b]) => a - b).map(([worker, snapshot]) => ({ label: `worker="${worker}"`, snapshot }));
    return renderSnapshots([{ label: '', snapshot: missing }, ...byWorker]);
  };
}

/** Listens on `port` (0: any free one) and answers GET /metrics with `render()`; resolves once listening. */
export async function serveMetrics(host: string, port: number, render: () => Promise<string>, logger: Logger): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'GET' || path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('only GET /metrics is served on this port\n');
      return;
    }
    render().then(
      (text) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(text),
      (err: unknown) => {
        logger.error({ err }, 'metrics could not be collected');
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('metrics could not be collected\n');
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  const shown = host.includes(':') ? `[${host}]` : host;
  logger.info({ port: bound }, 'metrics listening');
  process.stderr.write(`Keysmith metrics on http://${shown}:${bound}/metrics\n`);
  return server;
}
