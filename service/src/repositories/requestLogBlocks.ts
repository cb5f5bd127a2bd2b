import type { Queryable } from '../db/database';
import { LOGS_PER_BLOCK, decodeBlock, encodeBlock, type BlockLog } from './logBlockCodec';
import type { RequestLogBatch } from './requestLogBatch';

/**
 * Request logs are stored in blocks, not a row per verification: on MariaDB a row cost 6.7–9.9 µs of the
 * database's CPU per log, with its two indexes; a block of 2,000 logs costs 0.20–0.25 µs per log. A block
 * holds the logs of one key (or, for verifications that matched no key, one workspace) from one flush, in
 * time order and, within a millisecond, in the order they were verified. Its row carries what reads need
 * without opening it: the key, how many logs, how many admitted, their count per code, and the span of
 * their times, which is never longer than MAX_BLOCK_SPAN_MS.
 */
export interface DbLogBlockRow {
  id: number;
  workspace_id: string;
  /** Null for a block of verifications that matched no key. */
  key_id: string | null;
  count: number;
  /** Logs of code VALID. */
  admitted: number;
  /** JSON: count per code, as `{"VALID":1990,"RATE_LIMITED":10}`. */
  codes: string;
  first_at: number;
  last_at: number;
  logs: Buffer;
}

export type NewLogBlock = Omit<DbLogBlockRow, 'id'>;

/**
 * The longest span of time one block covers. A flush spans about a second, but one retried after an
 * outage holds minutes: cut into blocks of at most a minute, a block that ends at `t` began after
 * `t − MAX_BLOCK_SPAN_MS`, which bounds the blocks a page of a list has to look at.
 */
export const MAX_BLOCK_SPAN_MS = 60_000;

/**
 * The most bytes of logs in one block. Blocks this large only come of thousands of distinct long
 * endpoints; MySQL receives a block as hex, twice its size, inside a statement that must stay below
 * max_allowed_packet (4 MB at its smallest).
 */
const MAX_BLOCK_BYTES = 512 * 1024;

/** A log's id is its block's id × LOGS_PER_BLOCK + its place in the block: unique, and below 2^53. */
export const logId = (blockId: number, index: number): number => blockId * LOGS_PER_BLOCK + index;

/**
 * The blocks of a batch: its logs grouped by key (logs that matched no key, by workspace), in time order,
 * cut at LOGS_PER_BLOCK logs, MAX_BLOCK_SPAN_MS of time or MAX_BLOCK_BYTES.
 */
export function blocksOf(logs: RequestLogBatch): NewLogBlock[] {
  const byKey = new Map<string, number[]>();
  const byWorkspace = new Map<string, number[]>();
  for (let i = 0; i < logs.length; i++) {
    const keyId = logs.keyIds[i];
    const groups = keyId ? byKey : byWorkspace;
    const owner = keyId || logs.workspaceIds[i]!;
    let rows = groups.get(owner);
    if (rows === undefined) groups.set(owner, (rows = []));
    rows.push(i);
  }
  const blocks: NewLogBlock[] = [];
  for (const rows of [...byKey.values(), ...byWorkspace.values()]) {
    // Stable: logs of one millisecond keep the order they were verified in.
    rows.sort((a, b) => logs.createdAt(a) - logs.createdAt(b));
    let start = 0;
    for (let end = 1; end <= rows.length; end++) {
      if (end === rows.length || end - start === LOGS_PER_BLOCK || logs.createdAt(rows[end]!) - logs.createdAt(rows[start]!) > MAX_BLOCK_SPAN_MS) {
        blocks.push(...blockOf(logs, rows.slice(start, end)));
        start = end;
      }
    }
  }
  return blocks;
}

/** One block of `rows` (in time order), or two or more when its bytes would be too many. */
function blockOf(logs: RequestLogBatch, rows: number[]): NewLogBlock[] {
  const bytes = encodeBlock(logs, rows);
  if (bytes.length > MAX_BLOCK_BYTES && rows.length > 1) {
    const half = Math.ceil(rows.length / 2);
    return [...blockOf(logs, rows.slice(0, half)), ...blockOf(logs, rows.slice(half))];
  }
  const first = rows[0]!;
  const codes: Record<string, number> = {};
  for (const i of rows) codes[logs.codes[i]!] = (codes[logs.codes[i]!] ?? 0) + 1;
  return [
    {
      workspace_id: logs.workspaceIds[first]!,
      key_id: logs.keyIds[first] ?? null,
      count: rows.length,
      admitted: codes.VALID ?? 0,
      codes: JSON.stringify(codes),
      first_at: Math.round(logs.createdAt(first)),
      last_at: Math.round(logs.createdAt(rows[rows.length - 1]!)),
      logs: bytes,
    },
  ];
}

/** Rows per INSERT of blocks, and the most bytes of logs per INSERT (sent as hex: twice as many). */
const BLOCKS_PER_INSERT = 200;
const BYTES_PER_INSERT = 1 << 20;

export async function insertBlocks(db: Queryable, blocks: readonly NewLogBlock[]): Promise<void> {
  let batch: NewLogBlock[] = [];
  let bytes = 0;
  for (const block of blocks) {
    if (batch.length > 0 && (batch.length === BLOCKS_PER_INSERT || bytes + block.logs.length > BYTES_PER_INSERT)) {
      await db('request_log_blocks').insert(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(block);
    bytes += block.logs.length;
  }
  if (batch.length > 0) await db('request_log_blocks').insert(batch);
}

/** A block's logs, as stored. */
export function logsOf(row: Pick<DbLogBlockRow, 'logs'>): BlockLog[] {
  return decodeBlock(row.logs);
}

/** A block's count per code, from its `codes` column. */
export function codeCounts(row: Pick<DbLogBlockRow, 'codes'>): Record<string, number> {
  return JSON.parse(row.codes) as Record<string, number>;
}
