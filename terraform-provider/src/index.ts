/** The Keysmith Terraform provider: the core the plugin-protocol server drives. */
export { createProvider, type ProviderOptions } from './provider';
export * from './framework/contract';
