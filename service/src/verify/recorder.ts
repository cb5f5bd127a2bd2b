import type { Database } from '../db/database';
import { randomBase62 } from '../domain/base62';
import type { Logger } from '../logger';
import { RequestLogBatch, type RequestLogEntry } from '../repositories/requestLogBatch';
import { forgetFlushesBefore, writeUsage, type FlushId, type KeyUse } from '../repositories/verification';
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

/** How long a flush's id is kept: a retry comes within seconds of the failure it follows, or never. */
const FLUSH_ID_TTL_MS = 24 * 60 * 60 * 1000;
const FORGET_EVERY_MS = 60 * 60 * 1000;

/** Logs and counters taken together for one write, and what they are known by in every try of it. */
interface Flush {
  id: FlushId;
  logs: RequestLogBatch;
  uses: Map<string, KeyUse>;
  /** Sent to the database at least once: it may be there, so it is never merged with another. */
  tried: boolean;
}

/**
 * Request logs and usage counters, written behind: verification appends to memory, and one transaction
 * per flush writes the batch, so the hot path makes no database call. A failed flush is tried again as it
 * was, under its own id, before anything newer: if its COMMIT went through after all, the retry finds the
 * id and writes nothing, so no log or count is written twice. Shutdown flushes what is left.
 */
export class Recorder {
  private logs = new RequestLogBatch();
  private uses = new Map<string, KeyUse>();
  /** Flushes not yet known to be written, oldest first. */
  private unwritten: Flush[] = [];
  private flushing: Promise<void> | null = null;
  private forgottenAt = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly deps: { db: Database; logger: Logger; metrics: Metrics; health: Pick<DbHealth, 'reportFailure'>; now: () => number },
    private readonly options: RecorderOptions = DEFAULT_RECORDER_OPTIONS,
  ) {
    this.timer = setInterval(() => void this.flush(), options.flushMs);
    this.timer.unref();
  }

  /** Logs not yet written: buffered, and in flushes that failed. */
  get pending(): number {
    let count = this.logs.length;
    for (const flush of this.unwritten) count += flush.logs.length;
    return count;
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
    if (this.logs.length > 0 || this.uses.size > 0) {
      const last = this.unwritten.at(-1);
      if (last && !last.tried) {
        // Waiting behind a failed flush: one batch, however long the database is away.
        last.logs = last.logs.concat(this.logs);
        for (const [keyId, use] of this.uses) {
          const earlier = last.uses.get(keyId);
          last.uses.set(keyId, earlier ? { admitted: earlier.admitted + use.admitted, lastUsedAt: Math.max(earlier.lastUsedAt, use.lastUsedAt) } : use);
        }
      } else {
        this.unwritten.push({ id: { id: randomBase62(22), createdAt: this.deps.now() }, logs: this.logs, uses: this.uses, tried: false });
      }
      this.logs = new RequestLogBatch(this.options.batch);
      this.uses = new Map();
    }
    if (this.unwritten.length === 0) return;
    this.flushing = this.write().finally(() => (this.flushing = null));
    await this.flushing;
  }

  /** Writes the unwritten flushes in order, stopping at the first failure. */
  private async write(): Promise<void> {
    try {
      for (let flush = this.unwritten[0]; flush; flush = this.unwritten[0]) {
        countDbQuery(this.deps.metrics, 'flush');
        flush.tried = true;
        await writeUsage(this.deps.db, flush.id, flush.logs, flush.uses);
        this.unwritten.shift();
      }
    } catch (err) {
      this.deps.health.reportFailure(err);
      this.dropBeyondLimit();
      return;
    }
    await this.forgetOldFlushIds();
  }

  /** While the database is unreachable, at most `maxBuffered` logs are kept: the oldest go (their counters stay). */
  private dropBeyondLimit(): void {
    let excess = this.pending - this.options.maxBuffered;
    if (excess <= 0) return;
    this.deps.metrics.count('keysmith_request_logs_dropped_total', 'Request logs dropped while the database was unreachable', '', excess);
    this.deps.logger.warn({ dropped: excess }, 'request log buffer full: oldest logs dropped (usage counters are kept)');
    for (const { logs } of this.unwritten) {
      const dropped = Math.min(excess, logs.length);
      logs.dropOldest(dropped);
      excess -= dropped;
      if (excess === 0) break;
    }
  }

  /** Once an hour, the ids of flushes older than a day are deleted; best effort. */
  private async forgetOldFlushIds(): Promise<void> {
    const now = this.deps.now();
    if (now - this.forgottenAt < FORGET_EVERY_MS) return;
    this.forgottenAt = now;
    await forgetFlushesBefore(this.deps.db.knex, now - FLUSH_ID_TTL_MS).catch((err: unknown) => this.deps.health.reportFailure(err));
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
