/**
 * Compile-time tests of the plugin's types: `tsc -b` fails if a wrong use compiles (an unused
 * `@ts-expect-error` is itself an error) or a right one does not. Nothing here runs.
 */
import Hapi from '@hapi/hapi';
import { Keysmith } from '../src';
import { keysmithAuth, type KeysmithRefs } from '../src/hapi';

export async function wrongUsesDoNotCompile(server: Hapi.Server, client: Keysmith): Promise<void> {
  // @ts-expect-error the client is required
  await server.register({ plugin: keysmithAuth, options: { header: 'x-api-key' } });
  // @ts-expect-error the header is x-api-key or authorization
  await server.register({ plugin: keysmithAuth, options: { client, header: 'x-auth-token' } });
  // @ts-expect-error trusted proxies are a list
  await server.register({ plugin: keysmithAuth, options: { client, trustedProxies: '10.0.0.0/8' } });
  server.route({
    method: 'GET',
    path: '/',
    // @ts-expect-error a route's cost is a number or a function of the request
    options: { plugins: { keysmith: { cost: 'two' } }, handler: () => 'ok' },
  });
  server.route({
    method: 'GET',
    path: '/',
    // @ts-expect-error a misspelt access field is refused, not ignored
    options: { plugins: { keysmith: { scope: ['push:send'] } }, handler: () => 'ok' },
  });
  server.route<KeysmithRefs>({
    method: 'GET',
    path: '/',
    // @ts-expect-error credentials have keyId, not id
    handler: (request) => request.auth.credentials.id,
  });
}

export async function rightUsesCompile(server: Hapi.Server, client: Keysmith): Promise<void> {
  await server.register({ plugin: keysmithAuth, options: { client, header: 'authorization', trustedProxies: ['10.0.0.0/8'], cacheTtlMs: 1_000 } });
  server.route<KeysmithRefs>({
    method: 'POST',
    path: '/models/{model}',
    options: {
      plugins: { keysmith: { scopes: ['models:use'], resource: (request) => `models/${request.params.model}`, cost: (request) => Number(request.query.n ?? 1) } },
      handler: (request) => ({
        key: request.auth.credentials.keyId,
        environment: request.auth.credentials.environment,
        remaining: request.auth.artifacts.ratelimit?.remaining,
      }),
    },
  });
}
