import { BURST_VERIFY_TIMEOUT_MS } from '../helpers/processes';
import { expect } from 'chai';
import { DEFAULT_LEASE_OPTIONS } from '../../src/verify/leases';
import { forEachDialect } from '../helpers/databases';
import { Harness, json } from '../helpers/harness';
import { readLogs } from '../helpers/requestLogs';

type Body = Record<string, any>;
type Tally = Record<string, number>;

/** Rate limits high enough that only the balance can deny. */
const UNLIMITED_RATE = { limit: 1_000_000, windowSeconds: 60 };
const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

forEachDialect('The workspace credit balance', (dialect) => {
  let h: Harness;
  beforeEach(async () => {
    h = await Harness.start(dialect, { verification: { verifyTimeoutMs: BURST_VERIFY_TIMEOUT_MS } });
  });
  afterEach(async () => {
    await h.stop();
  });

  const setBalance = async (creditBalance: number | null): Promise<Body> => {
    const res = await h.inject('PATCH', '/v1/workspace', { payload: { creditBalance } });
    expect(res.statusCode, res.payload).to.equal(200);
    return json(res);
  };
  const shownBalance = async (): Promise<number | null> => json(await h.inject('GET', '/v1/workspace')).creditBalance;
  /** What the database holds, outside every lease. */
  const storedBalance = async (): Promise<number | null> => {
    const row = (await h.app.db.knex('workspaces').where({ id: h.tenants.acme.workspaceId }).first('credit_balance')) as { credit_balance: number | string | null };
    return row.credit_balance === null ? null : Number(row.credit_balance);
  };

  const verify = async (payload: Body): Promise<Body> => {
    const res = await h.inject('POST', '/v1/verify', { payload });
    expect(res.statusCode, res.payload).to.equal(200);
    return json(res);
  };

  /** Fires `n` verifications at once, round-robin over `secrets`; the answers by code (and window). */
  const burst = async (n: number, secrets: string[], extra: Body = {}): Promise<Tally> => {
    const answers = await Promise.all(Array.from({ length: n }, (_, i) => verify({ key: secrets[i % secrets.length], ...extra })));
    const tally: Tally = {};
    for (const a of answers) {
      const code = a.window ? `${a.code}:${a.window}` : a.code;
      tally[code] = (tally[code] ?? 0) + 1;
    }
    return tally;
  };

  const keys = async (n: number, settings: Body = {}): Promise<string[]> => {
    const made = [];
    for (let i = 0; i < n; i++) made.push((await h.createKey({ rateLimit: UNLIMITED_RATE, ...settings })).secret);
    return made;
  };

  describe('PATCH and GET /v1/workspace', () => {
    it('is unlimited (null) by default, is set and unset, and each change is audited', async () => {
      expect(await shownBalance()).to.equal(null);
      expect((await setBalance(250)).creditBalance).to.equal(250);
      expect(await shownBalance()).to.equal(250);
      expect((await setBalance(null)).creditBalance).to.equal(null);
      const events = json(await h.inject('GET', '/v1/audit-events')).items.filter((e: Body) => e.action === 'workspace.updated');
      expect(events.map((e: Body) => [e.before.creditBalance, e.after.creditBalance])).to.deep.equal([
        [250, null],
        [null, 250],
      ]);
    });

    it('setting the balance it already has changes nothing and writes no audit event', async () => {
      await setBalance(10);
      const before = await h.count('audit_events');
      await setBalance(10);
      expect(await h.count('audit_events')).to.equal(before);
    });

    it('rejects a negative, fractional or non-numeric balance with 400 and changes nothing', async () => {
      for (const creditBalance of [-1, 1.5, 'lots', Number.MAX_SAFE_INTEGER + 2]) {
        const res = await h.inject('PATCH', '/v1/workspace', { payload: { creditBalance } });
        expect(res.statusCode, JSON.stringify(creditBalance)).to.equal(400);
        expect(json(res).error.code).to.equal('VALIDATION_FAILED');
      }
      expect(await shownBalance()).to.equal(null);
    });

    it('needs workspaces:admin to set it', async () => {
      const reader = await h.rootKeyWithScopes(['keys:read', 'keys:write']);
      const res = await h.inject('PATCH', '/v1/workspace', { payload: { creditBalance: 5 }, as: { authorization: `Bearer ${reader}` } });
      expect(res.statusCode).to.equal(403);
      expect(await shownBalance()).to.equal(null);
    });

    it("is one workspace's only: another workspace's keys do not draw on it", async () => {
      await setBalance(0);
      const theirs = await h.createKey({}, 'globex');
      const res = await h.inject('POST', '/v1/verify', { payload: { key: theirs.secret }, as: 'globex' });
      expect(json(res).code).to.equal('VALID');
    });
  });

  describe('verification draws on it', () => {
    it('1,000 concurrent cost-1 calls over ten keys against a balance of 100 admit exactly 100', async () => {
      await setBalance(100);
      const secrets = await keys(10);
      expect(await burst(1000, secrets)).to.deep.equal({ VALID: 100, 'QUOTA_EXCEEDED:balance': 900 });
      expect(await shownBalance()).to.equal(0);
      await h.app.flush();
      const spent = (await readLogs(h.app.db.knex)).reduce((sum, log) => sum + log.creditsSpent, 0);
      expect(spent, 'credits spent in the request logs').to.equal(100);
    });

    it('with cost 3, exactly 33 of 1,000 against 100, and the 1 left stays', async () => {
      await setBalance(100);
      expect(await burst(1000, await keys(4), { cost: 3 })).to.deep.equal({ VALID: 33, 'QUOTA_EXCEEDED:balance': 967 });
      expect(await shownBalance()).to.equal(1);
      expect((await verify({ key: (await keys(1))[0], cost: 1 })).code, 'the last unit can still be spent').to.equal('VALID');
    });

    it('the answer shows the balance as the window, after the checks before it', async () => {
      await setBalance(0);
      const { secret } = await h.createKey({ rateLimit: UNLIMITED_RATE, scopes: ['a'] });
      const denied = await verify({ key: secret });
      expect(denied).to.include({ valid: false, code: 'QUOTA_EXCEEDED', window: 'balance' });
      expect(denied.ratelimit.remaining, 'the rate limit was not charged').to.equal(UNLIMITED_RATE.limit);
      expect((await verify({ key: secret, scopes: ['b'] })).code, 'FORBIDDEN comes first').to.equal('FORBIDDEN');
    });

    it("cost 0 spends nothing and is admitted even when the balance is 0; a key's credits are not charged by a balance denial", async () => {
      await setBalance(0);
      const { secret } = await h.createKey({ rateLimit: UNLIMITED_RATE, credits: { remaining: 5 } });
      expect((await verify({ key: secret, cost: 0 })).code).to.equal('VALID');
      expect(await burst(20, [secret])).to.deep.equal({ 'QUOTA_EXCEEDED:balance': 20 });
      await setBalance(5);
      const answers = [];
      for (let i = 0; i < 6; i++) answers.push(await verify({ key: secret }));
      expect(answers.map((a) => a.window ?? a.code)).to.deep.equal(['VALID', 'VALID', 'VALID', 'VALID', 'VALID', 'credits']);
      expect(answers[4]!.credits, "the key's credits after five").to.equal(0);
      expect(await shownBalance()).to.equal(0);
    });

    it("the key's own credits and the workspace balance, all-or-nothing: the tighter decides and the other keeps the rest", async () => {
      await setBalance(100);
      const [secret] = await keys(1, { credits: { remaining: 60 } });
      expect(await burst(1000, [secret!])).to.deep.equal({ VALID: 60, 'QUOTA_EXCEEDED:credits': 940 });
      expect(await shownBalance(), 'only the 60 admitted were spent from the balance').to.equal(40);
    });

    it('a daily quota and the balance: a balance denial charges the quota nothing', async () => {
      await setBalance(30);
      const { secret } = await h.createKey({ rateLimit: UNLIMITED_RATE, quota: { daily: 100 } });
      expect(await burst(500, [secret])).to.deep.equal({ VALID: 30, 'QUOTA_EXCEEDED:balance': 470 });
      await setBalance(1000);
      expect(await burst(500, [secret])).to.deep.equal({ VALID: 70, 'QUOTA_EXCEEDED:daily': 430 });
      expect(await shownBalance(), 'the quota denials spent nothing either').to.equal(930);
    });

    it('a rate-limit denial spends nothing from the balance', async () => {
      await setBalance(100);
      const { secret } = await h.createKey({ rateLimit: { limit: 5, windowSeconds: 3600 } });
      expect(await burst(50, [secret])).to.deep.equal({ VALID: 5, RATE_LIMITED: 45 });
      expect(await shownBalance()).to.equal(95);
    });

    it('a new balance applies at once and is exact; what was leased from the old one does not top it up', async () => {
      await setBalance(100);
      const secrets = await keys(3);
      expect(await burst(10, secrets)).to.deep.equal({ VALID: 10 });
      expect(await storedBalance(), 'this instance holds part of the balance in its lease').to.be.below(90);
      await setBalance(50);
      expect(await burst(1000, secrets)).to.deep.equal({ VALID: 50, 'QUOTA_EXCEEDED:balance': 950 });
      await setBalance(null);
      expect(await burst(100, secrets), 'unlimited again').to.deep.equal({ VALID: 100 });
    });

    it('after the balance ran out, a new balance admits at once (the denial is not reused)', async () => {
      await setBalance(3);
      const [secret] = await keys(1);
      expect(await burst(5, [secret!])).to.deep.equal({ VALID: 3, 'QUOTA_EXCEEDED:balance': 2 });
      await setBalance(2);
      expect(await burst(5, [secret!])).to.deep.equal({ VALID: 2, 'QUOTA_EXCEEDED:balance': 3 });
    });

    it('an instance that stops taking traffic gives its lease back, so another can spend the whole balance', async () => {
      await setBalance(100);
      const [secret] = await keys(1);
      // A second instance on the same database, whose leases idle out after 200 ms.
      const other = await Harness.start(dialect, { database: h.database, verification: { leases: { ...DEFAULT_LEASE_OPTIONS, idleMs: 200 } } });
      try {
        const onOther = async (): Promise<string> => json(await other.inject('POST', '/v1/verify', { payload: { key: secret }, as: 'acme' })).code;
        expect(await onOther()).to.equal('VALID');
        const held = 99 - (await storedBalance())!;
        expect(held, 'the other instance holds at most an eighth of the balance').to.be.within(1, 13);
        const first = await burst(200, [secret!]);
        expect(first.VALID, 'admitted here before the lease came back').to.be.within(99 - held, 99);
        await sleep(1000);
        expect(await storedBalance(), 'the idle lease came back').to.equal(99 - first.VALID!);
        h.clock.advance(1000); // past the 1 s for which a QUOTA_EXCEEDED is reused
        const second = await burst(200, [secret!]);
        expect(first.VALID! + (second.VALID ?? 0), 'the whole balance was spent here but for the one on the other instance').to.equal(99);
      } finally {
        await other.server.stop();
        await other.app.shutdown();
      }
    });

    it("answers 503 when the balance cannot be leased, consuming nothing of the key's credits", async () => {
      await setBalance(100);
      const [secret] = await keys(1, { credits: { remaining: 3 } });
      const knex = h.app.db.knex;
      await knex.raw(
        dialect === 'sqlite'
          ? "create trigger fault_balance before update on workspaces begin select raise(abort, 'injected'); end"
          : "create trigger fault_balance before update on workspaces for each row signal sqlstate '45000' set message_text = 'injected'",
      );
      const res = await h.inject('POST', '/v1/verify', { payload: { key: secret } });
      expect(res.statusCode, res.payload).to.equal(503);
      expect(json(res).error.code).to.equal('UNAVAILABLE');
      await knex.raw('drop trigger fault_balance');
      const codes: string[] = [];
      for (let i = 0; i < 50 && codes.filter((c) => c !== 'HTTP_503').length < 4; i++) {
        const answer = await h.inject('POST', '/v1/verify', { payload: { key: secret } });
        codes.push(answer.statusCode === 200 ? (json(answer).window ?? json(answer).code) : `HTTP_${answer.statusCode}`);
        if (answer.statusCode === 503) await sleep(100);
      }
      expect(codes.filter((c) => c !== 'HTTP_503'), 'once the database is back: all 3 credits are still there').to.deep.equal(['VALID', 'VALID', 'VALID', 'credits']);
      expect(await shownBalance()).to.equal(97);
    });

    it('gives unspent units back at shutdown, so the database holds exactly what is left', async () => {
      await setBalance(100);
      expect(await burst(10, await keys(2))).to.deep.equal({ VALID: 10 });
      expect(await storedBalance(), 'leased, not yet given back').to.be.below(90);
      expect(await shownBalance(), 'GET adds what this instance holds unspent').to.equal(90);
      await h.app.shutdown();
      expect(await storedBalance()).to.equal(90);
    });
  });
});
