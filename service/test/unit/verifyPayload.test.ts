import { expect } from 'chai';
import fc from 'fast-check';
import { VALIDATION_OPTIONS } from '../../src/http/errors';
import { plainVerifyPayload, VerifyPayload } from '../../src/http/routes/verify';
import { MAX_SECRET_LENGTH } from '../../src/domain/secrets';

const Payload = VerifyPayload.prefs(VALIDATION_OPTIONS);

/** Text of a field limited to `max` characters: mostly valid, and every way of not being. */
const text = (max: number): fc.Arbitrary<unknown> =>
  fc.oneof(
    { arbitrary: fc.string({ minLength: 1, maxLength: 8 }), weight: 4 },
    { arbitrary: fc.constantFrom('x'.repeat(max), 'x'.repeat(max + 1), '', ' ', 'a b', 'é', '12'), weight: 4 },
    { arbitrary: fc.constantFrom(1, null, true, ['a'], {}), weight: 1 },
  );
const key = fc.oneof(text(MAX_SECRET_LENGTH * 2), fc.constant('acme_live_0123456789abcdefghijABCDEFGHIJ01xyz123'));
const cost = fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom(-0, 0.5, 1e6, 1e6 + 1, 2 ** 53, '3', null), fc.double({ noNaN: true, noDefaultInfinity: true }));
const scopes = fc.oneof(
  fc.array(text(128), { maxLength: 3 }),
  fc.constantFrom(Array.from({ length: 64 }, () => 'a'), Array.from({ length: 65 }, () => 'a'), [], 'a', null),
);
const payload = fc.oneof(
  { arbitrary: fc.record({ key, endpoint: text(255), resource: text(512), cost, scopes }, { requiredKeys: [] }), weight: 8 },
  { arbitrary: fc.record({ key, ip: fc.constantFrom('10.0.0.1', '::1', 'nope'), other: fc.constant(1) }, { requiredKeys: [] }), weight: 1 },
  { arbitrary: fc.constantFrom(null, 'key', 1, [], [{ key: 'a' }], {}), weight: 1 },
);

describe('verify body: the plain path agrees with the Joi schema', () => {
  it('takes only bodies Joi accepts unchanged, and takes the common ones', () => {
    let taken = 0;
    fc.assert(
      fc.property(payload, (body) => {
        const plain = plainVerifyPayload(body);
        if (plain === undefined) return;
        taken++;
        const { value: joiValue, error } = Payload.validate(body);
        expect(error?.message, JSON.stringify(body)).to.equal(undefined);
        expect(plain, JSON.stringify(body)).to.deep.equal(joiValue);
      }),
      { numRuns: 3000 },
    );
    // Otherwise the property above says nothing.
    expect(taken).to.be.greaterThan(100);
  });

  it('takes what services send on every call, and leaves an ip, unknown fields and converted values to Joi', () => {
    const key = 'acme_live_0123456789abcdefghijABCDEFGHIJ01xyz123';
    expect(plainVerifyPayload({ key })).to.deep.equal({ key });
    expect(plainVerifyPayload({ key, endpoint: '/orders', cost: 3, scopes: ['orders:read'], resource: 'orders/1' })).to.not.equal(undefined);
    expect(plainVerifyPayload({ key, ip: '10.0.0.1' })).to.equal(undefined);
    expect(plainVerifyPayload({ key, extra: 1 })).to.equal(undefined);
    expect(plainVerifyPayload({ key, cost: '3' })).to.equal(undefined);
    expect(plainVerifyPayload({ key, cost: -0 })).to.equal(undefined);
    expect(plainVerifyPayload({ endpoint: '/orders' })).to.equal(undefined);
  });
});
