import { expect } from 'chai';
import { Construct } from 'constructs';
import { ApiKey, Duration, Environment, KeysmithProvider, QuotaPolicy } from '../src';
import { TerraformOutput, TerraformStack, TerraformVariable, Testing } from '../src/cdk';

/** A fresh stack per test, synthesized to the JSON Terraform reads (cdktf's metadata removed). */
function synth(build: (stack: TerraformStack) => void): any {
  const stack = new TerraformStack(Testing.app(), 'stack');
  build(stack);
  return JSON.parse(Testing.synth(stack));
}

describe('cdktf constructs: synth', () => {
  it("renders SPEC's example: provider, policy, key with rotation and relative expiry, sensitive secret output", () => {
    const json = synth((stack) => {
      new KeysmithProvider(stack, 'keysmith', { endpoint: 'https://keys.example.com', rootKey: 'acme_root_x' });
      const standard = new QuotaPolicy(stack, 'standard', {
        name: 'standard',
        quota: { daily: 10_000, monthly: 200_000 },
        rateLimit: { limit: 60, window: Duration.minutes(1) },
      });
      const key = new ApiKey(stack, 'webshop', {
        name: 'Webshop integration',
        environment: 'production',
        scopes: ['push:send'],
        quotaPolicy: standard,
        ipAllowlist: ['10.0.0.0/8'],
        expiresIn: Duration.days(365),
        rotation: { every: Duration.days(90), overlap: Duration.hours(24) },
      });
      new TerraformOutput(stack, 'webshop_secret', { value: key.secret, sensitive: true });
    });
    expect(json).to.deep.equal({
      terraform: {
        required_providers: { keysmith: { source: 'keysmith.local/keysmith/keysmith', version: '~> 0.1' } },
      },
      provider: { keysmith: [{ endpoint: 'https://keys.example.com', root_key: 'acme_root_x' }] },
      resource: {
        keysmith_quota_policy: {
          standard: { name: 'standard', quota: { daily: 10000, monthly: 200000 }, rate_limit: { limit: 60, window_seconds: 60 } },
        },
        keysmith_api_key: {
          webshop: {
            name: 'Webshop integration',
            environment: 'production',
            scopes: ['push:send'],
            quota_policy_id: '${keysmith_quota_policy.standard.id}',
            ip_allowlist: ['10.0.0.0/8'],
            // Fixed by the apply that creates the key, then kept: a second plan has nothing to change.
            expires_at: '${timeadd(plantimestamp(), "8760h")}',
            lifecycle: { ignore_changes: ['expires_at'] },
            rotation: { every: '90d', overlap: '1d' },
          },
        },
      },
      output: { webshop_secret: { value: '${keysmith_api_key.webshop.secret}', sensitive: true } },
    });
  });

  it('renders every ApiKey option under its snake_case attribute', () => {
    const json = synth((stack) => {
      new KeysmithProvider(stack, 'keysmith');
      new ApiKey(stack, 'full', {
        name: 'Every option',
        environment: Environment.PREVIEW,
        tags: ['partner', 'eu'],
        group: 'partners',
        scopes: ['push:send', 'push:read'],
        resources: ['models/gpt-*'],
        ipAllowlist: ['192.0.2.1', '2001:db8::/32'],
        expiresAt: new Date('2030-01-01T00:00:00Z'),
        rateLimit: { limit: 100, window: Duration.seconds(10) },
        quota: { total: 1_000_000, daily: 1000, weekly: 5000, monthly: 20_000 },
        credits: { remaining: 500, refill: { amount: 100, every: Duration.days(1) } },
        metadata: { owner: 'team-web', tier: 2 },
        enabled: false,
        rotation: { every: Duration.hours(36) },
      });
    });
    expect(json.provider).to.deep.equal({ keysmith: [{}] });
    expect(json.resource.keysmith_api_key.full).to.deep.equal({
      name: 'Every option',
      environment: 'preview',
      tags: ['partner', 'eu'],
      group: 'partners',
      scopes: ['push:send', 'push:read'],
      resources: ['models/gpt-*'],
      ip_allowlist: ['192.0.2.1', '2001:db8::/32'],
      expires_at: '2030-01-01T00:00:00.000Z',
      rate_limit: { limit: 100, window_seconds: 10 },
      quota: { total: 1000000, daily: 1000, weekly: 5000, monthly: 20000 },
      credits: { remaining: 500, refill_amount: 100, refill_interval_seconds: 86400 },
      metadata_json: '{"owner":"team-web","tier":2}',
      enabled: false,
      rotation: { every: '36h' },
    });
  });

  it('keeps an absolute expiry as given and adds no ignore_changes for it', () => {
    const json = synth((stack) => {
      new ApiKey(stack, 'k', { name: 'k', expiresAt: '2031-06-30T12:00:00+02:00' });
    });
    expect(json.resource.keysmith_api_key.k).to.deep.equal({ name: 'k', expires_at: '2031-06-30T12:00:00+02:00' });
  });

  it('renders a minimal key with only its name, leaving defaults to the provider', () => {
    const json = synth((stack) => new ApiKey(stack, 'k', { name: 'minimal' }));
    expect(json.resource.keysmith_api_key).to.deep.equal({ k: { name: 'minimal' } });
  });

  it('renders every QuotaPolicy option', () => {
    const json = synth((stack) => {
      new QuotaPolicy(stack, 'gold', {
        name: 'gold',
        quota: { total: 10, daily: 0 },
        rateLimit: { limit: 5, window: Duration.hours(1) },
        credits: { remaining: 0, refill: { amount: 50, every: Duration.minutes(1) } },
      });
    });
    expect(json.resource.keysmith_quota_policy.gold).to.deep.equal({
      name: 'gold',
      quota: { total: 10, daily: 0 },
      rate_limit: { limit: 5, window_seconds: 3600 },
      credits: { remaining: 0, refill_amount: 50, refill_interval_seconds: 60 },
    });
  });

  it('renders provider throttling settings and an aliased second provider that a key can use', () => {
    const json = synth((stack) => {
      new KeysmithProvider(stack, 'keysmith', { maxConcurrent: 8, requestsPerSecond: 20, maxRetries: 5, timeoutMs: 10_000 });
      const staging = new KeysmithProvider(stack, 'staging', { endpoint: 'http://127.0.0.1:8080', alias: 'staging' });
      new ApiKey(stack, 'k', { name: 'k', provider: staging });
      new QuotaPolicy(stack, 'p', { name: 'p', provider: staging });
    });
    expect(json.provider.keysmith).to.deep.equal([
      { max_concurrent: 8, requests_per_second: 20, max_retries: 5, timeout_ms: 10000 },
      { endpoint: 'http://127.0.0.1:8080', alias: 'staging' },
    ]);
    expect(json.resource.keysmith_api_key.k.provider).to.equal('keysmith.staging');
    expect(json.resource.keysmith_quota_policy.p.provider).to.equal('keysmith.staging');
  });

  it('passes tokens through unvalidated (a root key from a sensitive variable stays out of the JSON)', () => {
    const json = synth((stack) => {
      const rootKey = new TerraformVariable(stack, 'root_key', { type: 'string', sensitive: true });
      const name = new TerraformVariable(stack, 'key_name', { type: 'string' });
      const limit = new TerraformVariable(stack, 'limit', { type: 'number' });
      new KeysmithProvider(stack, 'keysmith', { rootKey: rootKey.stringValue });
      new ApiKey(stack, 'k', {
        name: name.stringValue,
        rateLimit: { limit: limit.numberValue, window: Duration.minutes(1) },
        quota: { daily: limit.numberValue },
        rotation: { every: Duration.days(limit.numberValue), overlap: Duration.hours(1) },
      });
    });
    expect(json.provider.keysmith).to.deep.equal([{ root_key: '${var.root_key}' }]);
    expect(json.resource.keysmith_api_key.k).to.deep.equal({
      name: '${var.key_name}',
      rate_limit: { limit: '${var.limit}', window_seconds: 60 },
      quota: { daily: '${var.limit}' },
      rotation: { every: '${var.limit}d', overlap: '1h' },
    });
  });

  it('exposes typed attributes as references Terraform resolves', () => {
    const json = synth((stack) => {
      const key = new ApiKey(stack, 'k', { name: 'k' });
      const policy = new QuotaPolicy(stack, 'p', { name: 'p' });
      const values = {
        id: key.keyId,
        start: key.start,
        status: key.status,
        created: key.createdAt,
        rotated: key.lastRotatedAt,
        expires: key.expiresAt,
        policy: policy.policyId,
        policy_name: policy.name,
      };
      for (const [name, value] of Object.entries(values)) new TerraformOutput(stack, name, { value });
    });
    expect(Object.fromEntries(Object.entries(json.output).map(([name, output]: [string, any]) => [name, output.value]))).to.deep.equal({
      id: '${keysmith_api_key.k.id}',
      start: '${keysmith_api_key.k.start}',
      status: '${keysmith_api_key.k.status}',
      created: '${keysmith_api_key.k.created_at}',
      rotated: '${keysmith_api_key.k.last_rotated_at}',
      expires: '${keysmith_api_key.k.expires_at}',
      policy: '${keysmith_quota_policy.p.id}',
      policy_name: '${keysmith_quota_policy.p.name}',
    });
  });

  it('imports an existing key and policy through the data sources; a new key can follow the imported policy', () => {
    const json = synth((stack) => {
      const legacy = ApiKey.fromKeyId(stack, 'legacy', 'key_01HX');
      const shared = QuotaPolicy.fromPolicyId(stack, 'shared', 'pol_01HX');
      new ApiKey(stack, 'k', { name: 'k', quotaPolicy: shared });
      new TerraformOutput(stack, 'legacy_id', { value: legacy.keyId });
      new TerraformOutput(stack, 'legacy_status', { value: legacy.status });
      new TerraformOutput(stack, 'legacy_start', { value: legacy.start });
    });
    expect(json.data).to.deep.equal({
      keysmith_api_key: { legacy: { id: 'key_01HX' } },
      keysmith_quota_policy: { shared: { id: 'pol_01HX' } },
    });
    expect(json.resource.keysmith_api_key.k.quota_policy_id).to.equal('${data.keysmith_quota_policy.shared.id}');
    expect(json.output).to.deep.equal({
      legacy_id: { value: '${data.keysmith_api_key.legacy.id}' },
      legacy_status: { value: '${data.keysmith_api_key.legacy.status}' },
      legacy_start: { value: '${data.keysmith_api_key.legacy.start}' },
    });
  });

  it('names a key nested in another construct by its path, so teams can reuse one construct without clashes', () => {
    const stack = new TerraformStack(Testing.app(), 'stack');
    const team = new Construct(stack, 'team-a');
    new ApiKey(team, 'webshop', { name: 'a' });
    const json = JSON.parse(Testing.synth(stack));
    expect(Object.keys(json.resource.keysmith_api_key)).to.have.length(1);
    expect(Object.keys(json.resource.keysmith_api_key)[0]).to.match(/^team-a_webshop_[0-9A-F]{8}$/);
  });

  it('fails synth when the stack has no KeysmithProvider (Terraform would look for hashicorp/keysmith)', () => {
    const stack = new TerraformStack(Testing.app(), 'stack');
    new ApiKey(stack, 'k', { name: 'k' });
    expect(() => Testing.synth(stack, true)).to.throw(/without a matching provider construct[\s\S]*keysmith/);
  });

  it('renders HCL too (cdktf synth --hcl): blocks as blocks, durations as strings', () => {
    const stack = new TerraformStack(Testing.app(), 'stack');
    new KeysmithProvider(stack, 'keysmith', { endpoint: 'https://keys.example.com' });
    new ApiKey(stack, 'webshop', {
      name: 'webshop',
      scopes: ['push:send'],
      enabled: false,
      rateLimit: { limit: 60, window: Duration.minutes(1) },
      credits: { remaining: 5 },
      rotation: { every: Duration.days(90), overlap: Duration.hours(24) },
    });
    const hcl: string = Testing.synthHcl(stack);
    const lines = hcl.split('\n').map((line) => line.trim());
    for (const expected of [
      'provider "keysmith" {',
      'endpoint = "https://keys.example.com"',
      'resource "keysmith_api_key" "webshop" {',
      'name = "webshop"',
      'enabled = false',
      'rate_limit {',
      'window_seconds = 60',
      'credits {',
      'remaining = 5',
      'rotation {',
      'every = "90d"',
      'overlap = "1d"',
    ]) {
      expect(lines, expected).to.include(expected);
    }
  });
});
