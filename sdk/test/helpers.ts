import nock from 'nock';
import { Keysmith, type ClientOptions } from '../src';

// nock 15's interceptors call Promise.withResolvers, which Node gained in 22; Node 20 needs this shim.
const promiseStatics = Promise as unknown as { withResolvers?: () => unknown };
promiseStatics.withResolvers ??= function withResolvers() {
  let resolve!: (value: unknown) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};

// Importing nock switches interception on for the whole process; other suites run in the same mocha
// process and talk to real sockets, so it stays off until a suite asks for it with useNock().
nock.restore();

export { nock };

/** Intercepts HTTP for this suite only, with real network connections refused; every mock must be used. */
export function useNock(): void {
  before(() => {
    if (!nock.isActive()) nock.activate();
    nock.disableNetConnect();
  });
  afterEach(() => {
    const pending = nock.pendingMocks();
    nock.cleanAll();
    if (pending.length > 0) throw new Error(`mocks not called: ${pending.join(', ')}`);
  });
  after(() => {
    nock.enableNetConnect();
    nock.restore();
  });
}
export const BASE_URL = 'http://keysmith.test';
export const ROOT_KEY = 'acme_root_testtesttesttesttest';

/** A client whose waits are recorded instead of slept, so retry tests run instantly and can check the delays. */
export function recordingClient(options: ClientOptions = {}): { client: Keysmith; waits: number[] } {
  const waits: number[] = [];
  const client = new Keysmith({
    baseUrl: BASE_URL,
    rootKey: ROOT_KEY,
    sleep: async (ms) => {
      waits.push(ms);
    },
    ...options,
  });
  return { client, waits };
}

/** nock for the test service. */
export const api = (): nock.Scope => nock(BASE_URL);

/** An error shaped like the service's. */
export function errorBody(code: string, message = 'nope', requestId = 'req_1', details?: unknown): object {
  return { error: { code, message, requestId, ...(details ? { details } : {}) } };
}

/** A fetch that never answers: it rejects only when its signal aborts, as a real hung request does. */
export function hangingFetch(calls: { count: number }): typeof fetch {
  return (_input, init) => {
    calls.count++;
    return new Promise((_, reject) => {
      const signal = init?.signal;
      signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
  };
}

/** A verification answer. */
export const VALID = { valid: true, code: 'VALID', keyId: 'key_1', name: 'k', environment: 'production', scopes: [] };
