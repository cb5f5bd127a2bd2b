import { isIP } from 'node:net';

/**
 * An allow-list entry: an IPv4/IPv6 address, or one with a prefix length (CIDR). Node's own parser
 * decides what an address is, so what is stored here is exactly what verification can match later
 * (it refuses, for example, IPv4 with leading zeros such as `01.2.3.4`, and zone ids like `%eth0`).
 */
export function isIpOrCidr(text: string): boolean {
  const slash = text.indexOf('/');
  const address = slash === -1 ? text : text.slice(0, slash);
  const version = address.includes('%') ? 0 : isIP(address);
  if (version === 0) return false;
  if (slash === -1) return true;
  const prefix = text.slice(slash + 1);
  if (!/^(0|[1-9][0-9]{0,2})$/.test(prefix)) return false;
  return Number(prefix) <= (version === 4 ? 32 : 128);
}
