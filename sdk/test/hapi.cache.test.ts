import { expect } from 'chai';
import type { VerifyResult } from '../src/types';
import { fakeClient, KEY, protectedServer, valid } from './hapi.helpers';

describe('hapi plugin: the positive cache (cacheTtlMs)', () => {
  let clock = 0;
  const now = (): number => clock;
  beforeEach(() => (clock = Date.parse('2026-06-01T12:00:00Z')));

  async function setup(answers: () => VerifyResult, strategy = { cost: 0 }) {
    const client = fakeClient(answers);
    const server = await protectedServer({ client, cacheTtlMs: 5_000, now }, strategy);
    const get = async (headers: Record<string, string> = {}) =>
      (await server.inject({ url: '/widgets/1', headers: { 'x-api-key': KEY, ...headers } })).statusCode;
    return { client, get };
  }

  it('is off unless asked for', async () => {
    const client = fakeClient();
    const server = await protectedServer({ client }, { cost: 0 });
    await server.inject({ url: '/widgets/1', headers: { 'x-api-key': KEY } });
    await server.inject({ url: '/widgets/1', headers: { 'x-api-key': KEY } });
    expect(client.calls).to.have.length(2);
  });

  it('reuses a VALID that consumed nothing until the TTL, and a revoked key stays in for that long (the trade-off)', async () => {
    let answer: VerifyResult = valid();
    const { client, get } = await setup(() => answer);
    expect(await get()).to.equal(200);
    answer = { valid: false, code: 'REVOKED' };
    clock += 4_999;
    expect(await get()).to.equal(200);
    expect(client.calls).to.have.length(1);
    clock += 1;
    expect(await get()).to.equal(401);
    expect(client.calls).to.have.length(2);
  });

  it('is per key, address and access: another client address asks Keysmith', async () => {
    const { client, get } = await setup(() => valid());
    await get();
    await get({ 'x-forwarded-for': '203.0.113.1' }); // not a trusted proxy: same peer, same entry
    expect(client.calls).to.have.length(1);
    await get({ 'x-api-key': `${KEY}x` });
    expect(client.calls).to.have.length(2);
  });

  it('never keeps an answer whose call was counted: a rate limit, a quota, credits, or a cost above 0', async () => {
    const counted: Array<[string, VerifyResult, { cost?: number }]> = [
      ['rate limit', valid({ ratelimit: { limit: 60, remaining: 59, resetAt: new Date(clock + 60_000).toISOString() } }), { cost: 0 }],
      ['quota', valid({ quota: [{ window: 'daily', limit: 10, remaining: 9, resetAt: null }] }), { cost: 0 }],
      ['credits', valid({ credits: 9 }), { cost: 0 }],
      ['a field this version does not know', { ...valid(), balance: 99 } as VerifyResult, { cost: 0 }],
      ['cost 1 by default (the workspace balance may pay for it)', valid(), {}],
    ];
    for (const [what, answer, strategy] of counted) {
      const { client, get } = await setup(() => answer, strategy as { cost: number });
      await get();
      await get();
      expect(client.calls, what).to.have.length(2);
    }
  });

  it('never keeps a refusal: every invalid key must reach Keysmith, which blocks guessing addresses', async () => {
    const { client, get } = await setup(() => ({ valid: false, code: 'INVALID' }));
    await get();
    await get();
    expect(client.calls).to.have.length(2);
  });

  it("does not outlive the key's own expiry", async () => {
    const { client, get } = await setup(() => valid({ expiresAt: new Date(clock + 1_000).toISOString() }));
    await get();
    clock += 999;
    await get();
    expect(client.calls).to.have.length(1);
    clock += 1;
    await get();
    expect(client.calls).to.have.length(2);
  });
});
