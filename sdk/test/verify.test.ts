import { expect } from 'chai';
import { ConnectionError, InternalServerError, RateLimitError, ServiceUnavailableError, TimeoutError } from '../src';
import { VALID, api, errorBody, hangingFetch, useNock, recordingClient } from './helpers';

describe('sdk verify', () => {
  useNock();

  it('posts the key and the request facts with the root key, and returns the answer as data', async () => {
    api()
      .post('/v1/verify', { key: 'acme_live_abc', ip: '203.0.113.9', scopes: ['reports:read'], cost: 2, endpoint: 'GET /reports' })
      .matchHeader('authorization', 'Bearer acme_root_testtesttesttesttest')
      .matchHeader('content-type', 'application/json')
      .reply(200, VALID);
    const { client } = recordingClient();
    const result = await client.verify('acme_live_abc', { ip: '203.0.113.9', scopes: ['reports:read'], cost: 2, endpoint: 'GET /reports' });
    expect(result).to.deep.equal(VALID);
  });

  it('a denial is data, not an error', async () => {
    api().post('/v1/verify').reply(200, { valid: false, code: 'QUOTA_EXCEEDED', window: 'daily' });
    const result = await recordingClient().client.verify('acme_live_abc');
    expect([result.valid, result.code]).to.deep.equal([false, 'QUOTA_EXCEEDED']);
  });

  it('is retried after a refused connection (it cannot have been counted)', async () => {
    api().post('/v1/verify').replyWithError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })).post('/v1/verify').reply(200, VALID);
    const { client, waits } = recordingClient();
    expect((await client.verify('k')).valid).to.equal(true);
    expect(waits).to.have.length(1);
  });

  it('is retried after 429 and 503, waiting their Retry-After', async () => {
    api()
      .post('/v1/verify')
      .reply(429, errorBody('RATE_LIMITED'), { 'retry-after': '2' })
      .post('/v1/verify')
      .reply(503, errorBody('UNAVAILABLE'), { 'retry-after': '1' })
      .post('/v1/verify')
      .reply(200, VALID);
    const { client, waits } = recordingClient();
    expect((await client.verify('k')).valid).to.equal(true);
    // 429: the limiter's pause and the retry's wait; 503: the retry's wait.
    expect(waits).to.deep.equal([2000, 2000, 1000]);
  });

  it('is not retried after a reset connection: the service may have counted it', async () => {
    api().post('/v1/verify').replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    const { client, waits } = recordingClient();
    const err = await client.verify('k').catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ConnectionError).and.not.instanceOf(TimeoutError);
    expect(waits).to.deep.equal([]);
  });

  it('is not retried after a 500 or 502', async () => {
    api().post('/v1/verify').reply(500, errorBody('INTERNAL')).post('/v1/verify').reply(502);
    const { client } = recordingClient();
    expect(await client.verify('k').catch((e: unknown) => e)).to.be.instanceOf(InternalServerError);
    expect(await client.verify('k').catch((e: unknown) => e)).to.be.instanceOf(InternalServerError);
  });

  it('is never retried after the timeout of a request that was sent', async () => {
    const calls = { count: 0 };
    const { client, waits } = recordingClient({ fetch: hangingFetch(calls), timeoutMs: 50, maxRetries: 3 });
    const err = await client.verify('k').catch((e: unknown) => e);
    expect(err).to.be.instanceOf(TimeoutError);
    expect((err as TimeoutError).sent).to.equal(true);
    expect((err as TimeoutError).message).to.equal('no answer from the Keysmith service within 50 ms');
    expect([calls.count, waits.length]).to.deep.equal([1, 0]);
  });

  it('gives up after maxRetries of 503 with ServiceUnavailableError; per call maxRetries wins', async () => {
    api().post('/v1/verify').times(2).reply(503, errorBody('UNAVAILABLE'), { 'retry-after': '1' });
    const { client } = recordingClient({ maxRetries: 5 });
    const err = await client.verify('k', {}, { maxRetries: 1 }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ServiceUnavailableError);
  });

  it('a 429 after the last retry is a RateLimitError with its headers', async () => {
    api().post('/v1/verify').reply(429, errorBody('RATE_LIMITED'), { 'retry-after': '7' });
    const err = (await recordingClient({ maxRetries: 0 }).client.verify('k').catch((e: unknown) => e)) as RateLimitError;
    expect(err).to.be.instanceOf(RateLimitError);
    expect(err.headers['retry-after']).to.equal('7');
  });
});
