import type { Database } from '../db/database';
import type { Logger } from '../logger';
import { RequestLogBatch, type RequestLogEntry } from '../repositories/requestLogBatch';
import { writeUsage, type KeyUse } from '../repositories/verification';
import type { DbHealth } from './dbHealth';
import { countDbQuery, type Metrics } from './metrics';

export interface RecorderOptions {
  /** How often buffered logs and counters are written. What a crash can lose is at most this much. */
  flushMs: number;
  /** A flush starts early once this many logs wait. */
  batch: number;
  /** Logs kept while the database is unreachable; beyond this the oldest are dropped (and counted). */
  maxBuffered: number;
}

export const DEFAULT_RECORDER_OPTIONS: RecorderOptions = { flushMs: 1000, batch: 2000, maxBuffered: 200_000 };

/**
 * Request logs and usage counters, written behind: verification appends to memory, and one transaction
 * per flush writes the batch, so the hot path makes no database call. A failed flush keeps its batch
 * and tries again; shutdown flushes what is left.
 */
export class Recorder {
  private logs = new RequestLogBatch();
  private uses = new Map<string, KeyUse>();
  private flushing: Promise<void> | null = null;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly deps: { db: Database; logger: Logger; metrics: Metrics; health: Pick<DbHealth, 'reportFailure'> },
    private readonly options: RecorderOptions = DEFAULT_RECORDER_OPTIONS,
  ) {
    this.timer = setInterval(() => void this.flush(), options.flushMs);
    this.timer.unref();
  }

  get pending(): number {
    return this.logs.length;
  }

  record(entry: RequestLogEntry, admitted: boolean): void {
    this.logs.push(entry);
    if (entry.keyId !== null && admitted) {
      const use = this.uses.get(entry.keyId);
      if (use) {
        use.admitted++;
        if (entry.createdAt > use.lastUsedAt) use.lastUsedAt = entry.createdAt;
      } else {
        this.uses.set(entry.keyId, { admitted: 1, lastUsedAt: entry.createdAt });
      }
    }
    if (this.logs.length >= this.options.batch && !this.flushing) void this.flush();
  }

  /** Writes everything buffered so far; resolves when it is in the database (or the attempt failed). */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.logs.length === 0 && this.uses.size === 0) return;
    const logs = this.logs;
    const uses = this.uses;
    this.logs = new RequestLogBatch(this.options.batch);
    this.uses = new Map();
    this.flushing = this.write(logs, uses).finally(() => (this.flushing = null));
    await this.flushing;
  }

  private async write(logs: RequestLogBatch, uses: Map<string, KeyUse>): Promise<void> {
    try {
      countDbQuery(this.deps.metrics, 'flush');
      await writeUsage(this.deps.db, logs, uses);
    } catch (err) {
      this.deps.health.reportFailure(err);
      this.putBack(logs, uses);
    }
  }

  private putBack(logs: RequestLogBatch, uses: Map<string, KeyUse>): void {
    this.logs = logs.concat(this.logs);
    const excess = this.logs.length - this.options.maxBuffered;
    if (excess > 0) {
      this.logs.dropOldest(excess);
      this.deps.metrics.count('keysmith_request_logs_dropped_total', 'Request logs dropped while the database was unreachable', '', excess);
      this.deps.logger.warn({ dropped: excess }, 'request log buffer full: oldest logs dropped (usage counters are kept)');
    }
    for (const [keyId, use] of uses) {
      const newer = this.uses.get(keyId);
      this.uses.set(keyId, newer ? { admitted: use.admitted + newer.admitted, lastUsedAt: Math.max(use.lastUsedAt, newer.lastUsedAt) } : use);
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
