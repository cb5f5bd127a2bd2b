import Hapi, { type ServerRoute } from '@hapi/hapi';
import { keysmithAuth, type KeysmithAccess, type KeysmithPluginOptions } from '../src/hapi';
import type { VerifyOptions, VerifyResult } from '../src/types';

export interface VerifyCall {
  key: string;
  options: VerifyOptions;
}

/** A stand-in for the Keysmith client: records each call and answers with `answer`'s result (or throws its error). */
export function fakeClient(answer: (call: VerifyCall) => VerifyResult | Error = () => valid()) {
  const calls: VerifyCall[] = [];
  return {
    calls,
    async verify(key: string, options: VerifyOptions = {}): Promise<VerifyResult> {
      const call = { key, options };
      calls.push(call);
      const result = answer(call);
      if (result instanceof Error) throw result;
      return result;
    },
  };
}

export const KEY = 'acme_live_0123456789abcdefghijABCDEFGHIJ01abcdef';

export function valid(extra: Partial<VerifyResult> = {}): VerifyResult {
  return {
    valid: true,
    code: 'VALID',
    keyId: 'key_1',
    name: 'webshop',
    environment: 'production',
    scopes: ['widgets:read'],
    metadata: { plan: 'gold' },
    expiresAt: null,
    ...extra,
  };
}

/** A fresh server with the plugin, a `keysmith` strategy, and `GET /widgets/{id}` protected by it (answers its credentials). */
export async function protectedServer(
  options: Omit<KeysmithPluginOptions, 'client'> & { client: KeysmithPluginOptions['client'] },
  strategy: KeysmithAccess = {},
  routes: ServerRoute[] = [],
): Promise<Hapi.Server> {
  const server = Hapi.server();
  await server.register({ plugin: keysmithAuth, options });
  server.auth.strategy('keysmith', 'keysmith', strategy);
  server.route({
    method: 'GET',
    path: '/widgets/{id}',
    options: { auth: 'keysmith', handler: (request) => ({ credentials: request.auth.credentials, artifacts: request.auth.artifacts }) },
  });
  if (routes.length > 0) server.route(routes);
  return server;
}
