import { BlockList, isIP } from 'node:net';

/**
 * One spelling per address, the one Keysmith stores and matches: `::ffff:10.0.0.1` (how a dual-stack
 * socket reports an IPv4 peer) is `10.0.0.1`, IPv6 is lower-case. Null when `text` is not an address.
 */
export function normaliseAddress(text: string): string | null {
  // Zone ids (`fe80::1%eth0`) mean nothing beyond this host, and Keysmith refuses them.
  if (text.includes('%')) return null;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(text);
  const address = mapped ? mapped[1]! : text.toLowerCase();
  return isIP(address) === 0 ? null : address;
}

/**
 * An `X-Forwarded-For` element as proxies write it: a bare address, `[v6]`, `[v6]:port` or `v4:port`
 * (some load balancers append the port). Null when it is none of these.
 */
export function parseHop(element: string): string | null {
  const text = element.trim();
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(text);
  if (bracketed) return normaliseAddress(bracketed[1]!);
  const withPort = /^(\d+\.\d+\.\d+\.\d+):\d{1,5}$/.exec(text);
  return normaliseAddress(withPort ? withPort[1]! : text);
}

/** Parses `10.0.0.0/8`, `2001:db8::/32` or a single address; null when it is neither. */
export function parseCidr(text: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } | null {
  if (typeof text !== 'string') return null;
  const slash = text.indexOf('/');
  const address = normaliseAddress(slash === -1 ? text : text.slice(0, slash));
  if (address === null) return null;
  const family = isIP(address) === 4 ? 'ipv4' : 'ipv6';
  const max = family === 'ipv4' ? 32 : 128;
  if (slash === -1) return { address, prefix: max, family };
  const prefix = text.slice(slash + 1);
  if (!/^(0|[1-9][0-9]{0,2})$/.test(prefix) || Number(prefix) > max) return null;
  return { address, prefix: Number(prefix), family };
}

/**
 * Finds the address of the client a request came from. The socket's peer is the client unless it is one
 * of the trusted proxies; then `X-Forwarded-For` is read from right to left (each proxy appends the peer it
 * saw), stepping over trusted proxies, and the first address that is not one is the client. Elements left
 * of it were written by whoever the client is, so they are never believed.
 */
export class ClientAddress {
  private readonly trusted: BlockList | null;

  /** @param trustedProxies addresses and CIDRs, already validated by `parseCidr`. */
  constructor(trustedProxies: readonly string[]) {
    if (trustedProxies.length === 0) {
      this.trusted = null;
      return;
    }
    this.trusted = new BlockList();
    for (const entry of trustedProxies) {
      const cidr = parseCidr(entry)!;
      this.trusted.addSubnet(cidr.address, cidr.prefix, cidr.family);
    }
  }

  /**
   * @param remoteAddress the socket's peer (`request.info.remoteAddress`)
   * @param forwardedFor the `X-Forwarded-For` header (Node joins repeated headers with `, `)
   * @returns the client's address, or undefined when the peer's is unknown (a closed socket)
   */
  of(remoteAddress: string | undefined, forwardedFor: string | undefined): string | undefined {
    let client = remoteAddress === undefined ? null : normaliseAddress(remoteAddress);
    if (client === null) return undefined;
    if (this.trusted === null || !forwardedFor) return client;
    const hops = forwardedFor.split(',');
    for (let i = hops.length - 1; i >= 0 && this.trusts(client); i--) {
      const hop = parseHop(hops[i]!);
      // A trusted proxy does not write garbage: the chain we can believe ends at the proxy that passed it on.
      if (hop === null) break;
      client = hop;
    }
    return client;
  }

  private trusts(address: string): boolean {
    return this.trusted!.check(address, isIP(address) === 4 ? 'ipv4' : 'ipv6');
  }
}
