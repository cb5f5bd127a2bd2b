import Boom from '@hapi/boom';
import { expect } from 'chai';
import { AuthenticationError, ConnectionError, InternalServerError, RateLimitError, ServiceUnavailableError, TimeoutError } from '../src/errors';
import type { VerifyResult } from '../src/types';
import { fakeClient, KEY, protectedServer, valid } from './hapi.helpers';

const NOW = Date.parse('2026-06-01T12:00:00Z');
const now = (): number => NOW;
const inSeconds = (s: number): string => new Date(NOW + s * 1000).toISOString();

describe('hapi plugin: a request with a key', () => {
  it('is authenticated with the key\'s identity as credentials and Keysmith\'s answer as artifacts', async () => {
    const answer = valid({ ratelimit: { limit: 60, remaining: 59, resetAt: inSeconds(42) } });
    const server = await protectedServer({ client: fakeClient(() => answer), now });
    const res = await server.inject({ url: '/widgets/1', headers: { 'x-api-key': KEY } });
    expect(res.statusCode).to.equal(200);
    expect(JSON.parse(res.payload)).to.deep.equal({
      credentials: { keyId: 'key_1', name: 'webshop', scopes: ['widgets:read'], metadata: { plan: 'gold' }, environment: 'production' },
      artifacts: answer,
    });
    expect(res.headers).to.include({ 'ratelimit-limit': '60', 'ratelimit-remaining': '59', 'ratelimit-reset': '42' });
  });

  it('carries the RateLimit fields also when the handler fails (the request was counted)', async () => {
    const answer = valid({ ratelimit: { limit: 5, remaining: 0, resetAt: inSeconds(1.2) } });
    const server = await protectedServer({ client: fakeClient(() => answer), now }, {}, [
      { method: 'GET', path: '/broken', options: { auth: 'keysmith', handler: () => Boom.conflict('busy') } },
    ]);
    const res = await server.inject({ url: '/broken', headers: { 'x-api-key': KEY } });
    expect(res.statusCode).to.equal(409);
    expect(res.headers).to.include({ 'ratelimit-limit': '5', 'ratelimit-remaining': '0', 'ratelimit-reset': '2' });
  });

  it('reads `Authorization: Bearer <key>` when told to', async () => {
    const client = fakeClient();
    const server = await protectedServer({ client, header: 'authorization' });
    expect((await server.inject({ url: '/widgets/1', headers: { authorization: `bearer  ${KEY} ` } })).statusCode).to.equal(200);
    expect(client.calls.map((c) => c.key)).to.deep.equal([KEY]);
  });

  it('sends the strategy\'s access, replaced field by field by the route\'s plugins.keysmith', async () => {
    const client = fakeClient();
    const server = await protectedServer({ client }, { scopes: ['widgets:read'], cost: 2 }, [
      {
        method: 'POST',
        path: '/models/{model}/complete',
        options: {
          auth: 'keysmith',
          plugins: { keysmith: { resource: (request) => `models/${request.params.model}`, scopes: ['models:use'] } },
          handler: () => 'ok',
        },
      },
      { method: 'DELETE', path: '/widgets/{id}', options: { auth: 'keysmith', plugins: { keysmith: { cost: (request) => Number(request.query.n) } }, handler: () => 'ok' } },
    ]);
    await server.inject({ method: 'POST', url: '/models/gpt-5/complete', headers: { 'x-api-key': KEY } });
    await server.inject({ method: 'GET', url: '/widgets/1', headers: { 'x-api-key': KEY } });
    await server.inject({ method: 'DELETE', url: '/widgets/1?n=7', headers: { 'x-api-key': KEY } });
    expect(client.calls.map((c) => c.options)).to.deep.equal([
      { endpoint: 'POST /models/{model}/complete', ip: '127.0.0.1', scopes: ['models:use'], resource: 'models/gpt-5', cost: 2 },
      { endpoint: 'GET /widgets/{id}', ip: '127.0.0.1', scopes: ['widgets:read'], cost: 2 },
      { endpoint: 'DELETE /widgets/{id}', ip: '127.0.0.1', scopes: ['widgets:read'], cost: 7 },
    ]);
  });
});

