import { expect } from 'chai';
import type { Server } from '@hapi/hapi';
import { createServer as createTcpServer } from 'node:net';
import { forEachDialect } from '@keysmith/service/dist/test/helpers/databases';
import { headersOf, KeysmithService, request, type Tenant } from './hapiFixture';

// hapi's no-cache on every refusal matters too: no intermediary may replay one.
const JSON_TYPE = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-cache' };
const refused = (status: number, error: string, headers: Record<string, string> = {}) => ({
  status,
  body: JSON.stringify({ error }),
  headers: { ...JSON_TYPE, ...headers },
});
const seen = (s: { status: number; body: string; headers: Record<string, string> }) => ({ status: s.status, body: s.body, headers: headersOf(s) });

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const probe = createTcpServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

forEachDialect('Hapi plugin against the real Keysmith service', (dialect) => {
  let keysmith: KeysmithService;
  let acme: Tenant;
  let api: Server;
  const servers: Server[] = [];

  before(async () => {
    keysmith = await KeysmithService.start(dialect);
    acme = await keysmith.tenant('acme');
    api = await acme.protect();
    servers.push(api);
  });

  after(async () => {
    for (const server of servers) await server.stop();
    await keysmith?.stop();
  });

  async function protect(tenant: Tenant, options: Parameters<Tenant['protect']>[0] = {}): Promise<Server> {
    const server = await tenant.protect(options);
    servers.push(server);
    return server;
  }

  describe('a good key', () => {
    it("is let in with its identity as credentials and the rate limit's state in RateLimit-* headers", async () => {
      const { id, secret } = await acme.key({ name: 'webshop', scopes: ['widgets:read'], metadata: { plan: 'gold' } });
      const answer = await request(api, '/widgets/7', { key: secret, from: '203.0.113.5' });
      expect(answer.status).to.equal(200);
      expect(JSON.parse(answer.body)).to.deep.equal({
        strategy: 'keysmith',
        credentials: { keyId: id, name: 'webshop', scopes: ['widgets:read'], metadata: { plan: 'gold' }, environment: 'production' },
      });
      // The default rate limit, 60 per 60 s; the clock stands at the start of a minute.
      expect(answer.headers).to.include({ 'ratelimit-limit': '60', 'ratelimit-remaining': '59', 'ratelimit-reset': '60' });
    });

    it("is logged by Keysmith with the route's pattern as endpoint and the address behind the trusted proxy", async () => {
      const { id, secret } = await acme.key();
      await request(api, '/widgets/7', { key: secret, from: '6.6.6.6, 2001:DB8::5' });
      await keysmith.app.flush();
      const logs = await acme.call('GET', `/v1/keys/${id}/logs`);
      expect(logs.items.map((l: any) => [l.endpoint, l.clientIp, l.code])).to.deep.equal([['GET /widgets/{id}', '2001:db8::5', 'VALID']]);
    });
  });

  describe('no key', () => {
    it("lets hapi try the route's next strategy", async () => {
      const answer = await request(api, '/either', { headers: { 'x-session': 's1' } });
      expect([answer.status, JSON.parse(answer.body).strategy]).to.deep.equal([200, 'session']);
    });

    it("gets hapi's own 401 naming both schemes when no strategy takes the request", async () => {
      expect(seen(await request(api, '/either'))).to.deep.equal({
        status: 401,
        body: '{"statusCode":401,"error":"Unauthorized","message":"Missing authentication"}',
        headers: { ...JSON_TYPE, 'www-authenticate': 'ApiKey, Session' },
      });
    });
  });

  describe('refusals, byte for byte', () => {
    const invalid = refused(401, 'Invalid API Key', { 'www-authenticate': 'ApiKey' });
    const inactive = refused(401, 'Inactive API Key', { 'www-authenticate': 'ApiKey' });

    it('401 Invalid API Key: garbage, a well-formed unknown key, another workspace\'s key', async () => {
      const globex = await keysmith.tenant('globex');
      const theirs = await globex.key();
      for (const key of ['not-a-key', 'acme_live_0123456789abcdefghijABCDEFGHIJ01abcdef', theirs.secret]) {
        expect(seen(await request(api, '/widgets/1', { key, from: '198.51.100.1' })), key).to.deep.equal(invalid);
      }
    });

    it('401 Inactive API Key: disabled and revoked keys', async () => {
      const disabled = await acme.key();
      await acme.call('POST', `/v1/keys/${disabled.id}/disable`);
      const revoked = await acme.key();
      await acme.call('POST', `/v1/keys/${revoked.id}/revoke`);
      expect(seen(await request(api, '/widgets/1', { key: disabled.secret }))).to.deep.equal(inactive);
      expect(seen(await request(api, '/widgets/1', { key: revoked.secret }))).to.deep.equal(inactive);
    });

    it('401 Expired API Key once the key\'s expiry has passed on the service\'s clock', async () => {
      const { secret } = await acme.key({ expiresAt: new Date(keysmith.clock.now().getTime() + 3_600_000).toISOString() });
      expect((await request(api, '/widgets/1', { key: secret })).status).to.equal(200);
      keysmith.clock.advance(2 * 3_600_000);
      expect(seen(await request(api, '/widgets/1', { key: secret }))).to.deep.equal(refused(401, 'Expired API Key', { 'www-authenticate': 'ApiKey' }));
    });

    it('403 IP not allowed: the address behind the proxy is outside the key\'s allow-list', async () => {
      const { secret } = await acme.key({ ipAllowlist: ['10.0.0.0/8'] });
      expect(seen(await request(api, '/widgets/1', { key: secret, from: '198.51.100.7' }))).to.deep.equal(refused(403, 'IP not allowed'));
      // A forged element left of what the proxy appended changes nothing; the appended one counts.
      expect(seen(await request(api, '/widgets/1', { key: secret, from: '10.0.0.1, 198.51.100.7' }))).to.deep.equal(refused(403, 'IP not allowed'));
      expect((await request(api, '/widgets/1', { key: secret, from: '198.51.100.7, 10.1.2.3' })).status).to.equal(200);
    });

    it('403 IP temporarily blocked after 20 invalid keys from one address; other addresses are not', async () => {
      const { secret } = await acme.key();
      for (let i = 0; i < 20; i++) expect((await request(api, '/widgets/1', { key: `guess-${i}`, from: '192.0.2.66' })).status).to.equal(401);
      expect(seen(await request(api, '/widgets/1', { key: secret, from: '192.0.2.66' }))).to.deep.equal(refused(403, 'IP temporarily blocked'));
      expect((await request(api, '/widgets/1', { key: secret, from: '192.0.2.67' })).status).to.equal(200);
    });

    it('403 Forbidden: a scope the route needs, a resource outside the key\'s patterns', async () => {
      const plain = await acme.key({ resources: ['models/gpt-*'] });
      const pusher = await acme.key({ scopes: ['push:send'] });
      expect(seen(await request(api, '/push', { key: plain.secret, method: 'POST' }))).to.deep.equal(refused(403, 'Forbidden'));
      expect((await request(api, '/push', { key: pusher.secret, method: 'POST' })).status).to.equal(200);
      expect(seen(await request(api, '/models/claude', { key: plain.secret }))).to.deep.equal(refused(403, 'Forbidden'));
      expect((await request(api, '/models/gpt-5', { key: plain.secret })).status).to.equal(200);
    });

    it('429 Rate limit exceeded with Retry-After and the key\'s window, once the key\'s rate limit is used', async () => {
      const { secret } = await acme.key({ rateLimit: { limit: 2, windowSeconds: 60 } });
      expect((await request(api, '/widgets/1', { key: secret })).headers['ratelimit-remaining']).to.equal('1');
      expect((await request(api, '/widgets/1', { key: secret })).headers['ratelimit-remaining']).to.equal('0');
      expect(seen(await request(api, '/widgets/1', { key: secret }))).to.deep.equal(
        refused(429, 'Rate limit exceeded', { 'retry-after': '60', 'ratelimit-limit': '2', 'ratelimit-remaining': '0', 'ratelimit-reset': '60' }),
      );
    });

    it("429 exceeded the per-minute rate limit on your subscription, with the plan's window", async () => {
      const initech = await keysmith.tenant('initech');
      await initech.call('PATCH', '/v1/workspace', { planLimits: { perMinute: 1 } });
      const service = await protect(initech);
      const { secret } = await initech.key();
      expect((await request(service, '/widgets/1', { key: secret })).status).to.equal(200);
      expect(seen(await request(service, '/widgets/1', { key: secret }))).to.deep.equal(
        refused(429, 'exceeded the per-minute rate limit on your subscription', {
          'retry-after': '60',
          'ratelimit-limit': '1',
          'ratelimit-remaining': '0',
          'ratelimit-reset': '60',
        }),
      );
    });

    for (const window of ['daily', 'weekly', 'monthly', 'total'] as const) {
      it(`401 Rate limit exceeded: quota ${window}, once the key's ${window} quota is used`, async () => {
        const { secret } = await acme.key({ quota: { [window]: 1 } });
        expect((await request(api, '/widgets/1', { key: secret })).status).to.equal(200);
        expect(seen(await request(api, '/widgets/1', { key: secret }))).to.deep.equal(
          refused(401, `Rate limit exceeded: quota ${window}`, { 'www-authenticate': 'ApiKey' }),
        );
      });
    }

    it("401 Rate limit exceeded: quota credits, once the key's credits are spent", async () => {
      const { secret } = await acme.key({ credits: { remaining: 1 } });
      expect((await request(api, '/widgets/1', { key: secret })).status).to.equal(200);
      expect(seen(await request(api, '/widgets/1', { key: secret }))).to.deep.equal(
        refused(401, 'Rate limit exceeded: quota credits', { 'www-authenticate': 'ApiKey' }),
      );
    });

    it("401 saying the account's balance is used up, once the workspace's shared balance is spent", async function () {
      const hooli = await keysmith.tenant('hooli');
      const res = await keysmith.server.inject({
        method: 'PATCH',
        url: '/v1/workspace',
        headers: { authorization: `Bearer ${hooli.rootKey}` },
        payload: { creditBalance: 1 },
      });
      if (res.statusCode === 400 && res.payload.includes('creditBalance')) this.skip(); // a service without workspace balances
      expect(res.statusCode).to.equal(200);
      const service = await protect(hooli);
      const { secret } = await hooli.key();
      expect((await request(service, '/widgets/1', { key: secret })).status).to.equal(200);
      expect(seen(await request(service, '/widgets/1', { key: secret }))).to.deep.equal(
        refused(401, 'Rate limit exceeded: account balance used up', { 'www-authenticate': 'ApiKey' }),
      );
    });
  });

  describe('the positive cache', () => {
    it('does not let a counted call skip Keysmith: the rate limit still holds with the cache on', async () => {
      const service = await protect(acme, { cacheTtlMs: 60_000 });
      const { secret } = await acme.key({ rateLimit: { limit: 2, windowSeconds: 60 } });
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await request(service, '/widgets/1', { key: secret })).status);
      expect(statuses).to.deep.equal([200, 200, 429]);
    });
  });

  describe('Keysmith unreachable', () => {
    it('503, fail closed, when nothing answers at the configured address', async () => {
      const service = await protect(acme, { client: acme.client({ baseUrl: `http://127.0.0.1:${await closedPort()}`, maxRetries: 0 }) });
      const { secret } = await acme.key();
      expect(seen(await request(service, '/widgets/1', { key: secret }))).to.deep.equal(refused(503, 'Service Unavailable'));
    });

    // Last: it stops the service every other test uses.
    it('503 for a key that was good a moment ago, once the service stops', async () => {
      const { secret } = await acme.key();
      expect((await request(api, '/widgets/1', { key: secret })).status).to.equal(200);
      await keysmith.stop();
      expect(seen(await request(api, '/widgets/1', { key: secret }))).to.deep.equal(refused(503, 'Service Unavailable'));
    });
  });
});
