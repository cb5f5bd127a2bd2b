/**
 * `@keysmith/sdk/hapi`: protect a Hapi service with Keysmith keys.
 *
 * ```ts
 * await server.register({ plugin: keysmithAuth, options: { client: new Keysmith() } });
 * server.auth.strategy('keysmith', 'keysmith', { scopes: ['widgets:read'] });
 * server.auth.default('keysmith');
 * ```
 */
export { keysmithAuth, SCHEME, type KeysmithArtifacts, type KeysmithCredentials, type KeysmithRefs } from './plugin';
export { KeysmithOptionsError, type KeyHeader, type KeysmithAccess, type KeysmithPluginOptions } from './options';
