import type { Knex } from 'knex';
import { lockForUpdate, type Database, type Queryable } from '../db/database';
import { QUOTA_WINDOW_SECONDS, QUOTA_WINDOWS, type Credits, type Quota, type QuotaWindow } from '../domain/model';

/** Quota reservations are kept in one-hour buckets; bucket -1 holds the all-time total. */
export const BUCKET_MS = 3600 * 1000;
const TOTAL_BUCKET = -1;

export const bucketOf = (now: number): number => Math.floor(now / BUCKET_MS) * BUCKET_MS;

/**
 * The first bucket a rolling window still covers: a bucket counts while any part of its hour is inside the
 * window, so a request counts for between one window and one window plus an hour (never less).
 */
export function windowStartBucket(window: Exclude<QuotaWindow, 'total'>, now: number): number {
  return bucketOf(now - QUOTA_WINDOW_SECONDS[window] * 1000);
}

export interface CreditTerms {
  /** Digest of the effective credit settings; a new digest starts a new balance. */
  source: string;
  settings: Credits;
}

export interface LeaseRequest {
  keyId: string;
  now: number;
  quota: Quota;
  /** Requests wanted against the quotas (0 when the key has none), and the least worth having. */
  requests: { wanted: number; needed: number };
  credits: (CreditTerms & { wanted: number; needed: number }) | null;
}

export interface WindowUsage {
  window: QuotaWindow;
  limit: number;
  /** Reserved in the window after this grant, by every instance. */
  used: number;
  /** Epoch ms at which the window's oldest reservation leaves it; null for `total` or an empty window. */
  resetAt: number | null;
}

export interface LeaseGrant {
  requests: number;
  /** The bucket the requests were reserved in: unused ones go back there. */
  bucketStart: number;
  windows: WindowUsage[];
  /** The first window without room for `requests.needed`, if any. */
  exhausted: QuotaWindow | null;
  credits: { granted: number; remaining: number; source: string; refilledAt: number } | null;
}

/** What a lease holder gives back when it ends with units unused. */
export interface LeaseReturn {
  keyId: string;
  requests: number;
  bucketStart: number;
  credits: { amount: number; source: string; refilledAt: number } | null;
}

/** How much to hand out: at least `needed` when there is room, at most a quarter of what is left beyond that. */
function share(remaining: number, wanted: number, needed: number): number {
  if (remaining < needed) return 0;
  return Math.min(remaining, Math.max(needed, Math.min(wanted, Math.ceil(remaining / 4))));
}

/**
 * Reserves quota requests and credits for one instance, in one transaction serialised on the key's row.
 * Everything handed out is already counted as used, so instances together never admit more than the
 * limits allow; what an instance does not use it gives back with `returnLease`. On MySQL the grant is
 * two round trips (lock and read, then write and commit): it sits on the path of a key's first answer.
 */
export async function grantLease(db: Database, request: LeaseRequest): Promise<LeaseGrant> {
  const { knex } = db;
  const reads = [lockAndReadUsage(knex, request.keyId, request.now)];
  if (request.credits) reads.push(lockForUpdate(knex('key_credits').select('source', 'remaining', 'refilled_at').where({ key_id: request.keyId }), knex));
  return retryOnDeadlock(() =>
    db.readThenWrite(reads, ([usage, credits]) => planGrant(knex, request, usage as UsageRow[], (credits as CreditRow[] | undefined)?.[0])),
  );
}

type UsageRow = { bucket_start: number | string | null; requests: number | string | null };
type CreditRow = { source: string; remaining: number | string; refilled_at: number | string };

function planGrant(knex: Knex, request: LeaseRequest, usage: UsageRow[], creditRow: CreditRow | undefined): { writes: Knex.QueryBuilder[]; result: LeaseGrant } {
  const windows = windowUsage(usage, request.quota, request.now);
  const roomLeft = Math.min(...windows.map((w) => w.limit - w.used));
  const exhausted = windows.find((w) => w.limit - w.used < request.requests.needed)?.window ?? null;
  const requests = windows.length === 0 ? 0 : share(roomLeft, request.requests.wanted, request.requests.needed);
  const bucketStart = bucketOf(request.now);
  const writes: Knex.QueryBuilder[] = [];
  if (requests > 0) {
    writes.push(reserve(knex, request.keyId, bucketStart, requests));
    for (const w of windows) {
      w.used += requests;
      if (w.window !== 'total') w.resetAt ??= bucketStart + BUCKET_MS + QUOTA_WINDOW_SECONDS[w.window] * 1000;
    }
  }
  let credits: LeaseGrant['credits'] = null;
  if (request.credits) {
    const taken = takeCredits(request.credits, creditRow, request.now);
    const values = { source: taken.source, remaining: taken.remaining, refilled_at: taken.refilledAt };
    writes.push(creditRow ? knex('key_credits').where({ key_id: request.keyId }).update(values) : knex('key_credits').insert({ key_id: request.keyId, ...values }));
    credits = taken;
  }
  return { writes, result: { requests, bucketStart, windows, exhausted, credits } };
}

