import { expect } from 'chai';
import fc from 'fast-check';
import { LOGS_PER_BLOCK, decodeBlock, encodeBlock } from '../../src/repositories/logBlockCodec';
import { RequestLogBatch, type RequestLogEntry } from '../../src/repositories/requestLogBatch';

const entry = (over: Partial<RequestLogEntry>): RequestLogEntry => ({
  workspaceId: 'ws_1',
  keyId: 'key_1',
  endpoint: '/v1/things',
  code: 'VALID',
  durationMicros: 40,
  clientIp: '10.0.0.1',
  creditsSpent: 1,
  createdAt: 1_790_000_000_000,
  ...over,
});

const all = (batch: RequestLogBatch): number[] => Array.from({ length: batch.length }, (_, i) => i);

describe('request-log blocks: the bytes', () => {
  it('gives back every field of every log, in order: nulls, text of any kind, times out of order, large numbers', () => {
    const entries = [
      entry({}),
      entry({ endpoint: null, clientIp: null, code: 'RATE_LIMITED', creditsSpent: 0, durationMicros: 0 }),
      entry({ endpoint: 'é 🔑 中 \u0000 "q"', clientIp: '2001:db8::1', createdAt: 1_790_000_000_000 - 86_400_000 }),
      entry({ createdAt: 2 ** 50, durationMicros: 2 ** 40, creditsSpent: 2 ** 45 }),
      entry({ createdAt: 0, creditsSpent: -3 }),
      entry({ endpoint: '/v1/things' }),
    ];
    const batch = RequestLogBatch.of(entries);
    const logs = decodeBlock(encodeBlock(batch, all(batch)));
    expect(logs).to.deep.equal(
      entries.map(({ endpoint, clientIp, code, durationMicros, creditsSpent, createdAt }, index) => ({ index, createdAt, code, endpoint, clientIp, durationMicros, creditsSpent })),
    );
  });

  it('gives back any logs as they were written', () => {
    const log = fc.record({
      endpoint: fc.option(fc.string(), { nil: null }),
      clientIp: fc.option(fc.constantFrom('10.0.0.1', '2001:db8::1', '::ffff:10.0.0.9'), { nil: null }),
      code: fc.constantFrom('VALID', 'INVALID', 'RATE_LIMITED', 'QUOTA_EXCEEDED'),
      durationMicros: fc.nat(),
      creditsSpent: fc.nat({ max: 1_000_000 }),
      createdAt: fc.integer({ min: 1_700_000_000_000, max: 4_000_000_000_000 }),
    });
    fc.assert(
      fc.property(fc.array(log, { minLength: 1, maxLength: 300 }), (logs) => {
        const batch = RequestLogBatch.of(logs.map(entry));
        expect(decodeBlock(encodeBlock(batch, all(batch)))).to.deep.equal(logs.map((l, index) => ({ index, ...l })));
      }),
    );
  });

  it('encodes only the rows asked for, and a hot key\'s 2,000 logs of a second in under 8 bytes each', () => {
    const batch = RequestLogBatch.of(Array.from({ length: 2_000 }, (_, i) => entry({ createdAt: 1_790_000_000_000 + Math.floor(i / 2), durationMicros: 20 + (i % 50) })));
    const odd = all(batch).filter((i) => i % 2 === 1);
    expect(decodeBlock(encodeBlock(batch, odd)).map((log) => log.durationMicros)).to.deep.equal(odd.map((i) => 20 + (i % 50)));
    const bytes = encodeBlock(batch, all(batch));
    expect(bytes.length / 2_000).to.be.below(8);
  });

  it(`refuses a block of more than ${LOGS_PER_BLOCK} logs, and bytes that are not a whole block of this version`, () => {
    const batch = RequestLogBatch.of(Array.from({ length: LOGS_PER_BLOCK + 1 }, () => entry({})));
    expect(() => encodeBlock(batch, all(batch))).to.throw(RangeError, `at most ${LOGS_PER_BLOCK}`);
    const bytes = encodeBlock(batch, [0, 1, 2]);
    expect(() => decodeBlock(bytes.subarray(0, bytes.length - 1))).to.throw('ends early');
    expect(() => decodeBlock(Buffer.concat([bytes, Buffer.from([0])]))).to.throw('bytes after its last log');
    expect(() => decodeBlock(Buffer.concat([Buffer.from([2]), bytes.subarray(1)]))).to.throw('version 2');
  });
});
