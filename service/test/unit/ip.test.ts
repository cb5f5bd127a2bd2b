import { expect } from 'chai';
import { isIpOrCidr } from '../../src/domain/ip';

describe('IP allow-list entries', () => {
  it('accept IPv4/IPv6 addresses and CIDRs with prefixes in range', () => {
    for (const ok of ['10.0.0.1', '10.0.0.0/8', '0.0.0.0/0', '255.255.255.255/32', '::1', '2001:db8::/32', '::/0', '::ffff:10.0.0.1', 'fe80::1/128']) {
      expect(isIpOrCidr(ok), ok).to.equal(true);
    }
  });

  it('refuse what a verifier could not match: bad prefixes, leading zeros, zone ids, junk', () => {
    for (const bad of ['10.0.0.0/33', '2001:db8::/129', '10.0.0.0/', '10.0.0.0/08', '10.0.0.0/-1', '01.2.3.4', '::ffff:01.2.3.4', 'fe80::1%eth0', '10.0.0', 'localhost', '', '1.2.3.4/8/8']) {
      expect(isIpOrCidr(bad), bad).to.equal(false);
    }
  });
});
