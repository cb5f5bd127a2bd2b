import { expect } from 'chai';
import fc from 'fast-check';
import { fingerprint, generateSecret, maskSecret, parseSecret, RANDOM_LENGTH, sameFingerprint } from '../../src/domain/secrets';
import { PepperRing } from '../../src/domain/pepper';
import { sealSecret, unsealSecret } from '../../src/domain/sealing';

describe('secrets', () => {
  it('have the shape prefix_env_random+checksum with at least 128 bits of base62 entropy', () => {
    const secret = generateSecret('acme', 'live');
    expect(secret).to.match(/^acme_live_[0-9A-Za-z]{38}$/);
    expect(RANDOM_LENGTH * Math.log2(62)).to.be.greaterThan(128);
    expect(parseSecret(secret)).to.deep.equal({ prefix: 'acme', env: 'live' });
  });

  it('are all different', () => {
    const seen = new Set(Array.from({ length: 2000 }, () => generateSecret('acme', 'dev')));
    expect(seen.size).to.equal(2000);
  });

  it('reject any single-character typo through the checksum', () => {
    const secret = generateSecret('acme', 'prev');
    const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
    fc.assert(
      fc.property(fc.integer({ min: 10, max: secret.length - 1 }), fc.integer({ min: 0, max: 61 }), (position, letter) => {
        const replacement = alphabet[letter]!;
        fc.pre(secret[position] !== replacement);
        const typo = secret.slice(0, position) + replacement + secret.slice(position + 1);
        expect(parseSecret(typo)).to.equal(null);
      }),
      { numRuns: 500 },
    );
  });

  it('reject random strings, wrong envs and over-long input before any lookup', () => {
    fc.assert(fc.property(fc.string({ maxLength: 120 }), (text) => {
        expect(parseSecret(text)).to.equal(null);
      }));
    expect(parseSecret(generateSecret('acme', 'live').replace('_live_', '_test_'))).to.equal(null);
    expect(parseSecret('a'.repeat(10_000))).to.equal(null);
  });

  it('are masked for lists as prefix_env_4…last4', () => {
    const secret = generateSecret('acme', 'live');
    expect(maskSecret(secret)).to.equal(`acme_live_${secret.slice(10, 14)}…${secret.slice(-4)}`);
  });
});

describe('pepper ring', () => {
  const v1 = PepperRing.generateText(1);
  const v2 = PepperRing.generateText(2);

  it('hashes under the newest pepper and still finds hashes made under older ones', () => {
    const old = PepperRing.parse(v1).digest('s');
    const ring = PepperRing.parse(`${v2},${v1}`);
    expect(ring.digest('s').pepperVersion).to.equal(2);
    expect(ring.candidateHashes('s')).to.include(old.hash);
  });

  it('refuses short or malformed peppers with a message naming the entry', () => {
    expect(() => PepperRing.parse('v1:c2hvcnQ=')).to.throw(/entry 1/);
    expect(() => PepperRing.parse(`${v1},${v1}`)).to.throw(/same version twice/);
  });

  it('seals an idempotent replay so only the same Idempotency-Key opens it', () => {
    const ring = PepperRing.parse(v1);
    const sealed = sealSecret(ring, 'idem-1', 'acme_live_secret');
    expect(sealed).not.to.include('acme_live_secret');
    expect(unsealSecret(ring, 'idem-1', sealed)).to.equal('acme_live_secret');
    expect(unsealSecret(ring, 'idem-2', sealed)).to.equal(null);
    expect(unsealSecret(PepperRing.parse(v2), 'idem-1', sealed)).to.equal(null);
  });

  it('fingerprints compare equal only when every character is', () => {
    const name = fingerprint(generateSecret('acme', 'live'));
    expect(name).to.have.length(44);
    expect(sameFingerprint(name, `${name}`)).to.equal(true);
    for (const i of [0, 21, 42]) {
      const other = name.slice(0, i) + (name[i] === 'A' ? 'B' : 'A') + name.slice(i + 1);
      expect(sameFingerprint(name, other), `differs at ${i}`).to.equal(false);
    }
    expect(sameFingerprint(name, name.slice(0, 43))).to.equal(false);
    expect(sameFingerprint(name, fingerprint(generateSecret('acme', 'live')))).to.equal(false);
  });
});
