import { expect } from 'chai';
import { generateSecret } from '../../src/domain/secrets';
import type { VerifyResult } from '../../src/domain/verification';
import { verifyAnswerJson } from '../../src/http/routes/verify';
import { RequestLogBatch } from '../../src/repositories/requestLogBatch';
import { writeUsage } from '../../src/repositories/verification';
import { DEFAULT_RECORDER_OPTIONS } from '../../src/verify/recorder';
import { forEachDialect } from '../helpers/databases';
import { Harness } from '../helpers/harness';
import { waitFor } from '../helpers/redis';
import { readLogs } from '../helpers/requestLogs';

type Body = Record<string, any>;

/** What an answer and its request log say, beyond the code: the rate-limit window shown, the IP's spelling, when logs are written. */
forEachDialect('Verification answers and logs in detail', (dialect) => {
  let h: Harness;
  afterEach(async () => {
    await h?.stop();
  });

  const verify = async (payload: Body): Promise<Body> => {
    const res = await h.inject('POST', '/v1/verify', { payload });
    expect(res.statusCode, res.payload).to.equal(200);
    return JSON.parse(res.payload) as Body;
  };
  const logsOf = async (keyId: string): Promise<Body[]> => JSON.parse((await h.inject('GET', `/v1/keys/${keyId}/logs`)).payload).items as Body[];

  describe('the ratelimit of an answer', () => {
    beforeEach(async () => {
      h = await Harness.start(dialect);
    });

    it('is the plan window that denied on PLAN_RATE_LIMITED, and the key\'s own otherwise', async () => {
      expect((await h.inject('PATCH', '/v1/workspace', { payload: { planLimits: { perSecond: 2 } } })).statusCode).to.equal(200);
      const own = { limit: 5, windowSeconds: 60 };
      const a = await h.createKey({ rateLimit: own });
      const b = await h.createKey({ rateLimit: own });
      const first = await verify({ key: a.secret });
      expect(first.code).to.equal('VALID');
      expect(first.ratelimit).to.include({ limit: 5, remaining: 4 });
      await verify({ key: b.secret });
      const denied = await verify({ key: a.secret });
      expect(denied.code).to.equal('PLAN_RATE_LIMITED');
      // Retry when the plan's second ends, not when the key's minute does.
      expect(denied.ratelimit).to.deep.equal({ limit: 2, remaining: 0, resetAt: new Date(Math.floor(h.clock.now().getTime() / 1000) * 1000 + 1000).toISOString() });
      h.clock.advance(1000);
      const second = await verify({ key: a.secret });
      expect(second.code).to.equal('VALID');
      expect(second.ratelimit, 'the plan denial consumed nothing of the key\'s own').to.include({ limit: 5, remaining: 3 });
    });
  });

  describe('the text of an answer', () => {
    beforeEach(async () => {
      h = await Harness.start(dialect);
    });

    it('is what JSON.stringify writes of the verifier\'s result, for VALID answers of every shape and the others', async () => {
      const shapes: Array<Record<string, unknown>> = [
        {},
        { name: 'say "hi" \\ é 🔑 \u2028', scopes: ['read', 'write:*'], metadata: { plan: 'pro', nested: { list: [1, 'two', null], quote: '"' } } },
        { rateLimit: { limit: 5, windowSeconds: 60 }, expiresAt: new Date(h.clock.now().getTime() + 86_400_000).toISOString(), environment: 'development' },
        { quota: { daily: 100, total: 1000 } },
        { credits: { remaining: 2 }, quota: { monthly: 50 } },
        { quota: { daily: 10 }, rateLimit: { limit: 2, windowSeconds: 1 } },
      ];
      const codes = new Set<string>();
      for (const shape of shapes) {
        const { secret } = await h.createKey(shape);
        // VALID, then whatever the limits answer once spent (RATE_LIMITED, QUOTA_EXCEEDED with its window).
        for (let i = 0; i < 4; i++) {
          const result = await h.app.verifier.verify(h.tenants.acme.workspaceId, { key: secret, cost: 1 });
          codes.add(result.code);
          expect(verifyAnswerJson(result), JSON.stringify(shape)).to.equal(JSON.stringify(result));
        }
      }
      const invalid = await h.app.verifier.verify(h.tenants.acme.workspaceId, { key: generateSecret('acme', 'live') });
      expect(verifyAnswerJson(invalid)).to.equal('{"valid":false,"code":"INVALID"}');
      expect([...codes].sort()).to.deep.equal(['QUOTA_EXCEEDED', 'RATE_LIMITED', 'VALID']);
    });
  });

  describe('one spelling per client IP', () => {
    beforeEach(async () => {
      h = await Harness.start(dialect);
    });

    it('logs an IPv4-mapped IPv6 address as the IPv4 address, and IPv6 in lower case', async () => {
      const { key, secret } = await h.createKey();
      await verify({ key: secret, ip: '::ffff:10.0.0.1' });
      await verify({ key: secret, ip: '10.0.0.1' });
      await verify({ key: secret, ip: '2001:DB8::1' });
      await h.app.flush();
      expect((await logsOf(key.id)).map((log) => log.clientIp)).to.deep.equal(['2001:db8::1', '10.0.0.1', '10.0.0.1']);
    });

    it('counts failed attempts of both spellings together', async () => {
      const { secret } = await h.createKey();
      for (let i = 0; i < 20; i++) expect((await verify({ key: generateSecret('acme', 'live'), ip: i % 2 ? '10.0.0.9' : '::ffff:10.0.0.9' })).code).to.equal('INVALID');
      expect((await verify({ key: secret, ip: '10.0.0.9' })).code).to.equal('IP_BLOCKED');
      expect((await verify({ key: secret, ip: '::FFFF:10.0.0.9' })).code).to.equal('IP_BLOCKED');
    });
  });

  describe('request logs written in bulk', () => {
    beforeEach(async () => {
      h = await Harness.start(dialect);
    });

    it('keeps every row and every character of what a caller sent, across several statements of a flush', async () => {
      const { key, secret } = await h.createKey();
      const endpoints = [`/it's`, 'back\\slash', '/q?x=1&y=?', '"quoted"', 'é 🔑 中', '%_*', 'nul\u0000byte', ');drop table request_logs;--'];
      for (const endpoint of endpoints) await verify({ key: secret, endpoint });
      await h.app.flush();
      expect((await logsOf(key.id)).map((log) => log.endpoint).reverse()).to.deep.equal(endpoints);

      const { workspaceId } = h.tenants.acme;
      const rows = Array.from({ length: 4_500 }, (_, i) => ({
        workspaceId,
        keyId: key.id,
        endpoint: `/bulk/${i}`,
        code: 'VALID',
        durationMicros: i,
        clientIp: i % 2 ? '10.0.0.1' : null,
        creditsSpent: i % 3,
        createdAt: 1_700_000_000_000 + i,
      }));
      await writeUsage(h.app.db, { id: 'bulk-test', createdAt: 1_700_000_000_000 }, RequestLogBatch.of(rows), new Map([[key.id, { admitted: rows.length, lastUsedAt: 1_700_000_004_499 }]]));
      const stored = (await readLogs(h.app.db.knex, { keyId: key.id })).filter((log) => log.endpoint?.startsWith('/bulk/'));
      expect(stored).to.have.length(4_500);
      expect(stored.map((r) => [r.endpoint, r.durationMicros, r.clientIp, r.creditsSpent, r.createdAt])).to.deep.equal(
        rows.map((r) => [r.endpoint, r.durationMicros, r.clientIp, r.creditsSpent, r.createdAt]),
      );
      expect(Number((await h.app.db.knex('api_keys').where({ id: key.id }).first()).usage_count)).to.equal(endpoints.length + 4_500);
    });

    it('writes the verifications that matched no key to a block of their workspace, and those that did to a block of their key', async () => {
      const { key, secret } = await h.createKey();
      const other = await h.createKey({}, 'globex');
      const unmatched = [
        { key: 'garbage-not-a-key', endpoint: '/garbage' },
        { key: generateSecret('acme', 'live'), endpoint: '/unknown', ip: '10.0.0.7' },
        { key: other.secret, endpoint: '/other-workspace' },
      ];
      for (let i = 0; i < 3; i++) {
        expect((await verify({ key: secret, endpoint: `/ok/${i}` })).code).to.equal('VALID');
        expect((await verify(unmatched[i]!)).code).to.equal('INVALID');
      }
      await h.app.flush();
      const { knex } = h.app.db;
      expect(await knex('request_log_blocks').orderBy('id').select('key_id', 'count')).to.deep.equal([
        { key_id: key.id, count: 3 },
        { key_id: null, count: 3 },
      ]);
      expect((await readLogs(knex, { keyId: key.id })).map((log) => log.endpoint)).to.deep.equal(['/ok/0', '/ok/1', '/ok/2']);
      const rows = await readLogs(knex, { keyId: null });
      const { workspaceId } = h.tenants.acme;
      expect(rows.map((r) => [r.workspaceId, r.endpoint, r.code, r.clientIp])).to.deep.equal([
        [workspaceId, '/garbage', 'INVALID', null],
        [workspaceId, '/unknown', 'INVALID', '10.0.0.7'],
        [workspaceId, '/other-workspace', 'INVALID', null],
      ]);
      expect(rows.every((r) => r.durationMicros >= 0 && r.createdAt === h.clock.now().getTime())).to.equal(true);
      expect((await logsOf(key.id)).map((log) => log.endpoint)).to.deep.equal(['/ok/2', '/ok/1', '/ok/0']);
    });
  });

  describe('what an answer waits for', () => {
    beforeEach(async () => {
      h = await Harness.start(dialect);
    });

    it('is nothing for a cached key with room in its lease, garbage, or a known unknown key: those answer at once, not as a promise', async () => {
      const { workspaceId } = h.tenants.acme;
      const { secret } = await h.createKey({ quota: { daily: 100 }, rateLimit: { limit: 50, windowSeconds: 60 } });
      const firstSight = h.app.verifier.verify(workspaceId, { key: secret });
      expect(firstSight, 'a key never seen is looked up in the database').to.be.instanceOf(Promise);
      expect((await firstSight).code).to.equal('VALID');
      const hot = h.app.verifier.verify(workspaceId, { key: secret });
      expect(hot).not.to.be.instanceOf(Promise);
      const answer = hot as VerifyResult;
      expect(answer.code).to.equal('VALID');
      expect(answer.quota?.map((window) => window.remaining), 'what the two answers took').to.deep.equal([98]);
      expect(h.app.verifier.verify(workspaceId, { key: 'not-a-key' })).to.deep.equal({ valid: false, code: 'INVALID' });
      const unknown = generateSecret('acme', 'live');
      expect((await h.app.verifier.verify(workspaceId, { key: unknown })).code).to.equal('INVALID');
      expect(h.app.verifier.verify(workspaceId, { key: unknown }), 'remembered as matching no key').to.deep.equal({ valid: false, code: 'INVALID' });
    });

    it('is the database once a lease runs out: the answer that needs a grant waits for it', async () => {
      const { workspaceId } = h.tenants.acme;
      const { secret } = await h.createKey({ quota: { daily: 2 } });
      expect((await h.app.verifier.verify(workspaceId, { key: secret })).code).to.equal('VALID');
      const answers: unknown[] = [];
      for (let i = 0; i < 3; i++) answers.push(h.app.verifier.verify(workspaceId, { key: secret }));
      const codes = await Promise.all(answers.map(async (answer) => ((await answer) as { code: string }).code));
      expect(codes).to.deep.equal(['VALID', 'QUOTA_EXCEEDED', 'QUOTA_EXCEEDED']);
      expect(answers.some((answer) => answer instanceof Promise), 'the lease held no room for the last ones').to.equal(true);
    });
  });

  describe('request-log defaults', () => {
    const batch = DEFAULT_RECORDER_OPTIONS.batch;
    afterEach(() => {
      DEFAULT_RECORDER_OPTIONS.batch = batch;
    });

    it('DEFAULT_RECORDER_OPTIONS is what the app runs with: a full batch is written before the flush interval', async () => {
      DEFAULT_RECORDER_OPTIONS.batch = 3;
      h = await Harness.start(dialect, { verification: { flushMs: 60_000 } });
      const { secret } = await h.createKey();
      for (let i = 0; i < 3; i++) await verify({ key: secret });
      let written = 0;
      await waitFor('3 request logs in the database', () => {
        void readLogs(h.app.db.knex).then((logs) => (written = logs.length));
        return written === 3;
      });
    });
  });
});
