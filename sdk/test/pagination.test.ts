import { expect } from 'chai';
import { api, recordingClient, useNock } from './helpers';

const key = (id: string) => ({ id, name: id });

describe('sdk pagination', () => {
  useNock();

  it('awaiting a list gives the first page; getNextPage follows the cursor until null', async () => {
    api()
      .get('/v1/keys')
      .query({ status: 'active', limit: 2 })
      .reply(200, { items: [key('k1'), key('k2')], nextCursor: 'c2' })
      .get('/v1/keys')
      .query({ status: 'active', limit: 2, cursor: 'c2' })
      .reply(200, { items: [key('k3')], nextCursor: null });
    const { client } = recordingClient();
    const first = await client.keys.list({ status: 'active', limit: 2 });
    expect(first.items.map((k) => k.id)).to.deep.equal(['k1', 'k2']);
    expect([first.nextCursor, first.hasNextPage()]).to.deep.equal(['c2', true]);
    const second = await first.getNextPage();
    expect(second!.items.map((k) => k.id)).to.deep.equal(['k3']);
    expect(second!.hasNextPage()).to.equal(false);
    expect(await second!.getNextPage()).to.equal(null);
  });

  it('for await yields every item of every page, fetching each page once, in order', async () => {
    api()
      .get('/v1/keys')
      .query({ tag: 'billing' })
      .reply(200, { items: [key('k1'), key('k2')], nextCursor: 'c2' })
      .get('/v1/keys')
      .query({ tag: 'billing', cursor: 'c2' })
      .reply(200, { items: [], nextCursor: 'c3' })
      .get('/v1/keys')
      .query({ tag: 'billing', cursor: 'c3' })
      .reply(200, { items: [key('k3')], nextCursor: null });
    const { client } = recordingClient();
    const ids: string[] = [];
    for await (const k of client.keys.list({ tag: 'billing' })) ids.push(k.id);
    expect(ids).to.deep.equal(['k1', 'k2', 'k3']);
  });

  it('fetches nothing until the list is awaited or iterated, and the first page once', async () => {
    const { client } = recordingClient();
    const list = client.keys.list();
    await new Promise((resolve) => setTimeout(resolve, 20));
    // No mock is defined yet: a request now would fail the suite's "no unexpected request" check.
    api().get('/v1/keys').once().reply(200, { items: [key('k1')], nextCursor: null });
    const page = await list;
    const again = await list;
    expect(again).to.equal(page);
  });

  it('a page is itself iterable from where it stands, and logs and audit events paginate the same way', async () => {
    api()
      .get('/v1/keys/key_1/logs')
      .reply(200, { items: [{ id: 'l1' }], nextCursor: 'n' })
      .get('/v1/keys/key_1/logs')
      .query({ cursor: 'n' })
      .reply(200, { items: [{ id: 'l2' }], nextCursor: null })
      .get('/v1/audit-events')
      .query({ keyId: 'key_1', limit: 1 })
      .reply(200, { items: [{ id: 'a1' }], nextCursor: null });
    const { client } = recordingClient();
    const logs: string[] = [];
    for await (const log of await client.keys.logs('key_1')) logs.push(log.id);
    expect(logs).to.deep.equal(['l1', 'l2']);
    const events = await client.auditEvents.list({ keyId: 'key_1', limit: 1 });
    expect(events.items.map((e) => e.id)).to.deep.equal(['a1']);
  });

  it('a failed page rejects the iteration with the error', async () => {
    api().get('/v1/quota-policies').reply(200, { items: [{ id: 'p1' }], nextCursor: 'c' }).get('/v1/quota-policies').query({ cursor: 'c' }).reply(403, { error: { code: 'FORBIDDEN', message: 'no', requestId: 'r' } });
    const { client } = recordingClient();
    const seen: string[] = [];
    const err = await (async () => {
      for await (const p of client.quotaPolicies.list()) seen.push(p.id);
    })().catch((e: unknown) => e);
    expect(seen).to.deep.equal(['p1']);
    expect((err as { status: number }).status).to.equal(403);
  });
});
