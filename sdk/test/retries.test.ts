import { expect } from 'chai';
import { ConnectionError, InternalServerError, RateLimitError, RequestAbortedError, TimeoutError } from '../src';
import { Transport } from '../src/transport';
import { BASE_URL, ROOT_KEY, api, errorBody, hangingFetch, useNock } from './helpers';

/** A transport with recorded waits, for calls the resources make (here: a management read and a create). */
function transport(options: { maxRetries?: number; fetch?: typeof fetch; random?: () => number } = {}) {
  const waits: number[] = [];
  const t = new Transport({
    baseUrl: BASE_URL,
    rootKey: ROOT_KEY,
    timeoutMs: 200,
    maxRetries: options.maxRetries ?? 2,
    fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    sleep: async (ms) => {
      waits.push(ms);
    },
    random: options.random ?? Math.random,
  });
  return { t, waits };
}

describe('sdk retries', () => {
  useNock();

  it('retries 500, 502 and 408 with exponential backoff, then answers', async () => {
    api().get('/v1/keys').reply(500, errorBody('INTERNAL')).get('/v1/keys').reply(502).get('/v1/keys').reply(408).get('/v1/keys').reply(200, { items: [], nextCursor: null });
    const { t, waits } = transport({ maxRetries: 3, random: () => 0 });
    const res = await t.request({ method: 'GET', path: '/v1/keys', retry: 'safe' });
    expect(res.body).to.deep.equal({ items: [], nextCursor: null });
    expect(waits).to.deep.equal([500, 1000, 2000]);
  });

  it('jitters each wait down by at most a quarter', async () => {
    api().get('/v1/keys').times(3).reply(500).get('/v1/keys').reply(200, {});
    const { t, waits } = transport({ maxRetries: 3, random: () => 1 });
    await t.request({ method: 'GET', path: '/v1/keys', retry: 'safe' });
    expect(waits).to.deep.equal([375, 750, 1500]);
  });

  it('gives up after maxRetries and throws the last answer', async () => {
    api().get('/v1/keys').times(3).reply(500, errorBody('INTERNAL', 'broken', 'req_3'));
    const { t } = transport({ maxRetries: 2 });
    const err = await t.request({ method: 'GET', path: '/v1/keys', retry: 'safe' }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(InternalServerError);
    expect((err as InternalServerError).requestId).to.equal('req_3');
  });

  it('maxRetries per call overrides the client: 0 means one attempt', async () => {
    api().get('/v1/keys/key_1').reply(500);
    const { t } = transport({ maxRetries: 5 });
    const err = await t.request({ method: 'GET', path: '/v1/keys/key_1', retry: 'safe' }, { maxRetries: 0 }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(InternalServerError);
  });

  it("waits a 429's Retry-After (seconds) instead of the backoff", async () => {
    api().get('/v1/keys').reply(429, errorBody('RATE_LIMITED'), { 'retry-after': '3' }).get('/v1/keys').reply(200, {});
    const { t, waits } = transport();
    await t.request({ method: 'GET', path: '/v1/keys', retry: 'safe' });
    // The first wait is the limiter's pause, the second the retry's own; both last the Retry-After.
    expect(waits).to.deep.equal([3000, 3000]);
  });

  it('reads Retry-After given as an HTTP date', async () => {
    const at = new Date(Date.now() + 5_000).toUTCString();
    api().get('/v1/keys').reply(503, errorBody('UNAVAILABLE'), { 'retry-after': at }).get('/v1/keys').reply(200, {});
    const { t, waits } = transport();
    await t.request({ method: 'GET', path: '/v1/keys', retry: 'safe' });
    expect(waits).to.have.length(1);
    expect(waits[0]).to.be.within(3_000, 5_000);
  });

  it('does not wait out a Retry-After of more than a minute: it throws at once', async () => {
    api().get('/v1/keys').reply(429, errorBody('RATE_LIMITED'), { 'retry-after': '3600' });
    const { t, waits } = transport();
    const err = await t.request({ method: 'GET', path: '/v1/keys', retry: 'safe' }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(RateLimitError);
    expect((err as RateLimitError).headers['retry-after']).to.equal('3600');
    // Nor does it hold the client's other calls back for an hour: they get their own answer.
    expect(waits).to.deep.equal([]);
  });

  it('does not retry other client errors', async () => {
    api().get('/v1/keys/key_1').reply(404, errorBody('NOT_FOUND'));
    const { t, waits } = transport();
    await t.request({ method: 'GET', path: '/v1/keys/key_1', retry: 'safe' }).catch(() => undefined);
    expect(waits).to.deep.equal([]);
  });

  it('retries a connection reset for a management read', async () => {
    api().get('/v1/keys').replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })).get('/v1/keys').reply(200, { ok: true });
    const { t } = transport();
    expect((await t.request({ method: 'GET', path: '/v1/keys', retry: 'safe' })).body).to.deep.equal({ ok: true });
  });

  it('times out an attempt by AbortSignal and retries a management read; TimeoutError once retries are spent', async () => {
    const calls = { count: 0 };
    const { t, waits } = transport({ fetch: hangingFetch(calls), maxRetries: 1 });
    const err = await t.request({ method: 'GET', path: '/v1/keys', retry: 'safe' }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(TimeoutError).and.instanceOf(ConnectionError);
    expect((err as TimeoutError).sent).to.equal(true);
    expect(calls.count).to.equal(2);
    expect(waits).to.have.length(1);
  });

  it("the caller's signal aborts the call and its retries", async () => {
    const controller = new AbortController();
    const calls = { count: 0 };
    const { t } = transport({ fetch: hangingFetch(calls) });
    const pending = t.request({ method: 'GET', path: '/v1/keys', retry: 'safe' }, { signal: controller.signal, timeoutMs: 10_000 });
    setTimeout(() => controller.abort(), 20);
    expect(await pending.catch((e: unknown) => e)).to.be.instanceOf(RequestAbortedError);
    expect(calls.count).to.equal(1);
  });

  it('sends one generated Idempotency-Key with every attempt of a create', async () => {
    const seen: string[] = [];
    api()
      .post('/v1/keys')
      .times(3)
      .reply((req: Request) => {
        seen.push(req.headers.get('idempotency-key')!);
        return seen.length < 3 ? [503, errorBody('UNAVAILABLE')] : [201, { key: { id: 'key_1' }, secret: 's' }];
      });
    const { t } = transport();
    await t.request({ method: 'POST', path: '/v1/keys', body: { name: 'billing' }, retry: 'safe', idempotent: true });
    expect(seen).to.have.length(3);
    expect(new Set(seen).size).to.equal(1);
    expect(seen[0]).to.match(/^[0-9a-f-]{36}$/);
  });

  it('a given Idempotency-Key is sent as is, on rotate too, and a new call gets a new generated one', async () => {
    const seen: string[] = [];
    api()
      .post('/v1/keys/key_1/rotate')
      .times(3)
      .reply((req: Request) => {
        seen.push(req.headers.get('idempotency-key')!);
        return seen.length === 1 ? [500] : [200, { key: { id: 'key_1' }, secret: 's' }];
      });
    const { t } = transport();
    const rotate = { method: 'POST', path: '/v1/keys/key_1/rotate', retry: 'safe', idempotent: true } as const;
    await t.request(rotate, { idempotencyKey: 'rotate-2026-06' });
    await t.request(rotate);
    expect(seen.slice(0, 2)).to.deep.equal(['rotate-2026-06', 'rotate-2026-06']);
    expect(seen[2]).to.not.equal('rotate-2026-06');
  });
});
