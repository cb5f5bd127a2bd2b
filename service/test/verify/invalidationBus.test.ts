import { expect } from 'chai';
import { LocalInvalidationBus } from '../../src/verify/local';
import type { Invalidation } from '../../src/verify/ports';
import { closeRedis, connectRedis, RedisInvalidationBus } from '../../src/verify/redis';
import { CuttableProxy, describeWithRedis, waitFor, type TestRedis } from '../helpers/redis';

describe('Local invalidation bus', () => {
  it('delivers to every subscriber before publish returns', () => {
    const bus = new LocalInvalidationBus();
    const first: Invalidation[] = [];
    const second: Invalidation[] = [];
    bus.subscribe((event) => first.push(event));
    bus.subscribe((event) => second.push(event));
    bus.publish({ kind: 'key', id: 'key_1' });
    expect(first).to.deep.equal([{ kind: 'key', id: 'key_1' }]);
    expect(second).to.deep.equal([{ kind: 'key', id: 'key_1' }]);
  });

  it('still delivers to the others when one subscriber throws, then rethrows', () => {
    const bus = new LocalInvalidationBus();
    const received: Invalidation[] = [];
    bus.subscribe(() => {
      throw new Error('boom');
    });
    bus.subscribe((event) => received.push(event));
    expect(() => bus.publish({ kind: 'policy', id: 'pol_1' })).to.throw('boom');
    expect(received).to.deep.equal([{ kind: 'policy', id: 'pol_1' }]);
  });
});

describeWithRedis('Redis invalidation bus', (redis) => {
  const buses: RedisInvalidationBus[] = [];
  afterEach(async () => {
    await Promise.all(buses.splice(0).map((bus) => bus.close()));
  });

  /** A bus on connections of its own, as one instance has, with what it delivered. */
  async function instance(url = redis.url): Promise<{ bus: RedisInvalidationBus; received: Invalidation[] }> {
    const bus = new RedisInvalidationBus({
      publisher: await redis.connect(url),
      subscriber: await redis.connect(url),
      channel: redis.channel,
    });
    buses.push(bus);
    const received: Invalidation[] = [];
    bus.subscribe((event) => received.push(event));
    await bus.whenSubscribed();
    return { bus, received };
  }

  it('delivers to the publisher at once and to the other instances, without echoing to itself', async () => {
    const a = await instance();
    const b = await instance();
    a.bus.publish({ kind: 'key', id: 'key_1' });
    expect(a.received).to.deep.equal([{ kind: 'key', id: 'key_1' }]);
    await waitFor('b to receive key_1', () => b.received.length === 1);

    // Redis delivers in order, so a's echo of key_1 would reach a before this message does.
    b.bus.publish({ kind: 'workspace', id: 'ws_1' });
    await waitFor('a to receive ws_1', () => a.received.length >= 2);
    expect(a.received).to.deep.equal([
      { kind: 'key', id: 'key_1' },
      { kind: 'workspace', id: 'ws_1' },
    ]);
    expect(b.received).to.deep.equal([
      { kind: 'key', id: 'key_1' },
      { kind: 'workspace', id: 'ws_1' },
    ]);
  });

  it('ignores malformed messages on the channel and keeps delivering', async () => {
    const a = await instance();
    const b = await instance();
    const raw = await redis.connect();
    for (const junk of ['not json', '{"from":"x","event":{"kind":"key"}}', '{"from":"x","event":{"kind":"nope","id":"1"}}']) {
      await raw.publish(redis.channel, junk);
    }
    a.bus.publish({ kind: 'root_key', id: 'rk_1' });
    await waitFor('b to receive rk_1', () => b.received.length >= 1);
    expect(b.received).to.deep.equal([{ kind: 'root_key', id: 'rk_1' }]);
  });

  it('tells its subscribers to drop everything after a reconnection, when messages may have been lost', async () => {
    await withProxy(redis, async (proxy) => {
      const a = await instance(proxy.url);
      const b = await instance();
      await proxy.cut();
      b.bus.publish({ kind: 'key', id: 'lost_while_cut' });
      await proxy.restore();

      await waitFor('a to drop everything', () => a.received.length >= 1);
      expect(a.received).to.deep.equal([{ kind: 'all' }]);
      b.bus.publish({ kind: 'key', id: 'after' });
      await waitFor('a to receive again', () => a.received.length >= 2);
      expect(a.received[1]).to.deep.equal({ kind: 'key', id: 'after' });
    });
  });

  it('tells the other instances to drop everything once it can publish again after a failed publish', async () => {
    await withProxy(redis, async (proxy) => {
      // The service's fail-fast connection: a test connection would queue the publish and send it later.
      const publisher = connectRedis(proxy.url, 'test-publisher');
      publisher.on('error', () => undefined); // in the service, RedisHealth listens
      try {
        await waitFor('the publisher to connect', () => publisher.status === 'ready');
        const a = new RedisInvalidationBus({ publisher, subscriber: await redis.connect(), channel: redis.channel });
        buses.push(a);
        const b = await instance();
        await proxy.cut();
        await waitFor("a's publisher to notice", () => publisher.status !== 'ready');
        a.publish({ kind: 'key', id: 'revoked_during_outage' });
        await proxy.restore();

        await waitFor('b to drop everything', () => b.received.length >= 1);
        expect(b.received).to.deep.equal([{ kind: 'all' }]);
      } finally {
        await closeRedis(publisher);
      }
    });
  });
});

async function withProxy(redis: TestRedis, body: (proxy: CuttableProxy) => Promise<void>): Promise<void> {
  const proxy = await CuttableProxy.start(redis.url);
  try {
    await body(proxy);
  } finally {
    await proxy.cut();
  }
}
