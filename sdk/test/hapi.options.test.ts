import Hapi from '@hapi/hapi';
import { expect } from 'chai';
import { keysmithAuth, KeysmithOptionsError } from '../src/hapi';
import { fakeClient } from './hapi.helpers';

async function register(options: unknown): Promise<Hapi.Server> {
  const server = Hapi.server();
  await server.register({ plugin: keysmithAuth, options: options as never });
  return server;
}

async function refusal(options: unknown): Promise<string> {
  try {
    await register(options);
  } catch (err) {
    expect(err).to.be.instanceOf(KeysmithOptionsError);
    return (err as Error).message;
  }
  throw new Error('registration was accepted');
}

describe('hapi plugin: options are checked when registered, naming the option', () => {
  it('needs a client with a verify method', async () => {
    expect(await refusal(undefined)).to.equal('@keysmith/sdk/hapi: options.client must be a Keysmith client (an object with a verify method), got undefined');
    expect(await refusal({ client: { verfy: () => undefined } })).to.match(/options\.client must be a Keysmith client/);
  });

  it('knows two headers', async () => {
    expect(await refusal({ client: fakeClient(), header: 'x-auth' })).to.equal(
      `@keysmith/sdk/hapi: options.header must be 'x-api-key' or 'authorization', got "x-auth"`,
    );
  });

  it('takes addresses and CIDRs as trusted proxies, nothing else', async () => {
    await register({ client: fakeClient(), trustedProxies: ['10.0.0.0/8', '127.0.0.1', '2001:db8::/32', '::1', '::ffff:10.1.2.3'] });
    expect(await refusal({ client: fakeClient(), trustedProxies: '10.0.0.0/8' })).to.equal(
      '@keysmith/sdk/hapi: options.trustedProxies must be an array of addresses and CIDRs, got "10.0.0.0/8"',
    );
    for (const bad of ['10.0.0.0/33', 'localhost', '2001:db8::/129', '10.0.0.0/', 'fe80::1%eth0']) {
      expect(await refusal({ client: fakeClient(), trustedProxies: ['127.0.0.1', bad] })).to.equal(
        `@keysmith/sdk/hapi: options.trustedProxies[1] must be an IP address or CIDR such as 10.0.0.0/8, got ${JSON.stringify(bad)}`,
      );
    }
  });

  it('bounds the cache TTL', async () => {
    for (const bad of [-1, 1.5, '1000', 3_600_001]) {
      expect(await refusal({ client: fakeClient(), cacheTtlMs: bad })).to.equal(
        `@keysmith/sdk/hapi: options.cacheTtlMs must be an integer from 0 (off) to 3600000 ms, got ${JSON.stringify(bad)}`,
      );
    }
  });

  it('refuses an option it does not know (a typo would otherwise be ignored)', async () => {
    expect(await refusal({ client: fakeClient(), trustedProxy: ['10.0.0.0/8'] })).to.equal(
      '@keysmith/sdk/hapi: options.trustedProxy is not an option (known: client, header, trustedProxies, cacheTtlMs, now)',
    );
  });

  it('checks strategy options when the strategy is made', async () => {
    const server = await register({ client: fakeClient() });
    const strategy = (options: unknown) => () => server.auth.strategy(`s${Math.random()}`, 'keysmith', options as object);
    expect(strategy({ scopes: 'widgets:read' })).to.throw('@keysmith/sdk/hapi: strategy options.scopes must be an array of at most 64 scopes, got "widgets:read"');
    expect(strategy({ scopes: ['ok', ''] })).to.throw('strategy options.scopes[1] must be a scope name of 1–128 characters, got ""');
    expect(strategy({ cost: -1 })).to.throw('strategy options.cost must be an integer from 0 to 1000000 or a function of the request, got -1');
    expect(strategy({ resource: 7 })).to.throw('strategy options.resource must be a string of 1–512 characters or a function of the request, got 7');
    expect(strategy({ scope: ['a'] })).to.throw('strategy options.scope is not an option (known: scopes, resource, cost)');
    expect(strategy({ scopes: ['a'], resource: (r: Hapi.Request) => r.params.id, cost: 0 })).not.to.throw();
  });

  it("fails the server's start on a route whose plugins.keysmith is wrong, naming the route", async () => {
    const server = await register({ client: fakeClient() });
    server.auth.strategy('keysmith', 'keysmith');
    server.route({ method: 'POST', path: '/send', options: { auth: 'keysmith', plugins: { keysmith: { cost: 'two' as never } }, handler: () => 'ok' } });
    let message = '';
    await server.initialize().catch((err: Error) => (message = err.message));
    expect(message).to.equal('@keysmith/sdk/hapi: route POST /send: plugins.keysmith.cost must be an integer from 0 to 1000000 or a function of the request, got "two"');
  });
});