describe('hapi plugin: a request without a key', () => {
  it('lets hapi try the route\'s next strategy', async () => {
    const client = fakeClient();
    const server = await protectedServer({ client, header: 'authorization' });
    server.auth.scheme('session', () => ({
      authenticate: (request, h) => (request.headers['x-session'] ? h.authenticated({ credentials: { user: { id: 'u1' } } }) : h.unauthenticated(Boom.unauthorized(null, 'Session'))),
    }));
    server.auth.strategy('session', 'session');
    server.route({ method: 'GET', path: '/either', options: { auth: { strategies: ['keysmith', 'session'] }, handler: (r) => r.auth.strategy } });
    const bySession = await server.inject({ url: '/either', headers: { 'x-session': '1' } });
    expect(bySession.payload).to.equal('session');
    // Another scheme in Authorization is another strategy's credential, not a bad key.
    const basic = await server.inject({ url: '/either', headers: { authorization: 'Basic dTpw', 'x-session': '1' } });
    expect(basic.payload).to.equal('session');
    expect(client.calls).to.have.length(0);
    const neither = await server.inject({ url: '/either' });
    expect(neither.statusCode).to.equal(401);
    expect(neither.headers['www-authenticate']).to.equal('Bearer, Session');
  });

  it('gets hapi\'s own 401 where the route has no other strategy', async () => {
    const server = await protectedServer({ client: fakeClient() });
    for (const headers of [{}, { 'x-api-key': '  ' }]) {
      const res = await server.inject({ url: '/widgets/1', headers });
      expect(res.statusCode).to.equal(401);
      expect(res.payload).to.equal('{"statusCode":401,"error":"Unauthorized","message":"Missing authentication"}');
      expect(res.headers['www-authenticate']).to.equal('ApiKey');
    }
  });
});

describe('hapi plugin: answers to refused keys, byte for byte', () => {
  const cases: Array<[string, VerifyResult, number, string, Record<string, string>]> = [
    ['INVALID', { valid: false, code: 'INVALID' }, 401, 'Invalid API Key', { 'www-authenticate': 'ApiKey' }],
    ['REVOKED', { valid: false, code: 'REVOKED', keyId: 'key_1' }, 401, 'Inactive API Key', { 'www-authenticate': 'ApiKey' }],
    ['DISABLED', { valid: false, code: 'DISABLED', keyId: 'key_1' }, 401, 'Inactive API Key', { 'www-authenticate': 'ApiKey' }],
    ['EXPIRED', { valid: false, code: 'EXPIRED', keyId: 'key_1' }, 401, 'Expired API Key', { 'www-authenticate': 'ApiKey' }],
    ['IP_BLOCKED', { valid: false, code: 'IP_BLOCKED' }, 403, 'IP temporarily blocked', {}],
    ['IP_NOT_ALLOWED', { valid: false, code: 'IP_NOT_ALLOWED' }, 403, 'IP not allowed', {}],
    ['FORBIDDEN', { valid: false, code: 'FORBIDDEN' }, 403, 'Forbidden', {}],
    [
      'PLAN_RATE_LIMITED',
      { valid: false, code: 'PLAN_RATE_LIMITED', ratelimit: { limit: 100, remaining: 0, resetAt: inSeconds(17.5) } },
      429,
      'exceeded the per-minute rate limit on your subscription',
      { 'retry-after': '18', 'ratelimit-limit': '100', 'ratelimit-remaining': '0', 'ratelimit-reset': '18' },
    ],
    [
      'RATE_LIMITED',
      { valid: false, code: 'RATE_LIMITED', ratelimit: { limit: 60, remaining: 0, resetAt: inSeconds(60) } },
      429,
      'Rate limit exceeded',
      { 'retry-after': '60', 'ratelimit-limit': '60', 'ratelimit-remaining': '0', 'ratelimit-reset': '60' },
    ],
    ...(['daily', 'weekly', 'monthly', 'total', 'credits'] as const).map(
      (window): [string, VerifyResult, number, string, Record<string, string>] => [
        `QUOTA_EXCEEDED ${window}`,
        { valid: false, code: 'QUOTA_EXCEEDED', window, ratelimit: { limit: 60, remaining: 60, resetAt: inSeconds(60) } },
        401,
        `Rate limit exceeded: quota ${window}`,
        { 'www-authenticate': 'ApiKey' },
      ],
    ),
    [
      'QUOTA_EXCEEDED balance',
      { valid: false, code: 'QUOTA_EXCEEDED', window: 'balance' as never },
      401,
      'Rate limit exceeded: account balance used up',
      { 'www-authenticate': 'ApiKey' },
    ],
    ['a code this version does not know', { valid: false, code: 'SUSPENDED' as never }, 403, 'Forbidden', {}],
  ];

  for (const [name, result, status, message, headers] of cases) {
    it(`${name} → ${status} ${message}`, async () => {
      const server = await protectedServer({ client: fakeClient(() => result), now });
      const res = await server.inject({ url: '/widgets/1', headers: { 'x-api-key': KEY } });
      expect(res.statusCode).to.equal(status);
      expect(res.payload).to.equal(JSON.stringify({ error: message }));
      expect(res.headers['content-type']).to.equal('application/json; charset=utf-8');
      const ours = Object.fromEntries(Object.entries(res.headers).filter(([h]) => /^(www-authenticate|retry-after|ratelimit-)/.test(h)));
      expect(ours).to.deep.equal(headers);
    });
  }

  it('answers Invalid API Key without asking Keysmith for a value no key can have', async () => {
    const client = fakeClient();
    const server = await protectedServer({ client });
    for (const key of ['has space', 'x'.repeat(153), 'naïve']) {
      const res = await server.inject({ url: '/widgets/1', headers: { 'x-api-key': key } });
      expect([res.statusCode, res.payload]).to.deep.equal([401, '{"error":"Invalid API Key"}']);
    }
    expect(client.calls).to.have.length(0);
  });

  it("hands the refusal to the handler in hapi's `try` mode", async () => {
    const server = await protectedServer({ client: fakeClient(() => ({ valid: false, code: 'DISABLED' })) }, {}, [
      { method: 'GET', path: '/maybe', options: { auth: { strategy: 'keysmith', mode: 'try' }, handler: (r) => ({ authenticated: r.auth.isAuthenticated, why: r.auth.error?.message }) } },
    ]);
    const res = await server.inject({ url: '/maybe', headers: { 'x-api-key': KEY } });
    expect(JSON.parse(res.payload)).to.deep.equal({ authenticated: false, why: 'Inactive API Key' });
  });
});

