import bcrypt from 'bcrypt';
import { expect } from 'chai';
import type { ServerInjectResponse } from '@hapi/hapi';
import type { OperatorRole } from '../../src/domain/model';
import { forEachDialect } from '../helpers/databases';
import { Harness, json } from '../helpers/harness';

const PASSWORD = 'correct horse battery';
const SYSTEM = { type: 'system' as const, id: 'test' };

interface SignedIn {
  cookie: string;
  csrf: string;
  body: any;
}

/** The cookie's name=value pair from a Set-Cookie answer, and the whole header. */
const setCookieOf = (res: ServerInjectResponse): string => {
  const header = res.headers['set-cookie'];
  const found = (Array.isArray(header) ? header : [header ?? '']).find((c) => c.startsWith('keysmith_session='));
  if (!found) throw new Error(`no session cookie in ${res.statusCode} ${res.payload}`);
  return found;
};

forEachDialect('operators and sessions', (dialect) => {
  let h: Harness;

  before(async () => {
    h = await Harness.start(dialect);
  });
  after(() => h.stop());

  const addOperator = (email: string, role: OperatorRole, workspace: 'acme' | 'globex' = 'acme') =>
    h.app.services.operators.add({ workspaceId: h.tenants[workspace].workspaceId, actor: SYSTEM }, { email, name: email.split('@')[0]!, role, password: PASSWORD });

  const login = (email: string, password = PASSWORD, extra: { remoteAddress?: string; host?: string } = {}) =>
    h.server.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { email, password },
      headers: { host: extra.host ?? '127.0.0.1:8080' },
      ...(extra.remoteAddress ? { remoteAddress: extra.remoteAddress } : {}),
    });

  const signIn = async (email: string, password = PASSWORD): Promise<SignedIn> => {
    const res = await login(email, password);
    expect(res.statusCode, res.payload).to.equal(200);
    return { cookie: setCookieOf(res).split(';')[0]!, csrf: json(res).csrfToken, body: json(res) };
  };

  /** A call with the session cookie (and its CSRF token unless told otherwise). */
  const asOperator = (s: SignedIn, method: string, url: string, payload?: unknown, csrf: string | null = s.csrf) =>
    h.inject(method, url, { as: null, headers: { cookie: s.cookie, ...(csrf !== null ? { 'x-csrf-token': csrf } : {}) }, payload });

  describe('sign-in', () => {
    before(async () => {
      await addOperator('owner@acme.test', 'owner');
    });

    it('answers the session and sets an HttpOnly, SameSite=Strict cookie, Secure except over http to loopback', async () => {
      const res = await login('Owner@Acme.test');
      expect(res.statusCode).to.equal(200);
      const body = json(res);
      expect(body).to.deep.include({ role: 'owner', workspace: { id: h.tenants.acme.workspaceId, slug: 'acme' }, workspaces: [{ slug: 'acme', role: 'owner' }] });
      expect(body.operator).to.include({ email: 'owner@acme.test', name: 'owner' });
      expect(body.scopes).to.include.members(['keys:write', 'operators:admin']);
      expect(new Date(body.expiresAt).getTime() - h.clock.now().getTime()).to.equal(30 * 60_000);
      const cookie = setCookieOf(res);
      expect(cookie).to.match(/; HttpOnly/).and.match(/; SameSite=Strict/).and.match(/; Path=\//);
      expect(cookie).not.to.match(/Secure/);
      expect(res.headers['cache-control']).to.equal('no-store');
      const remote = await login('owner@acme.test', PASSWORD, { host: 'keys.example.com' });
      expect(setCookieOf(remote)).to.match(/; Secure/);
      const session = await h.inject('GET', '/v1/auth/session', { as: null, headers: { cookie: setCookieOf(res).split(';')[0]! } });
      expect(session.statusCode).to.equal(200);
      expect(json(session).csrfToken).to.equal(body.csrfToken);
    });

    it('gives one generic answer, after the same bcrypt work, for a wrong password and an unknown email', async () => {
      const compare = bcrypt.compare;
      let compared = 0;
      const costs: string[] = [];
      (bcrypt as { compare: unknown }).compare = (...args: unknown[]) => {
        compared++;
        costs.push(String(args[1]).slice(0, 7));
        return (compare as (...a: unknown[]) => Promise<boolean>)(...args);
      };
      try {
        const wrong = await login('owner@acme.test', 'not the password!', { remoteAddress: '10.9.0.1' });
        expect(compared, 'bcrypt runs for a known email').to.equal(1);
        const unknown = await login('nobody@acme.test', 'not the password!', { remoteAddress: '10.9.0.2' });
        expect(compared, 'and for an unknown one, against a dummy hash').to.equal(2);
        expect(costs, 'of the same cost').to.deep.equal(['$2b$10$', '$2b$10$']);
        for (const res of [wrong, unknown]) {
          expect(res.statusCode).to.equal(401);
          expect(json(res).error).to.include({ code: 'INVALID_CREDENTIALS', message: 'email or password is incorrect' });
        }
      } finally {
        (bcrypt as { compare: unknown }).compare = compare;
      }
    });

    it('throttles per account and per address with Retry-After, then lets the right password in once the window passes', async () => {
      await addOperator('target@acme.test', 'viewer');
      for (let i = 0; i < 10; i++) expect((await login('target@acme.test', 'guess number ' + i, { remoteAddress: `10.1.0.${i}` })).statusCode).to.equal(401);
      const throttled = await login('target@acme.test', PASSWORD, { remoteAddress: '10.1.1.1' });
      expect(throttled.statusCode, 'the right password, from a fresh address').to.equal(429);
      expect(json(throttled).error.code).to.equal('LOGIN_THROTTLED');
      expect(Number(throttled.headers['retry-after'])).to.equal(15 * 60);
      // Per address: ten failures over ten different emails from one address.
      for (let i = 0; i < 10; i++) await login(`someone${i}@acme.test`, 'wrong password!', { remoteAddress: '10.2.0.1' });
      expect((await login('owner@acme.test', PASSWORD, { remoteAddress: '10.2.0.1' })).statusCode).to.equal(429);
      expect((await login('owner@acme.test', PASSWORD, { remoteAddress: '10.2.0.2' })).statusCode).to.equal(200);
      h.clock.advance(15 * 60_000);
      expect((await login('target@acme.test', PASSWORD, { remoteAddress: '10.1.1.1' })).statusCode).to.equal(200);
    });

    it('refuses passwords under 12 or over 72 bytes, saying why 72', async () => {
      const caller = { workspaceId: h.tenants.acme.workspaceId, actor: SYSTEM };
      const short = await h.app.services.operators.add(caller, { email: 's@acme.test', role: 'viewer', password: 'short' }).catch((e: Error) => e);
      expect((short as Error).message).to.include('at least 12 bytes');
      const long = await h.inject('POST', '/v1/operators', { payload: { email: 'l@acme.test', role: 'viewer', password: 'é'.repeat(37) } });
      expect(long.statusCode).to.equal(400);
      expect(json(long).error.details[0]).to.deep.equal({ field: 'password', message: 'must be at most 72 bytes (UTF-8), got 74: bcrypt reads only the first 72 bytes, so the rest would not count' });
    });
  });

  describe('sessions', () => {
    before(async () => {
      await addOperator('dev@acme.test', 'developer');
      await addOperator('viewer@acme.test', 'viewer');
    });

    it('ends after 30 idle minutes, and after 12 hours however busy', async () => {
      const idle = await signIn('dev@acme.test');
      h.clock.advance(29 * 60_000);
      expect((await asOperator(idle, 'GET', '/v1/keys')).statusCode).to.equal(200);
      h.clock.advance(29 * 60_000);
      expect((await asOperator(idle, 'GET', '/v1/keys')).statusCode, 'used 29 minutes ago').to.equal(200);
      h.clock.advance(31 * 60_000);
      const expired = await asOperator(idle, 'GET', '/v1/keys');
      expect(expired.statusCode).to.equal(401);
      expect(json(expired).error.message).to.include('expired');

      const busy = await signIn('dev@acme.test');
      for (let i = 0; i < 12 * 3 - 1; i++) {
        h.clock.advance(20 * 60_000);
        expect((await asOperator(busy, 'GET', '/v1/auth/session')).statusCode, `after ${(i + 1) * 20} minutes`).to.equal(200);
      }
      h.clock.advance(20 * 60_000);
      expect((await asOperator(busy, 'GET', '/v1/auth/session')).statusCode, 'after 12 hours').to.equal(401);
    });

    it('ends at logout, and clears the cookie', async () => {
      const s = await signIn('dev@acme.test');
      const out = await asOperator(s, 'POST', '/v1/auth/logout');
      expect(out.statusCode).to.equal(204);
      expect(setCookieOf(out)).to.match(/^keysmith_session=;.*Max-Age=0/);
      expect((await asOperator(s, 'GET', '/v1/auth/session')).statusCode).to.equal(401);
    });

    it("ends the operator's other sessions on a password change", async () => {
      await addOperator('changer@acme.test', 'developer');
      const here = await signIn('changer@acme.test');
      const elsewhere = await signIn('changer@acme.test');
      const wrong = await asOperator(here, 'POST', '/v1/auth/password', { currentPassword: 'not it at all', newPassword: 'a brand new password' });
      expect(wrong.statusCode).to.equal(400);
      const changed = await asOperator(here, 'POST', '/v1/auth/password', { currentPassword: PASSWORD, newPassword: 'a brand new password' });
      expect(changed.statusCode, changed.payload).to.equal(204);
      expect((await asOperator(here, 'GET', '/v1/auth/session')).statusCode).to.equal(200);
      expect((await asOperator(elsewhere, 'GET', '/v1/auth/session')).statusCode).to.equal(401);
      expect((await login('changer@acme.test', PASSWORD, { remoteAddress: '10.3.0.1' })).statusCode).to.equal(401);
      expect((await login('changer@acme.test', 'a brand new password', { remoteAddress: '10.3.0.1' })).statusCode).to.equal(200);
    });

    it('counts wrong current passwords with the sign-in failures of the account: a stolen session cannot guess faster', async () => {
      await addOperator('guessed@acme.test', 'developer');
      const stolen = await signIn('guessed@acme.test');
      for (let i = 0; i < 10; i++) {
        const wrong = await asOperator(stolen, 'POST', '/v1/auth/password', { currentPassword: `guess number ${i}`, newPassword: 'the thief wants this' });
        expect(wrong.statusCode).to.equal(400);
      }
      const throttled = await asOperator(stolen, 'POST', '/v1/auth/password', { currentPassword: PASSWORD, newPassword: 'the thief wants this' });
      expect(throttled.statusCode, 'the right password, once throttled').to.equal(429);
      expect(json(throttled).error.code).to.equal('LOGIN_THROTTLED');
      expect(Number(throttled.headers['retry-after'])).to.equal(15 * 60);
      expect((await login('guessed@acme.test', PASSWORD, { remoteAddress: '10.4.0.1' })).statusCode, 'sign-in shares the count').to.equal(429);
      h.clock.advance(15 * 60_000);
      const changed = await asOperator(stolen, 'POST', '/v1/auth/password', { currentPassword: PASSWORD, newPassword: 'a brand new password' });
      expect(changed.statusCode, changed.payload).to.equal(204);
    });

    it('refuses a state-changing call without the right X-CSRF-Token (403 CSRF_FAILED), and takes it with it', async () => {
      const s = await signIn('dev@acme.test');
      for (const csrf of [null, 'wrong', `${s.csrf}x`]) {
        const refused = await asOperator(s, 'POST', '/v1/keys', { name: 'csrf probe' }, csrf);
        expect(refused.statusCode).to.equal(403);
        expect(json(refused).error.code).to.equal('CSRF_FAILED');
      }
      expect((await asOperator(s, 'POST', '/v1/auth/logout', undefined, null)).statusCode).to.equal(403);
      expect(await h.count('api_keys')).to.equal(0);
      const created = await asOperator(s, 'POST', '/v1/keys', { name: 'by an operator' });
      expect(created.statusCode, created.payload).to.equal(201);
      expect(json(created).key.createdBy).to.equal(`operator:${s.body.operator.id}`);
      const audit = json(await asOperator(s, 'GET', `/v1/audit-events?keyId=${json(created).key.id}`));
      expect(audit.items[0].actor).to.deep.equal({ type: 'operator', id: s.body.operator.id, email: 'dev@acme.test' });
    });

    it('lets a signed-in admin create root keys with the scopes of their role, and no others', async () => {
      await addOperator('rootkeys-admin@acme.test', 'admin');
      const s = await signIn('rootkeys-admin@acme.test');
      const created = await asOperator(s, 'POST', '/v1/root-keys', { name: 'deploy pipeline', scopes: ['keys:read', 'keys:write'] });
      expect(created.statusCode, created.payload).to.equal(201);
      expect(json(created).rootKey.scopes).to.deep.equal(['keys:read', 'keys:write']);
      const escalated = await asOperator(s, 'POST', '/v1/root-keys', { name: 'more than mine', scopes: ['operators:admin'] });
      expect(escalated.statusCode, escalated.payload).to.equal(403);
      expect(json(escalated).error.message).to.include('operators:admin');
    });

    it('lets the Authorization header win when a root key and a cookie are both sent', async () => {
      const s = await signIn('viewer@acme.test');
      const res = await h.inject('POST', '/v1/keys', { headers: { cookie: s.cookie }, payload: { name: 'by the root key' } });
      expect(res.statusCode).to.equal(201);
      expect(json(res).key.createdBy).to.match(/^root_key:rk_/);
    });

    it("maps the role onto scopes: a viewer reads, and a write answers 403 naming the scope", async () => {
      const s = await signIn('viewer@acme.test');
      expect(s.body.scopes).to.deep.equal(['keys:read']);
      expect((await asOperator(s, 'GET', '/v1/keys')).statusCode).to.equal(200);
      const write = await asOperator(s, 'POST', '/v1/keys', { name: 'not allowed' });
      expect(write.statusCode).to.equal(403);
      expect(json(write).error.message).to.equal('operator viewer@acme.test (viewer) lacks the scope keys:write that POST /v1/keys needs');
      const operators = await asOperator(s, 'GET', '/v1/operators');
      expect(json(operators).error.message).to.include('operators:admin');
    });

    it('does not take a session on verification', async () => {
      const s = await signIn('dev@acme.test');
      const res = await asOperator(s, 'POST', '/v1/verify', { key: 'acme_live_x' });
      expect(res.statusCode).to.equal(401);
    });
  });

  describe('operators', () => {
    it('lets an owner add, change and remove operators, but never the last owner', async () => {
      await addOperator('boss@globex.test', 'owner', 'globex');
      await addOperator('other@globex.test', 'owner', 'globex');
      const boss = await signIn('boss@globex.test');
      const added = await asOperator(boss, 'POST', '/v1/operators', { email: 'New@Globex.test', name: 'New One', role: 'developer', password: 'twelve bytes+' });
      expect(added.statusCode, added.payload).to.equal(201);
      const id = json(added).id;
      expect(json(added)).to.include({ email: 'new@globex.test', name: 'New One', role: 'developer', lastLoginAt: null });
      expect((await asOperator(boss, 'POST', '/v1/operators', { email: 'new@globex.test', role: 'viewer' })).statusCode).to.equal(409);
      const changed = await asOperator(boss, 'PATCH', `/v1/operators/${id}`, { role: 'admin' });
      expect(json(changed)).to.include({ role: 'admin' });
      const list = json(await asOperator(boss, 'GET', '/v1/operators'));
      expect(list.items.map((o: { email: string; role: string }) => `${o.email}:${o.role}`)).to.have.members(['boss@globex.test:owner', 'other@globex.test:owner', 'new@globex.test:admin']);
      expect((await asOperator(boss, 'DELETE', `/v1/operators/${id}`)).statusCode).to.equal(204);

      const other = list.items.find((o: { email: string }) => o.email === 'other@globex.test').id;
      expect((await asOperator(boss, 'DELETE', `/v1/operators/${other}`)).statusCode).to.equal(204);
      const demote = await asOperator(boss, 'PATCH', `/v1/operators/${boss.body.operator.id}`, { role: 'viewer' });
      expect(demote.statusCode).to.equal(409);
      expect(json(demote).error).to.include({ code: 'LAST_OWNER' });
      const remove = await asOperator(boss, 'DELETE', `/v1/operators/${boss.body.operator.id}`);
      expect(json(remove).error.code).to.equal('LAST_OWNER');
      // An existing operator joins another workspace by email; the password is not asked for.
      const joined = await h.inject('POST', '/v1/operators', { payload: { email: 'boss@globex.test', role: 'viewer' } });
      expect(joined.statusCode, joined.payload).to.equal(201);
      const events = await h.app.db.knex('audit_events').where({ target_type: 'operator' }).select('action', 'actor_type', 'actor_email');
      expect(events).to.deep.include({ action: 'operator.added', actor_type: 'operator', actor_email: 'boss@globex.test' });
    });
  });

  describe('first-owner setup link', () => {
    it('creates the owner once, and is refused when used or older than 24 hours', async () => {
      const { token } = await h.app.services.sessions.createSetupToken(h.tenants.acme.workspaceId);
      const check = await h.inject('GET', `/v1/auth/setup?token=${token}`, { as: null });
      expect(json(check)).to.deep.equal({ valid: true, workspace: { id: h.tenants.acme.workspaceId, slug: 'acme' } });
      const payload = { token, email: 'first@acme.test', name: 'First', password: 'the first password' };
      const setup = await h.inject('POST', '/v1/auth/setup', { as: null, payload, headers: { host: '127.0.0.1' } });
      expect(setup.statusCode, setup.payload).to.equal(201);
      expect(json(setup)).to.include({ role: 'owner' });
      expect(setCookieOf(setup)).to.match(/HttpOnly/);
      const again = await h.inject('POST', '/v1/auth/setup', { as: null, payload: { ...payload, email: 'second@acme.test' } });
      expect(again.statusCode).to.equal(404);
      expect(json(again).error.message).not.to.include(token);
      expect((await h.inject('GET', `/v1/auth/setup?token=${token}`, { as: null })).statusCode).to.equal(404);

      const late = await h.app.services.sessions.createSetupToken(h.tenants.acme.workspaceId);
      h.clock.advance(24 * 3600_000);
      expect((await h.inject('GET', `/v1/auth/setup?token=${late.token}`, { as: null })).statusCode).to.equal(404);
      expect((await h.inject('POST', '/v1/auth/setup', { as: null, payload: { ...payload, token: late.token, email: 'late@acme.test' } })).statusCode).to.equal(404);
    });
  });

  // Mocha runs a suite's own tests before its nested suites: this one goes last, after all of the above.
  describe('afterwards', () => {
    it('writes no password, session token or CSRF token to any log line or audit row', async () => {
      const s = await signIn('dev@acme.test');
      const token = s.cookie.split('=')[1]!;
      const audit = JSON.stringify(await h.app.db.knex('audit_events').select());
      const logs = h.logLines.join('\n');
      for (const secret of [PASSWORD, 'a brand new password', 'the first password', token, s.csrf]) {
        expect(logs).not.to.include(secret);
        expect(audit).not.to.include(secret);
      }
      expect(audit).not.to.match(/\$2[aby]\$/);
    });
  });
});
