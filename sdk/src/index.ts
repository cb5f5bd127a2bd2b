/** `@keysmith/sdk`: the typed client for the Keysmith API. */
export { Keysmith, type ClientOptions } from './client';
export type { RequestOptions } from './transport';
export * from './errors';
export type * from './types';