describe('hapi plugin: Keysmith gives no answer', () => {
  const unavailable = '{"error":"Service Unavailable"}';
  const cases: Array<[string, Error, Record<string, string>]> = [
    ['a refused connection', new ConnectionError('connect ECONNREFUSED 127.0.0.1:1'), {}],
    ['a timeout', new TimeoutError('no answer within 2000 ms', true), {}],
    ['503 from Keysmith, with its Retry-After', new ServiceUnavailableError(503, 'UNAVAILABLE', 'database down', 'r1', undefined, { 'retry-after': '5' }), { 'retry-after': '5' }],
    ['500 from Keysmith', new InternalServerError(500, 'INTERNAL', 'boom', 'r2', undefined, {}), {}],
    ['429 from Keysmith after the retries', new RateLimitError(429, 'RATE_LIMITED', 'slow down', 'r3', undefined, { 'retry-after': '2' }), { 'retry-after': '2' }],
  ];
  for (const [what, error, headers] of cases) {
    it(`${what}: 503, fail closed`, async () => {
      const server = await protectedServer({ client: fakeClient(() => error) });
      const res = await server.inject({ url: '/widgets/1', headers: { 'x-api-key': KEY } });
      expect([res.statusCode, res.payload]).to.deep.equal([503, unavailable]);
      expect(res.headers['retry-after']).to.equal(headers['retry-after']);
      expect(res.headers).not.to.have.property('www-authenticate');
    });
  }

  it('a root key Keysmith refuses is this service\'s misconfiguration: 500, and hapi logs it', async () => {
    const server = await protectedServer({ client: fakeClient(() => new AuthenticationError(401, 'UNAUTHORIZED', 'unknown root key', 'r4', undefined, {})) });
    const logged: string[] = [];
    server.events.on({ name: 'request', channels: 'error' }, (_request, event) => logged.push((event.error as Error).name));
    const res = await server.inject({ url: '/widgets/1', headers: { 'x-api-key': KEY } });
    expect(res.statusCode).to.equal(500);
    expect(logged).to.deep.equal(['AuthenticationError']);
  });
});
