import { BURST_VERIFY_TIMEOUT_MS } from '../helpers/processes';
import { expect } from 'chai';
import { forEachDialect } from '../helpers/databases';
import { Harness } from '../helpers/harness';

type Body = Record<string, any>;

forEachDialect('Verification under concurrency and brute force', (dialect) => {
  let h: Harness;
  beforeEach(async () => {
    h = await Harness.start(dialect, { verification: { verifyTimeoutMs: BURST_VERIFY_TIMEOUT_MS } });
  });
  afterEach(async () => {
    await h.stop();
  });

  const verify = async (payload: Body): Promise<Body> => {
    const res = await h.inject('POST', '/v1/verify', { payload });
    expect(res.statusCode, res.payload).to.equal(200);
    return JSON.parse(res.payload) as Body;
  };

  /** Fires `n` verifications at once; returns how many answered each code. */
  const burst = async (n: number, payload: Body): Promise<Record<string, number>> => {
    const answers = await Promise.all(Array.from({ length: n }, () => verify(payload)));
    const tally: Record<string, number> = {};
    for (const a of answers) tally[a.code] = (tally[a.code] ?? 0) + 1;
    return tally;
  };

  describe('1,000 concurrent verifications admit exactly the limit', () => {
    it('daily quota 100', async () => {
      const { key, secret } = await h.createKey({ quota: { daily: 100 }, rateLimit: { limit: 1_000_000, windowSeconds: 60 } });
      expect(await burst(1000, { key: secret })).to.deep.equal({ VALID: 100, QUOTA_EXCEEDED: 900 });
      await h.app.flush();
      const stored = JSON.parse((await h.inject('GET', `/v1/keys/${key.id}`)).payload);
      expect(stored.usageCount).to.equal(100);
    });

    it('credits 100 (cost 1), and with cost 3 exactly 33', async () => {
      const a = await h.createKey({ credits: { remaining: 100 }, rateLimit: { limit: 1_000_000, windowSeconds: 60 } });
      expect(await burst(1000, { key: a.secret })).to.deep.equal({ VALID: 100, QUOTA_EXCEEDED: 900 });
      const b = await h.createKey({ credits: { remaining: 100 }, rateLimit: { limit: 1_000_000, windowSeconds: 60 } });
      expect(await burst(1000, { key: b.secret, cost: 3 })).to.deep.equal({ VALID: 33, QUOTA_EXCEEDED: 967 });
    });

    it('rate limit 100 per window', async () => {
      const { secret } = await h.createKey({ rateLimit: { limit: 100, windowSeconds: 3600 } });
      expect(await burst(1000, { key: secret })).to.deep.equal({ VALID: 100, RATE_LIMITED: 900 });
    });

    it('quota and credits together, all-or-nothing: the tighter one decides and the other keeps the rest', async () => {
      const { key, secret } = await h.createKey({ quota: { daily: 100 }, credits: { remaining: 60 }, rateLimit: { limit: 1_000_000, windowSeconds: 60 } });
      expect(await burst(1000, { key: secret })).to.deep.equal({ VALID: 60, QUOTA_EXCEEDED: 940 });
      // Raising the credits shows the quota was charged only for the 60 admitted requests.
      await h.inject('PATCH', `/v1/keys/${key.id}`, { payload: { credits: { remaining: 1000 } } });
      expect(await burst(200, { key: secret })).to.deep.equal({ VALID: 40, QUOTA_EXCEEDED: 160 });
    });
  });

  describe('failed-attempt blocking (injected clock)', () => {
    const garbage = (i: number): string => `acme_live_${String(i).padStart(38, 'x')}`;

    it('20 invalid keys from one IP within 5 minutes block it for 15 minutes, also for valid keys; other IPs are unaffected', async () => {
      const { secret } = await h.createKey();
      for (let i = 0; i < 19; i++) {
        expect((await verify({ key: garbage(i), ip: '203.0.113.7' })).code).to.equal('INVALID');
        h.clock.advance(10_000);
      }
      expect((await verify({ key: secret, ip: '203.0.113.7' })).code, 'not blocked after 19').to.equal('VALID');
      expect((await verify({ key: garbage(19), ip: '203.0.113.7' })).code).to.equal('INVALID');
      expect((await verify({ key: secret, ip: '203.0.113.7' })).code).to.equal('IP_BLOCKED');
      expect((await verify({ key: secret, ip: '198.51.100.1' })).code).to.equal('VALID');
      expect((await verify({ key: secret })).code, 'no ip given: nothing to block').to.equal('VALID');
      h.clock.advance(15 * 60_000 - 1);
      expect((await verify({ key: secret, ip: '203.0.113.7' })).code).to.equal('IP_BLOCKED');
      h.clock.advance(1);
      expect((await verify({ key: secret, ip: '203.0.113.7' })).code).to.equal('VALID');
    });

    it('does not block when the failures are spread wider than the window', async () => {
      const { secret } = await h.createKey();
      for (let i = 0; i < 40; i++) {
        await verify({ key: garbage(i), ip: '203.0.113.8' });
        h.clock.advance(16_000);
      }
      expect((await verify({ key: secret, ip: '203.0.113.8' })).code).to.equal('VALID');
    });

    it('follows the workspace policy (PATCH /v1/workspace failedAuthPolicy), and blocks per workspace', async () => {
      const res = await h.inject('PATCH', '/v1/workspace', { payload: { failedAuthPolicy: { maxFailures: 3, windowSeconds: 60, blockSeconds: 120 } } });
      expect(res.statusCode, res.payload).to.equal(200);
      const { secret } = await h.createKey();
      for (let i = 0; i < 3; i++) await verify({ key: garbage(i), ip: '203.0.113.9' });
      expect((await verify({ key: secret, ip: '203.0.113.9' })).code).to.equal('IP_BLOCKED');
      const theirs = await h.createKey({}, 'globex');
      const other = await h.inject('POST', '/v1/verify', { payload: { key: theirs.secret, ip: '203.0.113.9' }, as: 'globex' });
      expect(JSON.parse(other.payload).code, 'another workspace does not inherit the block').to.equal('VALID');
      h.clock.advance(120_000);
      expect((await verify({ key: secret, ip: '203.0.113.9' })).code).to.equal('VALID');
    });

    it('an IP_BLOCKED answer consumes nothing', async () => {
      await h.inject('PATCH', '/v1/workspace', { payload: { failedAuthPolicy: { maxFailures: 1, windowSeconds: 60, blockSeconds: 60 } } });
      const { secret } = await h.createKey({ quota: { daily: 1 } });
      await verify({ key: garbage(0), ip: '203.0.113.10' });
      expect((await verify({ key: secret, ip: '203.0.113.10' })).code).to.equal('IP_BLOCKED');
      expect((await verify({ key: secret, ip: '203.0.113.11' })).code).to.equal('VALID');
    });
  });
});
