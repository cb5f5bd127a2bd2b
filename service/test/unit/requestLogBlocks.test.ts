import { expect } from 'chai';
import { LOGS_PER_BLOCK, decodeBlock } from '../../src/repositories/logBlockCodec';
import { RequestLogBatch, type RequestLogEntry } from '../../src/repositories/requestLogBatch';
import { MAX_BLOCK_SPAN_MS, blocksOf } from '../../src/repositories/requestLogBlocks';

const T = 1_790_000_000_000;
const entry = (over: Partial<RequestLogEntry>): RequestLogEntry => ({
  workspaceId: 'ws_1',
  keyId: 'key_1',
  endpoint: null,
  code: 'VALID',
  durationMicros: 10,
  clientIp: null,
  creditsSpent: 0,
  createdAt: T,
  ...over,
});

describe('request-log blocks: how a flush is cut', () => {
  it('makes a block per key (or, with no key, per workspace), in time order and, within a millisecond, in the order verified', () => {
    const batch = RequestLogBatch.of([
      entry({ code: 'VALID', createdAt: T + 5, endpoint: '/late' }),
      entry({ code: 'RATE_LIMITED', createdAt: T + 1 }),
      entry({ code: 'VALID', createdAt: T + 1, endpoint: '/early' }),
      entry({ keyId: 'key_2', createdAt: T + 2 }),
      entry({ keyId: null, code: 'INVALID', createdAt: T + 3 }),
      entry({ keyId: null, workspaceId: 'ws_2', code: 'INVALID', createdAt: T + 4 }),
      entry({ code: 'VALID', createdAt: T + 5, endpoint: '/last' }),
    ]);
    const blocks = blocksOf(batch);
    expect(blocks.map(({ workspace_id, key_id, count, admitted, codes, first_at, last_at }) => [workspace_id, key_id, count, admitted, JSON.parse(codes), first_at - T, last_at - T])).to.deep.equal([
      ['ws_1', 'key_1', 4, 3, { VALID: 3, RATE_LIMITED: 1 }, 1, 5],
      ['ws_1', 'key_2', 1, 1, { VALID: 1 }, 2, 2],
      ['ws_1', null, 1, 0, { INVALID: 1 }, 3, 3],
      ['ws_2', null, 1, 0, { INVALID: 1 }, 4, 4],
    ]);
    expect(decodeBlock(blocks[0]!.logs).map((log) => [log.code, log.endpoint]), 'by time; one millisecond in the order verified').to.deep.equal([
      ['RATE_LIMITED', null],
      ['VALID', '/early'],
      ['VALID', '/late'],
      ['VALID', '/last'],
    ]);
  });

  it(`cuts a key's logs at ${LOGS_PER_BLOCK} a block and at ${MAX_BLOCK_SPAN_MS / 1000} s of time a block, keeping every log`, () => {
    const many = blocksOf(RequestLogBatch.of(Array.from({ length: 2 * LOGS_PER_BLOCK + 1 }, (_, i) => entry({ createdAt: T + (i % 7) }))));
    expect(many.map((b) => b.count)).to.deep.equal([LOGS_PER_BLOCK, LOGS_PER_BLOCK, 1]);
    // A flush retried after an outage: three and a half minutes of logs, one a second.
    const long = blocksOf(RequestLogBatch.of(Array.from({ length: 210 }, (_, i) => entry({ createdAt: T + 1000 * i }))));
    expect(long.every((b) => b.last_at - b.first_at <= MAX_BLOCK_SPAN_MS)).to.equal(true);
    expect(long.map((b) => b.count)).to.deep.equal([61, 61, 61, 27]);
    expect(long.flatMap((b) => decodeBlock(b.logs).map((log) => log.createdAt))).to.deep.equal(Array.from({ length: 210 }, (_, i) => T + 1000 * i));
  });

  it('splits a block whose bytes would be too many for one statement: thousands of distinct long endpoints', () => {
    const endpoints = Array.from({ length: 3_000 }, (_, i) => `/${'é'.repeat(120)}/${i}`);
    const blocks = blocksOf(RequestLogBatch.of(endpoints.map((endpoint) => entry({ endpoint }))));
    expect(blocks.length).to.be.greaterThan(1);
    expect(blocks.every((b) => b.logs.length <= 512 * 1024)).to.equal(true);
    expect(blocks.flatMap((b) => decodeBlock(b.logs).map((log) => log.endpoint))).to.deep.equal(endpoints);
  });

  it('writes a log whose numbers are out of range rather than failing the flush that holds it', () => {
    const [block] = blocksOf(RequestLogBatch.of([entry({ durationMicros: Number.NaN, creditsSpent: 2 ** 60 })]));
    expect(decodeBlock(block!.logs).map(({ durationMicros, creditsSpent }) => [durationMicros, creditsSpent])).to.deep.equal([[0, 2 ** 50]]);
  });
});
