import Hapi from '@hapi/hapi';
import { Keysmith } from '../src';
import { keysmithAuth, type KeysmithRefs } from '../src/hapi';

export async function protectedService(): Promise<Hapi.Server> {
  const server = Hapi.server({ host: '0.0.0.0', port: 3000 });
  await server.register({
    plugin: keysmithAuth,
    options: {
      client: new Keysmith({ baseUrl: 'https://keys.example.com', rootKey: process.env.KEYSMITH_ROOT_KEY }),
      header: 'x-api-key', // or 'authorization' for `Authorization: Bearer <key>`
      trustedProxies: ['10.0.0.0/8'], // your load balancers: X-Forwarded-For is believed through them only
    },
  });
  server.auth.strategy('keysmith', 'keysmith', { scopes: ['widgets:read'] });
  server.auth.default('keysmith');

  server.route<KeysmithRefs>({
    method: 'GET',
    path: '/widgets/{id}',
    handler: (request) => ({ id: request.params.id, owner: request.auth.credentials.keyId }),
  });
  return server;
}

export function perRouteAccess(server: Hapi.Server): void {
  server.route({
    method: 'POST',
    path: '/models/{model}/complete',
    options: {
      plugins: {
        // Replaces the strategy's scopes; names the resource; spends 5 credits per call.
        keysmith: { scopes: ['models:use'], resource: (request) => `models/${request.params.model}`, cost: 5 },
      },
      handler: () => ({ ok: true }),
    },
  });
}

export function fallbackStrategy(server: Hapi.Server): void {
  // No key: hapi tries the next strategy (here a session cookie) before it answers 401.
  server.route({
    method: 'GET',
    path: '/reports',
    options: { auth: { strategies: ['keysmith', 'session'] }, handler: (request) => ({ by: request.auth.strategy }) },
  });
}

export function hotPathClient(): Keysmith {
  // On the request path: answer 503 after 300 ms rather than hold the caller through retries.
  return new Keysmith({ baseUrl: 'https://keys.example.com', rootKey: process.env.KEYSMITH_ROOT_KEY, timeoutMs: 300, maxRetries: 1 });
}
