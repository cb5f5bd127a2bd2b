import { expect } from 'chai';
import { ClientAddress, parseHop } from '../src/hapi/clientAddress';
import { fakeClient, KEY, protectedServer } from './hapi.helpers';

describe('hapi plugin: the client address sent to Keysmith', () => {
  const behindProxies = new ClientAddress(['10.0.0.0/8', '2001:db8:ffff::/48']);

  it('is the socket peer when no proxy is trusted, whatever X-Forwarded-For says', () => {
    const direct = new ClientAddress([]);
    expect(direct.of('203.0.113.7', '198.51.100.1')).to.equal('203.0.113.7');
    expect(direct.of('::ffff:203.0.113.7', undefined)).to.equal('203.0.113.7');
    expect(direct.of(undefined, '198.51.100.1')).to.equal(undefined);
  });

  it('is read right to left through trusted proxies only', () => {
    // The client forged the leftmost element; the proxy at 10.0.0.2 appended the address it really saw.
    expect(behindProxies.of('10.0.0.1', '6.6.6.6, 203.0.113.7, 10.0.0.2')).to.equal('203.0.113.7');
    // A peer that is not a trusted proxy is the client: its X-Forwarded-For is not believed.
    expect(behindProxies.of('198.51.100.9', '203.0.113.7')).to.equal('198.51.100.9');
    // Every hop trusted: the leftmost is as far as we can see.
    expect(behindProxies.of('10.0.0.1', '10.0.0.3, 10.0.0.2')).to.equal('10.0.0.3');
    // Repeated headers arrive joined by Node.
    expect(behindProxies.of('10.0.0.1', '203.0.113.7,10.0.0.2')).to.equal('203.0.113.7');
  });

  it('understands IPv6 proxies and clients, bracketed and with ports, in one spelling', () => {
    expect(behindProxies.of('2001:db8:ffff::1', '2001:DB8:1::7')).to.equal('2001:db8:1::7');
    expect(behindProxies.of('::ffff:10.0.0.1', '[2001:db8:1::7]:4711')).to.equal('2001:db8:1::7');
    expect(behindProxies.of('10.0.0.1', '203.0.113.7:55012')).to.equal('203.0.113.7');
    expect(behindProxies.of('10.0.0.1', '::ffff:203.0.113.7')).to.equal('203.0.113.7');
    expect(parseHop(' [::1] ')).to.equal('::1');
    expect(parseHop('unknown')).to.equal(null);
    expect(parseHop('fe80::1%eth0')).to.equal(null);
  });

  it('stops at the proxy that passed on an element that is not an address', () => {
    expect(behindProxies.of('10.0.0.1', '203.0.113.7, garbage')).to.equal('10.0.0.1');
    expect(behindProxies.of('10.0.0.1', '203.0.113.7, , 10.0.0.2')).to.equal('10.0.0.2');
  });

  it('reaches Keysmith as `ip`, with the route as `endpoint`', async () => {
    const client = fakeClient();
    const server = await protectedServer({ client, trustedProxies: ['127.0.0.1', '::1'] });
    const res = await server.inject({ url: '/widgets/42', headers: { 'x-api-key': KEY, 'x-forwarded-for': '6.6.6.6, 2001:db8::9' } });
    expect(res.statusCode).to.equal(200);
    expect(client.calls).to.deep.equal([{ key: KEY, options: { endpoint: 'GET /widgets/{id}', ip: '2001:db8::9' } }]);
  });
});
