// The form rules people meet in the console: what is refused as they type, where the service's errors
// appear, and that an edit sends only what the operator changed.
import { expect } from 'chai';
import { checkAll, checkIpLines, checkIpOrCidr, placeServerErrors } from '../src/forms/fields';
import { createRequest, emptyKeyValues, keyFields, keyValues, updateRequest } from '../src/forms/keyForm';
import type { Key } from '../src/types';

const key: Key = {
  id: 'key_1', workspaceId: 'ws_1', name: 'Webshop', environment: 'production', tags: ['shop'], group: 'default',
  scopes: ['push:send'], resources: [], ipAllowlist: ['10.0.0.0/8'], expiresAt: null, rateLimit: null,
  quota: { daily: 1000 }, credits: { remaining: 40 }, quotaPolicyId: null, metadata: null, status: 'active',
  start: 'acme_live_Ab3x…9fQ2', createdAt: '2026-11-01T00:00:00.000Z', createdBy: 'operator:op_1',
  updatedAt: '2026-11-01T00:00:00.000Z', lastUsedAt: null, lastRotatedAt: null, usageCount: 0, version: 3,
};

describe('console forms', () => {
  describe('IP allow-list, one entry per line', () => {
    it('accepts IPv4, IPv6 and CIDR blocks of both', () => {
      for (const entry of ['203.0.113.7', '10.0.0.0/8', '2001:db8::1', '2001:db8::/32', '::1', '0.0.0.0/0']) {
        expect(checkIpOrCidr(entry), entry).to.equal(null);
      }
    });

    it('names the line and the entry that is wrong', () => {
      expect(checkIpLines('10.0.0.0/8\n300.1.1.1')).to.equal('line 2: "300.1.1.1" is not an IPv4 or IPv6 address or CIDR block');
      expect(checkIpLines('10.0.0.0/33')).to.equal('line 1: "10.0.0.0/33": the prefix length must be 0 to 32');
      expect(checkIpLines('2001:db8::/129')).to.match(/0 to 128/);
      expect(checkIpLines('example.com')).to.match(/not an IPv4 or IPv6/);
      expect(checkIpLines('\n  \n')).to.equal(null);
    });
  });

  describe('the create form', () => {
    const fields = keyFields({ create: true, policies: [] });

    it('requires a name and refuses what the service would refuse before sending', () => {
      const errors = checkAll(fields, { ...emptyKeyValues(), quotaDaily: '-1', metadata: '[1]', creditsMode: 'limited' });
      expect(errors).to.deep.equal({
        name: 'Name is required',
        quotaDaily: 'Daily quota must be at least 0',
        metadata: 'Metadata must be a JSON object, like {"plan": "pro"}',
        creditsRemaining: 'Credits remaining is required',
      });
    });

    it('puts the service\'s field errors at the field they name, the rest on the form', () => {
      const placed = placeServerErrors(fields, [
        { field: 'ipAllowlist.1', message: '"ipAllowlist[1]" must be a valid ip address' },
        { field: 'quota.daily', message: '"quota.daily" must be an integer' },
        { field: 'rateLimit.windowSeconds', message: 'must be at least 1' },
        { field: 'somethingElse', message: 'unexpected' },
      ]);
      expect(placed.errors).to.deep.equal({
        ipAllowlist: '"ipAllowlist[1]" must be a valid ip address',
        quotaDaily: '"quota.daily" must be an integer',
        rateLimitWindow: 'must be at least 1',
      });
      expect(placed.unplaced).to.deep.equal(['unexpected']);
    });

    it('turns every field into the create request', () => {
      const now = Date.parse('2026-11-26T12:00:00.000Z');
      const body = createRequest({
        ...emptyKeyValues(), name: ' Webshop ', environment: 'preview', scopes: 'push:send, push:read', group: '', tags: 'a,b',
        rateLimitLimit: '100', rateLimitWindow: '3600', quotaDaily: '1000', quotaMonthly: '20000', creditsMode: 'limited',
        creditsRemaining: '500', refillAmount: '100', refillInterval: '86400', resources: 'models/a\nmodels/b-*',
        ipAllowlist: '10.0.0.0/8\n\n2001:db8::/32', expiration: '86400', metadata: '{"plan":"pro"}',
      }, now);
      expect(body).to.deep.equal({
        name: 'Webshop', environment: 'preview', scopes: ['push:send', 'push:read'], group: 'default', tags: ['a', 'b'],
        rateLimit: { limit: 100, windowSeconds: 3600 }, quota: { daily: 1000, monthly: 20000 },
        credits: { remaining: 500, refill: { amount: 100, intervalSeconds: 86400 } }, resources: ['models/a', 'models/b-*'],
        ipAllowlist: ['10.0.0.0/8', '2001:db8::/32'], quotaPolicyId: null, metadata: { plan: 'pro' },
        expiresAt: '2026-11-27T12:00:00.000Z',
      });
    });
  });

  describe('the edit form', () => {
    it('sends only what changed, so credits being spent are not reset by an unrelated edit', () => {
      const original = keyValues(key);
      expect(updateRequest({ ...original, tags: 'shop, new' }, original)).to.deep.equal({ tags: ['shop', 'new'] });
      expect(updateRequest(original, original)).to.deep.equal({});
    });

    it('clears with null what the operator emptied', () => {
      const original = keyValues(key);
      expect(updateRequest({ ...original, quotaDaily: '', creditsMode: 'unlimited' }, original)).to.deep.equal({ quota: null, credits: null });
    });
  });
});
