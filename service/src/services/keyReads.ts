import type { Clock } from '../clock';
import type { Database } from '../db/database';
import { NotFoundError } from '../domain/errors';
import { toApiKey } from '../domain/keys';
import { effectiveLimits, type EffectiveLimits } from '../domain/limits';
import { QUOTA_WINDOW_SECONDS, QUOTA_WINDOWS, type ApiKey, type Caller, type Environment, type KeyStatusFilter, type Page, type QuotaWindow } from '../domain/model';
import { findKey, listKeys } from '../repositories/apiKeys';
import { findPolicy } from '../repositories/quotaPolicies';
import { countAdmittedSince, countByBucket, listRequestLogs, type RequestLog } from '../repositories/requestLogs';
import { decodeLogCursor, decodeNumericCursor, encodeCursor, logCursorPosition, toPage } from './cursor';

export interface KeyListFilter {
  q?: string;
  status?: KeyStatusFilter;
  environment?: Environment;
  tag?: string;
  group?: string;
  cursor?: string;
  limit: number;
}

export interface WindowUsage {
  window: QuotaWindow;
  /** Admitted verifications in the window (rolling: the last 24 h, 7 d or 30 d; `total` = all time). */
  used: number;
  /** Null when the window has no quota. */
  limit: number | null;
  remaining: number | null;
}

export interface KeyDetails {
  key: ApiKey;
  /** The limits in force: the key's own settings over its policy's, with the default rate limit. */
  effectiveLimits: EffectiveLimits;
  usage: WindowUsage[];
}

export const USAGE_WINDOWS = ['24h', '7d', '30d'] as const;
export type UsageWindow = (typeof USAGE_WINDOWS)[number];

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** How each chart window is cut: hours for a day, UTC days for a week or a month. */
const USAGE_BUCKETS: Record<UsageWindow, { granularity: 'hour' | 'day'; bucketMs: number; buckets: number }> = {
  '24h': { granularity: 'hour', bucketMs: HOUR_MS, buckets: 24 },
  '7d': { granularity: 'day', bucketMs: DAY_MS, buckets: 7 },
  '30d': { granularity: 'day', bucketMs: DAY_MS, buckets: 30 },
};

export interface UsageBucket {
  start: Date;
  /** Verifications by result code; codes that did not occur are absent. */
  counts: Partial<Record<string, number>>;
}

export interface KeyUsage {
  window: UsageWindow;
  granularity: 'hour' | 'day';
  /** Every bucket of the window, oldest first; the last one holds now and is still filling. */
  buckets: UsageBucket[];
}

export interface LogFilter {
  code?: string;
  cursor?: string;
  limit: number;
}

/** Reading keys: list, one key with its usage, its request logs. */
export class KeyReadService {
  constructor(private readonly deps: { db: Database; clock: Clock }) {}

  async list(caller: Caller, filter: KeyListFilter): Promise<Page<ApiKey>> {
    const now = this.deps.clock.now();
    const { keys, lastPk } = await listKeys(this.deps.db.knex, {
      workspaceId: caller.workspaceId,
      now,
      limit: filter.limit,
      ...(filter.q ? { nameContains: filter.q } : {}),
      ...(filter.status ? { status: filter.status } : {}),
      ...(filter.environment ? { environment: filter.environment } : {}),
      ...(filter.tag ? { tag: filter.tag } : {}),
      ...(filter.group ? { group: filter.group } : {}),
      ...(filter.cursor ? { beforePk: decodeNumericCursor(filter.cursor) } : {}),
    });
    return { items: keys.map((k) => toApiKey(k, now)), nextCursor: lastPk === null ? null : encodeCursor(lastPk) };
  }

  async get(caller: Caller, id: string): Promise<KeyDetails> {
    const { db, clock } = this.deps;
    const now = clock.now();
    const stored = await findKey(db.knex, caller.workspaceId, id);
    if (!stored) throw new NotFoundError('key', id);
    const policy = stored.quotaPolicyId ? await findPolicy(db.knex, caller.workspaceId, stored.quotaPolicyId) : null;
    const limits = effectiveLimits(stored, policy);
    const usage: WindowUsage[] = [];
    for (const window of QUOTA_WINDOWS) {
      const used =
        window === 'total'
          ? stored.usageCount
          : await countAdmittedSince(db.knex, id, new Date(now.getTime() - QUOTA_WINDOW_SECONDS[window] * 1000));
      const limit = limits.quota[window] ?? null;
      usage.push({ window, used, limit, remaining: limit === null ? null : Math.max(0, limit - used) });
    }
    return { key: toApiKey(stored, now), effectiveLimits: limits, usage };
  }

  /**
   * A key's verifications over the last day (per hour) or the last 7 or 30 days (per UTC day), by code,
   * for charts. Buckets are aligned to whole hours or days, so the same bucket keeps its start as time moves.
   */
  async usage(caller: Caller, id: string, window: UsageWindow): Promise<KeyUsage> {
    const { db, clock } = this.deps;
    if (!(await findKey(db.knex, caller.workspaceId, id))) throw new NotFoundError('key', id);
    const { granularity, bucketMs, buckets } = USAGE_BUCKETS[window];
    const now = clock.now().getTime();
    const from = now - (now % bucketMs) - (buckets - 1) * bucketMs;
    const counted = await countByBucket(db.knex, { keyId: id, from: new Date(from), bucketMs, buckets });
    const result: UsageBucket[] = Array.from({ length: buckets }, (_, i) => ({ start: new Date(from + i * bucketMs), counts: {} }));
    for (const { bucket, code, count } of counted) result[bucket]!.counts[code] = count;
    return { window, granularity, buckets: result };
  }

  async logs(caller: Caller, id: string, page: LogFilter): Promise<Page<RequestLog>> {
    const { db } = this.deps;
    if (!(await findKey(db.knex, caller.workspaceId, id))) throw new NotFoundError('key', id);
    const after = page.cursor === undefined ? undefined : decodeLogCursor(page.cursor);
    const logs = await listRequestLogs(db.knex, {
      workspaceId: caller.workspaceId,
      keyId: id,
      limit: page.limit,
      ...(page.code ? { code: page.code } : {}),
      ...(after ? { after } : {}),
    });
    return toPage(logs, page.limit, logCursorPosition);
  }
}
