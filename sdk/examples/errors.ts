import { ApiError, ConflictError, ConnectionError, Keysmith, NotFoundError, PreconditionFailedError, RateLimitError, TimeoutError } from '../src';

const keysmith = new Keysmith();

export async function handlingErrors(keyId: string): Promise<void> {
  try {
    const key = await keysmith.keys.get(keyId);
    await keysmith.keys.update(keyId, { tags: ['vip'] }, { ifMatch: key.version });
  } catch (err) {
    if (err instanceof NotFoundError) {
      console.log(`no key ${keyId} in this workspace`);
    } else if (err instanceof PreconditionFailedError) {
      console.log('changed by someone else since it was read: read it again');
    } else if (err instanceof ConflictError) {
      console.log(err.code); // e.g. KEY_REVOKED
    } else if (err instanceof RateLimitError) {
      console.log(`throttled; retry after ${err.headers['retry-after']} s`);
    } else if (err instanceof ApiError) {
      console.log(err.status, err.code, err.message, err.requestId, err.details);
    } else if (err instanceof TimeoutError) {
      console.log(`no answer in time (request sent: ${err.sent})`);
    } else if (err instanceof ConnectionError) {
      console.log('Keysmith unreachable', err.cause);
    } else {
      throw err;
    }
  }
}

export async function retriesAndThrottling(secret: string): Promise<void> {
  const client = new Keysmith({
    baseUrl: 'https://keys.example.com',
    rootKey: process.env.KEYSMITH_ROOT_KEY,
    timeoutMs: 2_000, // per attempt
    maxRetries: 3, // after the first attempt
    maxConcurrent: 10, // requests in flight at once
    requestsPerSecond: 50, // request starts, retries included
  });

  // Per call: fail fast on the hot path, never wait for a retry.
  const result = await client.verify(secret, { cost: 5 }, { timeoutMs: 300, maxRetries: 0 });
  console.log(result.code);

  // Give up on a call from outside.
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 10_000);
  await client.keys.list({}, { signal: controller.signal });
}
