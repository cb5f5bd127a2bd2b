import type { Knex } from 'knex';
import { RequestLogBatch, type RequestLogEntry } from '../../src/repositories/requestLogBatch';
import { blocksOf, insertBlocks, logId, logsOf, type DbLogBlockRow } from '../../src/repositories/requestLogBlocks';

/** A request log as a test writes it: a key's log unless `keyId` is null; the rest has defaults. */
export type LogSeed = Pick<RequestLogEntry, 'workspaceId' | 'keyId' | 'code' | 'createdAt'> & Partial<RequestLogEntry>;

/** Writes `logs` as one flush would: a block per key (or per workspace, for logs of no key). */
export async function writeLogs(knex: Knex, logs: readonly LogSeed[]): Promise<void> {
  const entries = logs.map((log) => ({ endpoint: null, durationMicros: 1, clientIp: null, creditsSpent: 0, ...log }));
  await insertBlocks(knex, blocksOf(RequestLogBatch.of(entries)));
}

export interface StoredLog extends RequestLogEntry {
  id: number;
}

/** Every stored log, opened from its block, in time order (then by id); of one key when given. */
export async function readLogs(knex: Knex, where: { keyId?: string | null } = {}): Promise<StoredLog[]> {
  const q = knex<DbLogBlockRow>('request_log_blocks').orderBy('id');
  if (where.keyId !== undefined) q.where('key_id', where.keyId);
  const blocks = (await q) as DbLogBlockRow[];
  const logs = blocks.flatMap((block) =>
    logsOf(block).map((log) => ({
      id: logId(Number(block.id), log.index),
      workspaceId: block.workspace_id,
      keyId: block.key_id,
      endpoint: log.endpoint,
      code: log.code,
      durationMicros: log.durationMicros,
      clientIp: log.clientIp,
      creditsSpent: log.creditsSpent,
      createdAt: log.createdAt,
    })),
  );
  return logs.sort((a, b) => a.createdAt - b.createdAt || a.id - b.id);
}