const RETRYABLE = new Set(['ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT', 'SQLITE_BUSY']);

/** A grant that lost a deadlock rolled back whole: running it again is safe. */
export async function retryOnDeadlock<T>(work: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      if (attempt >= attempts || !RETRYABLE.has((err as { code?: string }).code ?? '')) throw err;
    }
  }
}

/**
 * Takes the key row's lock, which serialises grants of this key, and reads the usage every window covers,
 * in one statement.
 */
function lockAndReadUsage(knex: Knex, keyId: string, now: number): Knex.QueryBuilder {
  return lockForUpdate(
    knex('api_keys as k')
      .leftJoin('key_usage as u', (on) =>
        on.on('u.key_id', 'k.id').andOn((covered) => covered.onVal('u.bucket_start', TOTAL_BUCKET).orOnVal('u.bucket_start', '>=', windowStartBucket('monthly', now))),
      )
      .select('u.bucket_start', 'u.requests')
      .where('k.id', keyId),
    knex,
  );
}

function windowUsage(rows: UsageRow[], quota: Quota, now: number): WindowUsage[] {
  const windows = QUOTA_WINDOWS.filter((w) => quota[w] !== undefined);
  return windows.map((window) => {
    let used = 0;
    let oldest: number | null = null;
    for (const row of rows) {
      if (row.bucket_start === null) continue;
      const bucket = Number(row.bucket_start);
      const n = Number(row.requests);
      if (window === 'total' ? bucket !== TOTAL_BUCKET : bucket === TOTAL_BUCKET || bucket < windowStartBucket(window, now)) continue;
      used += n;
      if (n > 0 && (oldest === null || bucket < oldest)) oldest = bucket;
    }
    const resetAt = window === 'total' || oldest === null ? null : oldest + BUCKET_MS + QUOTA_WINDOW_SECONDS[window] * 1000;
    return { window, limit: quota[window]!, used, resetAt };
  });
}

/** Adds `requests` to the hour's bucket and to the all-time row: one statement, both dialects. */
function reserve(knex: Knex, keyId: string, bucketStart: number, requests: number): Knex.QueryBuilder {
  const mysql = knex.client.config.client === 'mysql2';
  return knex('key_usage')
    .insert([bucketStart, TOTAL_BUCKET].map((bucket) => ({ key_id: keyId, bucket_start: bucket, requests })))
    .onConflict(['key_id', 'bucket_start'])
    .merge({ requests: knex.raw(mysql ? 'key_usage.requests + values(requests)' : 'key_usage.requests + excluded.requests') });
}

/** The balance after refills, and what this grant takes of it. */
function takeCredits(terms: CreditTerms & { wanted: number; needed: number }, row: CreditRow | undefined, now: number): NonNullable<LeaseGrant['credits']> {
  let remaining: number;
  let refilledAt: number;
  if (!row || row.source !== terms.source) {
    remaining = terms.settings.remaining;
    refilledAt = now;
  } else {
    remaining = Number(row.remaining);
    refilledAt = Number(row.refilled_at);
  }
  const refill = terms.settings.refill;
  if (refill && now - refilledAt >= refill.intervalSeconds * 1000) {
    const periods = Math.floor((now - refilledAt) / (refill.intervalSeconds * 1000));
    remaining = refill.amount;
    refilledAt += periods * refill.intervalSeconds * 1000;
  }
  const granted = share(remaining, terms.wanted, terms.needed);
  return { granted, remaining: remaining - granted, source: terms.source, refilledAt };
}

/**
 * Gives unused units back. Requests go back to the bucket they were reserved in; credits only to the same
 * balance (same settings, no refill since), since a refill or a new setting replaced what they came from.
 */
export async function returnLease(db: Queryable, lease: LeaseReturn): Promise<void> {
  if (lease.requests > 0) {
    for (const bucket of [lease.bucketStart, TOTAL_BUCKET]) {
      await db('key_usage')
        .where({ key_id: lease.keyId, bucket_start: bucket })
        .where('requests', '>=', lease.requests)
        .decrement('requests', lease.requests);
    }
  }
  if (lease.credits && lease.credits.amount > 0) {
    await db('key_credits')
      .where({ key_id: lease.keyId, source: lease.credits.source, refilled_at: lease.credits.refilledAt })
      .increment('remaining', lease.credits.amount);
  }
}

/** Drops hour buckets no window covers any more (the all-time row stays). */
export async function purgeOldBuckets(db: Queryable, now: number): Promise<number> {
  return db('key_usage').where('bucket_start', '>', TOTAL_BUCKET).where('bucket_start', '<', windowStartBucket('monthly', now)).delete();
}
