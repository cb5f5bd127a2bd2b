import { expect } from 'chai';
import fc from 'fast-check';
import { RequestLogBatch, type RequestLogEntry } from '../../src/repositories/requestLogBatch';

const entry: fc.Arbitrary<RequestLogEntry> = fc.record({
  workspaceId: fc.constantFrom('ws_a', 'ws_b'),
  keyId: fc.option(fc.constantFrom('key_1', 'key_2'), { nil: null }),
  endpoint: fc.option(fc.string(), { nil: null }),
  code: fc.constantFrom('VALID', 'INVALID', 'RATE_LIMITED'),
  durationMicros: fc.nat(),
  clientIp: fc.option(fc.constantFrom('10.0.0.1', '2001:db8::1'), { nil: null }),
  creditsSpent: fc.nat({ max: 1_000_000 }),
  createdAt: fc.integer({ min: 1_700_000_000_000, max: 4_000_000_000_000 }),
});

const all = (batch: RequestLogBatch): RequestLogEntry[] => Array.from({ length: batch.length }, (_, i) => batch.at(i));

describe('RequestLogBatch: request logs waiting to be written, a column per field', () => {
  it('gives back every log as it was pushed, in order, past its first capacity', () => {
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 300 }), fc.integer({ min: 1, max: 64 }), (entries, capacity) => {
        const batch = new RequestLogBatch(capacity);
        for (const e of entries) batch.push(e);
        expect(batch.length).to.equal(entries.length);
        expect(all(batch)).to.deep.equal(entries);
        expect(all(RequestLogBatch.of(entries))).to.deep.equal(entries);
      }),
    );
  });

  it('puts a failed flush\'s logs back before the newer ones, and drops the oldest beyond a bound', () => {
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 50 }), fc.array(entry, { maxLength: 50 }), fc.nat({ max: 120 }), (older, newer, drop) => {
        const both = RequestLogBatch.of(older).concat(RequestLogBatch.of(newer));
        expect(all(both)).to.deep.equal([...older, ...newer]);
        both.dropOldest(drop);
        expect(all(both)).to.deep.equal([...older, ...newer].slice(drop));
        both.push(older[0] ?? newer[0] ?? { workspaceId: 'ws_a', keyId: null, endpoint: null, code: 'INVALID', durationMicros: 1, clientIp: null, creditsSpent: 0, createdAt: 1 });
        expect(both.length).to.equal(Math.max(0, older.length + newer.length - drop) + 1);
      }),
    );
  });
});
