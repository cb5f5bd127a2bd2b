import { Keysmith } from '@keysmith/sdk';
import type { AttributePath, Diagnostic, ProviderCore, TfValue } from './framework/contract';
import { FrameworkProvider } from './framework/core';
import { attributeError, type Diagnostics } from './framework/diagnostics';
import type { SchemaSpec } from './framework/schema';
import { apiKeyDataSource } from './resources/apiKeyData';
import { apiKeyResource } from './resources/apiKey';
import { quotaPolicyDataSource, quotaPolicyResource } from './resources/quotaPolicy';

export interface ProviderOptions {
  /** The provider's clock (rotation due is measured by it). @default `KEYSMITH_PROVIDER_NOW` if set, else the system clock */
  now?: () => Date;
  /** The fetch the SDK client uses. @default `globalThis.fetch` */
  fetch?: typeof fetch;
}

interface ProviderConfig {
  endpoint: string | null | undefined;
  root_key: string | null | undefined;
  max_concurrent: number | null | undefined;
  requests_per_second: number | null | undefined;
  max_retries: number | null | undefined;
  timeout_ms: number | null | undefined;
}

const positive =
  (whole: boolean, minimum: number) =>
  (value: TfValue, path: AttributePath): Diagnostic[] =>
    typeof value === 'number' && !(value >= minimum && Number.isFinite(value) && (!whole || Number.isSafeInteger(value)))
      ? [attributeError(path, 'Invalid provider setting', `Expected ${whole ? 'a whole number' : 'a number'} of at least ${minimum}, got ${value}.`)]
      : [];

const validateEndpoint = (value: TfValue, path: AttributePath): Diagnostic[] => {
  if (typeof value !== 'string') return [];
  return isHttpUrl(value) ? [] : [attributeError(path, 'Invalid endpoint', `Expected an http(s) URL such as "https://keys.example.com", got "${value}".`)];
};

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

export const providerSchema: SchemaSpec = {
  version: 0,
  block: {
    description: 'Keysmith: API keys, quota policies and rotations as code.',
    attributes: {
      endpoint: { type: 'string', description: 'The Keysmith service URL. Default: the KEYSMITH_ENDPOINT environment variable.', optional: true, validate: validateEndpoint },
      root_key: { type: 'string', description: 'A root key with keys:read, keys:write and policies:write. Default: KEYSMITH_ROOT_KEY.', optional: true, sensitive: true },
      max_concurrent: { type: 'number', description: 'At most this many requests in flight at once.', optional: true, validate: positive(true, 1) },
      requests_per_second: { type: 'number', description: 'At most this many request starts per second, retries included.', optional: true, validate: positive(false, 0.001) },
      max_retries: { type: 'number', description: 'Retries of a call after a retryable failure (default 2).', optional: true, validate: positive(true, 0) },
      timeout_ms: { type: 'number', description: 'How long one attempt may take, in milliseconds (default 10000).', optional: true, validate: positive(true, 1) },
    },
  },
};

/** The provider clock: the injected one, else `KEYSMITH_PROVIDER_NOW` (a fixed ISO time, for tests only), else the system's. */
function clockFrom(options: ProviderOptions): { now: () => Date; problem?: string } {
  if (options.now) return { now: options.now };
  const fixed = process.env.KEYSMITH_PROVIDER_NOW;
  if (fixed === undefined || fixed === '') return { now: () => new Date() };
  const at = new Date(fixed);
  if (Number.isNaN(at.getTime())) return { now: () => new Date(), problem: `KEYSMITH_PROVIDER_NOW is "${fixed}", which is not an ISO time.` };
  return { now: () => new Date(at) };
}

/** The Keysmith provider as the protocol layer drives it. */
export function createProvider(options: ProviderOptions = {}): ProviderCore {
  const clock = clockFrom(options);
  return new FrameworkProvider<Keysmith>({
    schema: providerSchema,
    now: clock.now,
    resources: [apiKeyResource, quotaPolicyResource],
    dataSources: [apiKeyDataSource, quotaPolicyDataSource],
    configure(raw, diagnostics, _terraformVersion) {
      const config = raw as unknown as ProviderConfig;
      if (clock.problem) diagnostics.error('Invalid provider clock', clock.problem);
      const endpoint = setting(config.endpoint, 'KEYSMITH_ENDPOINT', ['endpoint'], 'endpoint', diagnostics);
      const rootKey = setting(config.root_key, 'KEYSMITH_ROOT_KEY', ['root_key'], 'root key', diagnostics);
      if (endpoint !== null && config.endpoint == null && !isHttpUrl(endpoint)) {
        diagnostics.error('Invalid endpoint', `KEYSMITH_ENDPOINT is "${endpoint}"; expected an http(s) URL such as "https://keys.example.com".`, ['endpoint']);
      }
      if (endpoint === null || rootKey === null || diagnostics.hasErrors()) return null;
      try {
        return new Keysmith({
          baseUrl: endpoint,
          rootKey,
          ...(options.fetch ? { fetch: options.fetch } : {}),
          ...(typeof config.max_concurrent === 'number' ? { maxConcurrent: config.max_concurrent } : {}),
          ...(typeof config.requests_per_second === 'number' ? { requestsPerSecond: config.requests_per_second } : {}),
          ...(typeof config.max_retries === 'number' ? { maxRetries: config.max_retries } : {}),
          ...(typeof config.timeout_ms === 'number' ? { timeoutMs: config.timeout_ms } : {}),
        });
      } catch (err) {
        // The settings were validated above; this is the SDK's own refusal, said plainly all the same.
        diagnostics.error('Cannot make the Keysmith client', err instanceof Error ? err.message : String(err));
        return null;
      }
    },
  });
}

function setting(value: string | null | undefined, env: string, path: AttributePath, what: string, diagnostics: Diagnostics): string | null {
  if (value === undefined) {
    diagnostics.error(`Unknown ${what}`, `The provider's ${path[0]} depends on a value not known until apply; the provider needs it to plan.`, path);
    return null;
  }
  const chosen = value ?? process.env[env] ?? '';
  if (chosen === '') {
    diagnostics.error(`Missing ${what}`, `Set ${path[0]} in the provider block or the ${env} environment variable.`, path);
    return null;
  }
  return chosen;
}
