import type { Queryable } from '../db/database';
import { LOGS_PER_BLOCK, decodeBlock, encodeBlock, type BlockLog } from './logBlockCodec';
import type { RequestLogBatch } from './requestLogBatch';

/**
 * Request logs are stored a block per key and flush, not a row per verification: on MariaDB a row cost
 * 6.7–9.9 µs of the database's CPU per log, with its two indexes; a block of 2,000 logs costs 0.20–0.25 µs
 * per log. A block's row carries what reads need without opening it: the key, the span of its logs'
 * times, how many of them were admitted, and their count per code.
 */
export interface DbLogBlockRow {
  id: number;
  workspace_id: string;
  /** Null for a block of verifications that matched no key. */
  key_id: string | null;
  first_at: number;
  last_at: number;
  count: number;
  /** Logs of code VALID. */
  admitted: number;
  /** JSON: count per code, as `{"VALID":1990,"RATE_LIMITED":10}`. */
  codes: string;
  logs: Buffer;
}

export type NewLogBlock = Omit<DbLogBlockRow, 'id'>;

/** A log's id is its block's id × LOGS_PER_BLOCK + its place in the block: unique, and below 2^53. */
export const logId = (blockId: number, index: number): number => blockId * LOGS_PER_BLOCK + index;

export function splitLogId(id: number): { blockId: number; index: number } {
  return { blockId: Math.floor(id / LOGS_PER_BLOCK), index: id % LOGS_PER_BLOCK };
}

/**
 * The blocks of a batch: its logs grouped by key (logs that matched no key, by workspace), in the order
 * they came, LOGS_PER_BLOCK at most per block.
 */
export function blocksOf(logs: RequestLogBatch): NewLogBlock[] {
  const byKey = new Map<string, number[]>();
  const byWorkspace = new Map<string, number[]>();
  for (let i = 0; i < logs.length; i++) {
    const keyId = logs.keyIds[i];
    const groups = keyId ? byKey : byWorkspace;
    const group = keyId || logs.workspaceIds[i]!;
    let rows = groups.get(group);
    if (rows === undefined) groups.set(group, (rows = []));
    rows.push(i);
  }
  const blocks: NewLogBlock[] = [];
  for (const rows of [...byKey.values(), ...byWorkspace.values()]) {
    for (let start = 0; start < rows.length; start += LOGS_PER_BLOCK) blocks.push(blockOf(logs, rows.slice(start, start + LOGS_PER_BLOCK)));
  }
  return blocks;
}

function blockOf(logs: RequestLogBatch, rows: number[]): NewLogBlock {
  const first = rows[0]!;
  let firstAt = Infinity;
  let lastAt = -Infinity;
  const codes: Record<string, number> = {};
  for (const i of rows) {
    const at = Math.round(logs.createdAt(i));
    if (at < firstAt) firstAt = at;
    if (at > lastAt) lastAt = at;
    const code = logs.codes[i]!;
    codes[code] = (codes[code] ?? 0) + 1;
  }
  return {
    workspace_id: logs.workspaceIds[first]!,
    key_id: logs.keyIds[first] ?? null,
    first_at: firstAt,
    last_at: lastAt,
    count: rows.length,
    admitted: codes.VALID ?? 0,
    codes: JSON.stringify(codes),
    logs: encodeBlock(logs, rows),
  };
}

/**
 * Rows per INSERT of blocks, and the most bytes of logs per INSERT: far below MySQL's smallest
 * max_allowed_packet (4 MB) however large the blocks of a flush are.
 */
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

/** Code counts of a block, from its `codes` column. */
export function codeCounts(row: Pick<DbLogBlockRow, 'codes'>): Record<string, number> {
  return JSON.parse(row.codes) as Record<string, number>;
}
