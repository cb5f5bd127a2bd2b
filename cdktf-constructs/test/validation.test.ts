import { expect } from 'chai';
import { ApiKey, type ApiKeyProps, Duration, KeysmithProvider, QuotaPolicy, type QuotaPolicyProps } from '../src';
import { TerraformStack, Testing } from '../src/cdk';

function apiKey(props: Partial<ApiKeyProps>): () => void {
  return () => new ApiKey(new TerraformStack(Testing.app(), 'stack'), 'k', { name: 'k', ...props } as ApiKeyProps);
}

function quotaPolicy(props: Partial<QuotaPolicyProps>): () => void {
  return () => new QuotaPolicy(new TerraformStack(Testing.app(), 'stack'), 'p', { name: 'p', ...props } as QuotaPolicyProps);
}

describe('cdktf constructs: invalid props fail at synth with what was given and what was expected', () => {
  const cases: Array<[string, () => void, string]> = [
    ['an empty name', apiKey({ name: '' }), 'name must not be empty, got ""'],
    ['a blank name', apiKey({ name: '   ' }), 'name must not be empty, got "   "'],
    ['a name over 255 characters', apiKey({ name: 'x'.repeat(256) }), 'name must be at most 255 characters, got 256 characters'],
    [
      'an unknown environment',
      apiKey({ environment: 'staging' as never }),
      'environment must be one of production, preview, development, got "staging"',
    ],
    ['a quota of -1', apiKey({ quota: { daily: -1 } }), 'quota.daily must be at least 0, got -1'],
    ['a fractional quota', apiKey({ quota: { monthly: 10.5 } }), 'quota.monthly must be a whole number, got 10.5'],
    ['an empty quota', apiKey({ quota: {} }), 'quota must set at least one of total, daily, weekly, monthly, got none'],
    ['a rate limit of 0', apiKey({ rateLimit: { limit: 0, window: Duration.minutes(1) } }), 'rateLimit.limit must be between 1 and 1000000000, got 0'],
    [
      'a fractional rate limit',
      apiKey({ rateLimit: { limit: 1.5, window: Duration.minutes(1) } }),
      'rateLimit.limit must be a whole number, got 1.5',
    ],
    [
      'a rate-limit window under 1 second',
      apiKey({ rateLimit: { limit: 10, window: Duration.seconds(0) } }),
      'rateLimit.window must be at least 1 second, got 0 seconds',
    ],
    [
      'a rate-limit window over 30 days',
      apiKey({ rateLimit: { limit: 10, window: Duration.days(31) } }),
      'rateLimit.window must not be longer than the longest window (30 days), got 31 days',
    ],
    [
      'a rotation shorter than one hour',
      apiKey({ rotation: { every: Duration.minutes(30) } }),
      'rotation.every must be at least 1 hour, got 30 minutes',
    ],
    [
      'an overlap longer than the rotation',
      apiKey({ rotation: { every: Duration.days(1), overlap: Duration.hours(36) } }),
      'rotation.overlap must not be longer than rotation.every (1 day), got 36 hours',
    ],
    [
      'an overlap over 30 days',
      apiKey({ rotation: { every: Duration.days(365), overlap: Duration.days(31) } }),
      'rotation.overlap must not be longer than the longest overlap (30 days), got 31 days',
    ],
    [
      'an invalid CIDR prefix',
      apiKey({ ipAllowlist: ['10.0.0.0/8', '10.0.0.0/33'] }),
      'ipAllowlist[1] must be an ipv4 or ipv6 address or cidr (e.g. 10.0.0.0/8), got "10.0.0.0/33"',
    ],
    [
      'an address that is not an IP',
      apiKey({ ipAllowlist: ['example.com'] }),
      'ipAllowlist[0] must be an ipv4 or ipv6 address or cidr (e.g. 10.0.0.0/8), got "example.com"',
    ],
    [
      'an IPv4 address with leading zeros',
      apiKey({ ipAllowlist: ['010.0.0.1'] }),
      'ipAllowlist[0] must be an ipv4 or ipv6 address or cidr (e.g. 10.0.0.0/8), got "010.0.0.1"',
    ],
    ['a name with a newline', apiKey({ name: 'web\nshop' }), 'name may contain only printable characters, got "web\\nshop"'],
    [
      'a scope with a space',
      apiKey({ scopes: ['push send'] }),
      'scopes[0] may contain only letters, digits and . _ : * / -, got "push send"',
    ],
    ['a repeated scope', apiKey({ scopes: ['a:b', 'a:b'] }), 'scopes must not repeat an entry, got "a:b" twice'],
    ['51 tags', apiKey({ tags: Array.from({ length: 51 }, (_, i) => `t${i}`) }), 'tags must have at most 50 entries, got 51'],
    ['a repeated allow-list entry', apiKey({ ipAllowlist: ['::1', '::1'] }), 'ipAllowlist must not repeat an entry, got "::1" twice'],
    ['a group with a slash', apiKey({ group: 'a/b' }), 'group may contain only letters, digits and . _ : -, got "a/b"'],
    [
      'an imported key id with a space',
      () => ApiKey.fromKeyId(new TerraformStack(Testing.app(), 's'), 'old', 'key 1'),
      'keyId may contain only letters, digits and _, got "key 1"',
    ],
    ['an empty scope', apiKey({ scopes: ['push:send', ''] }), 'scopes[1] must not be empty, got ""'],
    ['a tag over 64 characters', apiKey({ tags: ['t'.repeat(65)] }), 'tags[0] must be at most 64 characters, got 65 characters'],
    [
      'credits of -5',
      apiKey({ credits: { remaining: -5 } }),
      'credits.remaining must be at least 0, got -5',
    ],
    [
      'a credit refill every 30 seconds',
      apiKey({ credits: { remaining: 5, refill: { amount: 1, every: Duration.seconds(30) } } }),
      'credits.refill.every must be at least 1 minute, got 30 seconds',
    ],
    [
      'a credit refill of 0',
      apiKey({ credits: { remaining: 5, refill: { amount: 0, every: Duration.days(1) } } }),
      'credits.refill.amount must be at least 1, got 0',
    ],
    [
      'both expiresAt and expiresIn',
      apiKey({ expiresAt: '2030-01-01T00:00:00Z', expiresIn: Duration.days(1) }),
      'expiresAt and expiresIn are exclusive, got both (2030-01-01T00:00:00Z and 1 day)',
    ],
    ['an expiresIn of 0', apiKey({ expiresIn: Duration.seconds(0) }), 'expiresIn must be at least 1 second, got 0 seconds'],
    [
      'an expiresAt that is not RFC 3339',
      apiKey({ expiresAt: 'next tuesday' }),
      'expiresAt must be an rfc 3339 date-time such as 2030-01-01T00:00:00Z, got "next tuesday"',
    ],
    ['an invalid Date', apiKey({ expiresAt: new Date('nope') }), 'expiresAt must be a valid date, got an invalid Date'],
    ['metadata over 4 KiB', apiKey({ metadata: { blob: 'x'.repeat(4096) } }), 'metadata must be at most 4096 bytes as json, got 4107 bytes'],
    ['metadata that is an array', apiKey({ metadata: [1] as never }), 'metadata must be a json object, got an array'],
    ['enabled that is not a boolean', apiKey({ enabled: 'yes' as never }), 'enabled must be true or false, got yes'],
    ['a policy with an empty name', quotaPolicy({ name: '' }), 'name must not be empty, got ""'],
    ['a policy quota of -1', quotaPolicy({ quota: { total: -1 } }), 'quota.total must be at least 0, got -1'],
    [
      'a policy rate-limit window under 1 second',
      quotaPolicy({ rateLimit: { limit: 1, window: Duration.seconds(0) } }),
      'rateLimit.window must be at least 1 second, got 0 seconds',
    ],
    ['a fractional Duration', () => Duration.seconds(1.5), 'a duration must be a whole number of seconds, got 1.5 seconds'],
    ['a negative Duration', () => Duration.days(-1), 'a duration must not be negative, got -1 days'],
    [
      'a provider endpoint that is not a URL',
      () => new KeysmithProvider(new TerraformStack(Testing.app(), 's'), 'keysmith', { endpoint: 'keys.example.com' }),
      'endpoint must be an http or https url, got "keys.example.com"',
    ],
    [
      'a fractional provider setting',
      () => new KeysmithProvider(new TerraformStack(Testing.app(), 's'), 'keysmith', { maxConcurrent: 2.5 }),
      'maxConcurrent must be a whole number, got 2.5',
    ],
    [
      'a provider request rate of 0',
      () => new KeysmithProvider(new TerraformStack(Testing.app(), 's'), 'keysmith', { requestsPerSecond: 0 }),
      'requestsPerSecond must be a number greater than 0, got 0',
    ],
    [
      'an empty imported key id',
      () => ApiKey.fromKeyId(new TerraformStack(Testing.app(), 's'), 'old', ''),
      'keyId must not be empty, got ""',
    ],
    [
      'an empty imported policy id',
      () => QuotaPolicy.fromPolicyId(new TerraformStack(Testing.app(), 's'), 'old', ''),
      'policyId must not be empty, got ""',
    ],
  ];

  for (const [what, make, message] of cases) {
    it(`refuses ${what}`, () => {
      expect(make).to.throw(Error).with.property('message', message);
    });
  }

  it('accepts the boundaries: a 255-character name, a 1-hour rotation, an overlap equal to the rotation, a 1-second window', () => {
    expect(
      apiKey({
        name: 'x'.repeat(255),
        rotation: { every: Duration.hours(1), overlap: Duration.minutes(60) },
        rateLimit: { limit: 1, window: Duration.seconds(1) },
        quota: { total: 0 },
        ipAllowlist: ['::1', '0.0.0.0/0', '2001:db8::/128'],
      }),
    ).not.to.throw();
  });
});
