import { expect } from 'chai';
import { generateSecret } from '../../src/domain/secrets';
import { forEachDialect } from '../helpers/databases';
import { Harness } from '../helpers/harness';

type Body = Record<string, any>;

forEachDialect('POST /v1/verify', (dialect) => {
  let h: Harness;
  beforeEach(async () => {
    h = await Harness.start(dialect);
  });
  afterEach(async () => {
    await h.stop();
  });

  const verify = async (payload: Body, as: 'acme' | 'globex' = 'acme'): Promise<Body> => {
    const res = await h.inject('POST', '/v1/verify', { payload, as });
    expect(res.statusCode, res.payload).to.equal(200);
    return JSON.parse(res.payload) as Body;
  };
  const codes = async (n: number, payload: Body): Promise<string[]> => {
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push((await verify(payload)).code);
    return out;
  };

  describe('result codes', () => {
    it('answers VALID with the key, its scopes, metadata and limits', async () => {
      const { key, secret } = await h.createKey({ scopes: ['push:send'], metadata: { plan: 'pro' }, quota: { daily: 10 }, credits: { remaining: 5 } });
      const body = await verify({ key: secret, cost: 2 });
      expect(body).to.include({ valid: true, code: 'VALID', keyId: key.id, name: key.name, environment: 'production' });
      expect(body.scopes).to.deep.equal(['push:send']);
      expect(body.metadata).to.deep.equal({ plan: 'pro' });
      expect(body.ratelimit).to.include({ limit: 60, remaining: 59 });
      expect(body.quota).to.deep.include({ window: 'daily', limit: 10, remaining: 9, resetAt: body.quota[0].resetAt });
      expect(body.credits).to.equal(3);
    });

    it('answers INVALID for garbage, a bad checksum, an unknown key, a root key and another tenant\'s key', async () => {
      const { secret } = await h.createKey();
      const { secret: theirs } = await h.createKey({}, 'globex');
      const typo = secret.slice(0, -7) + (secret.at(-7) === 'a' ? 'b' : 'a') + secret.slice(-6);
      for (const key of ['nope', typo, theirs, h.tenants.acme.rootKey]) {
        expect(await verify({ key }), key.slice(0, 12)).to.deep.equal({ valid: false, code: 'INVALID' });
      }
    });

    it('answers REVOKED, DISABLED and EXPIRED, at once on this instance', async () => {
      const a = await h.createKey({ expiresAt: new Date(h.clock.now().getTime() + 60_000).toISOString() });
      expect((await verify({ key: a.secret })).code).to.equal('VALID');
      await h.inject('POST', `/v1/keys/${a.key.id}/disable`);
      expect((await verify({ key: a.secret })).code).to.equal('DISABLED');
      await h.inject('POST', `/v1/keys/${a.key.id}/enable`);
      expect((await verify({ key: a.secret })).code).to.equal('VALID');
      h.clock.advance(61_000);
      expect((await verify({ key: a.secret })).code).to.equal('EXPIRED');
      await h.inject('POST', `/v1/keys/${a.key.id}/revoke`);
      expect((await verify({ key: a.secret })).code).to.equal('REVOKED');
    });

    it('checks IP allow-lists (IPv4 and IPv6 CIDRs, IPv4-mapped addresses) and needs an ip when there is a list', async () => {
      const { secret } = await h.createKey({ ipAllowlist: ['10.0.0.0/8', '2001:db8::/32'] });
      expect((await verify({ key: secret, ip: '10.1.2.3' })).code).to.equal('VALID');
      expect((await verify({ key: secret, ip: '::ffff:10.1.2.3' })).code).to.equal('VALID');
      expect((await verify({ key: secret, ip: '2001:db8::1' })).code).to.equal('VALID');
      expect((await verify({ key: secret, ip: '192.168.1.1' })).code).to.equal('IP_NOT_ALLOWED');
      expect((await verify({ key: secret, ip: '2001:db9::1' })).code).to.equal('IP_NOT_ALLOWED');
      expect((await verify({ key: secret })).code).to.equal('IP_NOT_ALLOWED');
    });

    it('answers FORBIDDEN for a missing scope or a resource no pattern matches', async () => {
      const { secret } = await h.createKey({ scopes: ['a:read', 'a:write'], resources: ['models/gpt-*'] });
      expect((await verify({ key: secret, scopes: ['a:read'], resource: 'models/gpt-4' })).code).to.equal('VALID');
      expect((await verify({ key: secret, scopes: ['a:admin'] })).code).to.equal('FORBIDDEN');
      expect((await verify({ key: secret, resource: 'models/llama-3' })).code).to.equal('FORBIDDEN');
    });

    it('rate-limits per key in fixed windows, and the next window admits again', async () => {
      const { secret } = await h.createKey({ rateLimit: { limit: 3, windowSeconds: 10 } });
      expect(await codes(4, { key: secret })).to.deep.equal(['VALID', 'VALID', 'VALID', 'RATE_LIMITED']);
      h.clock.advance(10_000);
      expect((await verify({ key: secret })).code).to.equal('VALID');
    });

    it('applies workspace plan limits over all keys (PLAN_RATE_LIMITED before RATE_LIMITED)', async () => {
      const res = await h.inject('PATCH', '/v1/workspace', { payload: { planLimits: { perSecond: 2 } } });
      expect(res.statusCode, res.payload).to.equal(200);
      const a = await h.createKey();
      const b = await h.createKey();
      expect([(await verify({ key: a.secret })).code, (await verify({ key: b.secret })).code, (await verify({ key: a.secret })).code]).to.deep.equal([
        'VALID',
        'VALID',
        'PLAN_RATE_LIMITED',
      ]);
      h.clock.advance(1000);
      expect((await verify({ key: b.secret })).code).to.equal('VALID');
    });

    it('answers QUOTA_EXCEEDED naming the window, and a rolling day later admits again', async () => {
      const { secret } = await h.createKey({ quota: { daily: 2, monthly: 100 } });
      const third = (await codes(3, { key: secret })).at(-1);
      expect(third).to.equal('QUOTA_EXCEEDED');
      expect(await verify({ key: secret })).to.include({ code: 'QUOTA_EXCEEDED', window: 'daily' });
      h.clock.advance(25 * 3600 * 1000);
      expect((await verify({ key: secret })).code).to.equal('VALID');
    });

    it('spends credits by cost and answers QUOTA_EXCEEDED with window credits when they run out', async () => {
      const { secret } = await h.createKey({ credits: { remaining: 5 } });
      expect((await verify({ key: secret, cost: 3 })).credits).to.equal(2);
      expect(await verify({ key: secret, cost: 3 })).to.include({ code: 'QUOTA_EXCEEDED', window: 'credits' });
      expect(await verify({ key: secret, cost: 2 })).to.include({ code: 'VALID', credits: 0 });
    });

    it('refills credits to the refill amount every interval', async () => {
      const { secret } = await h.createKey({ credits: { remaining: 1, refill: { amount: 3, intervalSeconds: 3600 } } });
      expect(await codes(2, { key: secret })).to.deep.equal(['VALID', 'QUOTA_EXCEEDED']);
      h.clock.advance(3600 * 1000);
      expect(await codes(4, { key: secret })).to.deep.equal(['VALID', 'VALID', 'VALID', 'QUOTA_EXCEEDED']);
    });

    it('a denial consumes nothing: quota-denied requests leave the rate limit, rate-denied ones the quota', async () => {
      const { secret } = await h.createKey({ rateLimit: { limit: 5, windowSeconds: 60 }, quota: { daily: 2 } });
      expect(await codes(4, { key: secret })).to.deep.equal(['VALID', 'VALID', 'QUOTA_EXCEEDED', 'QUOTA_EXCEEDED']);
      // Only the two admitted requests were counted against the rate limit.
      expect((await verify({ key: secret })).ratelimit.remaining).to.equal(3);
      const other = await h.createKey({ rateLimit: { limit: 1, windowSeconds: 60 }, quota: { daily: 2 } });
      expect(await codes(3, { key: other.secret })).to.deep.equal(['VALID', 'RATE_LIMITED', 'RATE_LIMITED']);
      h.clock.advance(60_000);
      expect(await verify({ key: other.secret })).to.deep.include({ code: 'VALID' });
      expect((await verify({ key: other.secret })).code).to.equal('RATE_LIMITED');
      h.clock.advance(60_000);
      // Two admitted in all: the rate-limited ones took nothing from the daily quota of 2.
      expect((await verify({ key: other.secret })).code).to.equal('QUOTA_EXCEEDED');
    });

    it('names RATE_LIMITED, not QUOTA_EXCEEDED, when both apply (SPEC order)', async () => {
      const { secret } = await h.createKey({ rateLimit: { limit: 1, windowSeconds: 60 }, quota: { daily: 1 } });
      expect(await codes(2, { key: secret })).to.deep.equal(['VALID', 'RATE_LIMITED']);
    });
  });

  describe('cost of an answer', () => {
    const lookups = (): number => h.app.metrics.value('keysmith_verify_db_queries_total', 'purpose="lookup"');

    it('garbage costs no database lookup; a hot key is answered from the cache', async () => {
      const { secret } = await h.createKey();
      await verify({ key: secret });
      const before = lookups();
      for (let i = 0; i < 50; i++) {
        expect((await verify({ key: `garbage-${i}-${'z'.repeat(i)}` })).code).to.equal('INVALID');
        expect((await verify({ key: secret })).code).to.equal('VALID');
      }
      expect(lookups() - before).to.equal(0);
      const metrics = await h.inject('GET', '/metrics', { as: null });
      expect(metrics.payload).to.match(/keysmith_verifications_total\{code="INVALID"\} 50/);
      expect(metrics.payload).to.match(/keysmith_verifications_total\{code="VALID"\} 51/);
    });

    it('an unknown well-formed key and a wrong secret of a real key take the same path: one lookup each', async () => {
      const other = await h.createKey();
      await h.inject('POST', `/v1/keys/${other.key.id}/rotate`, { payload: {} });
      for (const key of [generateSecret('acme', 'live'), other.secret]) {
        const before = lookups();
        expect((await verify({ key })).code).to.equal('INVALID');
        expect(lookups() - before, key.slice(0, 8)).to.equal(1);
      }
    });
    it('an unknown well-formed key sent again and again costs one lookup per cache period, and never hides a new key', async () => {
      const unknown = generateSecret('acme', 'live');
      const before = lookups();
      for (let i = 0; i < 20; i++) expect((await verify({ key: unknown })).code).to.equal('INVALID');
      expect(lookups() - before).to.equal(1);
      const { secret } = await h.createKey();
      expect((await verify({ key: secret })).code).to.equal('VALID');
    });
  });

  describe('rotation, edits and history', () => {
    it('rotation without overlap ends the old secret at once; with overlap both work until it ends', async () => {
      const a = await h.createKey();
      expect((await verify({ key: a.secret })).code).to.equal('VALID');
      const rotated = JSON.parse((await h.inject('POST', `/v1/keys/${a.key.id}/rotate`, { payload: {} })).payload).secret as string;
      expect((await verify({ key: a.secret })).code).to.equal('INVALID');
      expect((await verify({ key: rotated })).code).to.equal('VALID');
      const next = JSON.parse((await h.inject('POST', `/v1/keys/${a.key.id}/rotate`, { payload: { overlapSeconds: 60 } })).payload).secret as string;
      expect([(await verify({ key: rotated })).code, (await verify({ key: next })).code]).to.deep.equal(['VALID', 'VALID']);
      h.clock.advance(60_000);
      expect([(await verify({ key: rotated })).code, (await verify({ key: next })).code]).to.deep.equal(['INVALID', 'VALID']);
    });

    it('an edit of the quota applies to the next verification', async () => {
      const a = await h.createKey({ quota: { daily: 1 } });
      expect(await codes(2, { key: a.secret })).to.deep.equal(['VALID', 'QUOTA_EXCEEDED']);
      const res = await h.inject('PATCH', `/v1/keys/${a.key.id}`, { payload: { quota: { daily: 3 } } });
      expect(res.statusCode, res.payload).to.equal(200);
      expect(await codes(3, { key: a.secret })).to.deep.equal(['VALID', 'VALID', 'QUOTA_EXCEEDED']);
    });

    it('a key verified once cannot be deleted, even before its logs are written', async () => {
      const a = await h.createKey();
      await verify({ key: a.secret });
      const res = await h.inject('DELETE', `/v1/keys/${a.key.id}`);
      expect(res.statusCode).to.equal(409);
      expect(JSON.parse(res.payload).error.code).to.equal('KEY_HAS_HISTORY');
    });

    it('usageCount, lastUsedAt and the request logs add up to what was answered', async () => {
      const a = await h.createKey({ quota: { daily: 3 } });
      await codes(5, { key: a.secret, endpoint: '/v1/push', ip: '10.0.0.1' });
      await h.app.flush();
      const key = JSON.parse((await h.inject('GET', `/v1/keys/${a.key.id}`)).payload);
      expect(key.usageCount).to.equal(3);
      expect(key.lastUsedAt).to.equal(h.clock.now().toISOString());
      const logs = JSON.parse((await h.inject('GET', `/v1/keys/${a.key.id}/logs`)).payload).items as Body[];
      expect(logs.map((l) => l.code)).to.deep.equal(['QUOTA_EXCEEDED', 'QUOTA_EXCEEDED', 'VALID', 'VALID', 'VALID']);
      expect(logs[0]).to.include({ endpoint: '/v1/push', clientIp: '10.0.0.1' });
    });

    it('one flush gives each of 205 keys its own usageCount and lastUsedAt', async function () {
      this.timeout(60_000);
      const keys = [];
      for (let i = 0; i < 205; i++) keys.push(await h.createKey());
      for (const [i, k] of keys.entries()) {
        h.clock.advance(1_000);
        await codes(1 + (i % 3), { key: k.secret });
      }
      await h.app.flush();
      const start = h.clock.now().getTime() - 205_000;
      for (const [i, k] of keys.entries()) {
        const read = JSON.parse((await h.inject('GET', `/v1/keys/${k.key.id}`)).payload) as Body;
        expect(read, k.key.name).to.include({ usageCount: 1 + (i % 3), lastUsedAt: new Date(start + (i + 1) * 1_000).toISOString() });
      }
    });
  });

  describe('bad input', () => {
    const cases: Array<[string, Body, RegExp]> = [
      ['a non-string key', { key: 42 }, /key/],
      ['a key with a NUL byte', { key: 'acme_live_\u0000abc' }, /key/],
      ['a key with Unicode', { key: 'acme_live_ÄÖÜ' }, /key/],
      ['an oversized key', { key: 'a'.repeat(10_000) }, /key/],
      ['a negative cost', { key: 'x', cost: -1 }, /cost/],
      ['a huge cost', { key: 'x', cost: 1e12 }, /cost/],
      ['a fractional cost', { key: 'x', cost: 1.5 }, /cost/],
      ['a malformed ip', { key: 'x', ip: '300.1.1.1' }, /ip/],
      ['an unknown field', { key: 'x', colour: 'red' }, /colour/],
      ['no key', {}, /key/],
    ];
    for (const [what, payload, field] of cases) {
      it(`answers 400 naming the field for ${what}, and consumes nothing`, async () => {
        const res = await h.inject('POST', '/v1/verify', { payload });
        expect(res.statusCode, res.payload).to.equal(400);
        const error = JSON.parse(res.payload).error;
        expect(error.code).to.equal('VALIDATION_FAILED');
        expect(JSON.stringify(error.details)).to.match(field);
        expect(h.app.metrics.render()).not.to.match(/keysmith_verifications_total/);
      });
    }

    it('needs keys:verify', async () => {
      const readOnly = await h.rootKeyWithScopes(['keys:read']);
      const res = await h.inject('POST', '/v1/verify', { payload: { key: 'x' }, as: { authorization: `Bearer ${readOnly}` } });
      expect(res.statusCode).to.equal(403);
      expect(JSON.parse(res.payload).error.message).to.match(/keys:verify/);
    });
  });
});
