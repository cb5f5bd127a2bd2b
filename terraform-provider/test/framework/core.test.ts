import { expect } from 'chai';
import { UNKNOWN } from '../../src/framework/contract';
import { FrameworkProvider } from '../../src/framework/core';
import type { Resource } from '../../src/framework/resource';
import { createProvider } from '../../src/provider';

interface Model {
  id: string | null | undefined;
  name: string;
}

/** A resource whose create answers whatever the test says, to exercise the framework's own checks. */
function fakeProvider(create: (planned: Model) => Model | null, warn = false) {
  const resource: Resource<Model, null> = {
    typeName: 'fake_thing',
    schema: {
      version: 0,
      block: {
        attributes: {
          id: { type: 'string', description: 'id', computed: true },
          name: { type: 'string', description: 'name', required: true, validate: (v, p) => (v === 'bad' ? [{ severity: 'error', summary: 'Bad name', attribute: p }] : []) },
        },
      },
    },
    async create({ planned }, ctx) {
      if (warn) ctx.diagnostics.warning('Heads up', 'only a warning');
      return create(planned);
    },
    async read() {
      throw new Error('service exploded');
    },
    async update() {
      return null;
    },
    async delete() {},
  };
  const provider = new FrameworkProvider<null>({
    schema: { version: 0, block: { attributes: {} } },
    configure: () => null,
    resources: [resource],
    dataSources: [],
    now: () => new Date(),
  });
  return provider;
}

/** The fake's configure gives no client; these tests need one (its resource never calls it). */
function withClient(provider: FrameworkProvider<null>): FrameworkProvider<null> {
  (provider as any).client = {};
  return provider;
}

const apply = (provider: FrameworkProvider<null>) =>
  provider.applyResourceChange({ typeName: 'fake_thing', priorState: null, plannedState: { id: UNKNOWN, name: 'n' }, config: { id: null, name: 'n' }, plannedPrivate: Buffer.alloc(0) });

describe('the framework provider core', () => {
  it('refuses calls that need the client until ConfigureProvider has succeeded', async () => {
    const provider = fakeProvider(() => ({ id: 'x', name: 'n' }));
    await provider.configureProvider({}, '1.11.0'); // its configure answers no client
    expect((await apply(provider)).diagnostics[0]).to.include({ severity: 'error', summary: 'Provider not configured' });
  });

  it('turns a result that breaks the plan into "Provider produced inconsistent result" naming the attribute; a warning does not fail the call', async () => {
    const provider = withClient(fakeProvider(() => ({ id: 'x', name: 'renamed by the server' }), true));
    const bad = await apply(provider);
    expect(bad.diagnostics.map((d) => d.summary)).to.deep.equal(['Heads up', 'Provider produced inconsistent result']);
    expect(bad.diagnostics[1]!.attribute).to.deep.equal(['name']);

    const good = await apply(withClient(fakeProvider(() => ({ id: 'x', name: 'n' }), true)));
    expect(good.diagnostics).to.deep.equal([{ severity: 'warning', summary: 'Heads up', detail: 'only a warning' }]);
    expect(good.newState).to.deep.equal({ id: 'x', name: 'n' });

    const unknownLeft = await apply(withClient(fakeProvider(() => ({ id: undefined, name: 'n' }))));
    expect(unknownLeft.diagnostics[0]).to.deep.include({ summary: 'Provider produced inconsistent result', attribute: ['id'] });
  });

  it('turns a thrown error into an error diagnostic, and validates attributes with their path', async () => {
    const provider = withClient(fakeProvider(() => null));
    const read = await provider.readResource('fake_thing', { id: 'x', name: 'n' }, Buffer.alloc(0));
    expect(read.diagnostics[0]).to.include({ severity: 'error', detail: 'service exploded' });
    const invalid = await provider.validateResourceConfig('fake_thing', { id: null, name: 'bad' });
    expect(invalid.diagnostics).to.deep.equal([{ severity: 'error', summary: 'Bad name', attribute: ['name'] }]);
    const unknown = await provider.validateResourceConfig('fake_thing', { id: null, name: UNKNOWN });
    expect(unknown.diagnostics, 'an unknown value is not validated yet').to.deep.equal([]);
  });
});


const nullConfig = { endpoint: null, root_key: null, max_concurrent: null, requests_per_second: null, max_retries: null, timeout_ms: null };

describe('provider configuration', () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const name of ['KEYSMITH_ENDPOINT', 'KEYSMITH_ROOT_KEY', 'KEYSMITH_PROVIDER_NOW']) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  });

  it('names the missing or invalid attribute, and never echoes the root key', async () => {
    delete process.env.KEYSMITH_ENDPOINT;
    delete process.env.KEYSMITH_ROOT_KEY;
    const missing = await createProvider().configureProvider(nullConfig, '1.11.0');
    expect(missing.diagnostics.map((d) => [d.summary, d.attribute])).to.deep.equal([
      ['Missing endpoint', ['endpoint']],
      ['Missing root key', ['root_key']],
    ]);
    const invalid = await createProvider().validateProviderConfig({ ...nullConfig, endpoint: 'keys.example.com', root_key: 'ks_root_supersecret', max_retries: -1, max_concurrent: 1.5 });
    expect(invalid.diagnostics.map((d) => d.attribute)).to.deep.equal([['endpoint'], ['max_concurrent'], ['max_retries']]);
    expect(JSON.stringify(invalid.diagnostics)).to.not.include('supersecret');
  });

  it('falls back to KEYSMITH_ENDPOINT and KEYSMITH_ROOT_KEY', async () => {
    process.env.KEYSMITH_ENDPOINT = 'http://127.0.0.1:1';
    process.env.KEYSMITH_ROOT_KEY = 'ks_root_x';
    expect((await createProvider().configureProvider(nullConfig, '1.11.0')).diagnostics).to.deep.equal([]);
    process.env.KEYSMITH_ENDPOINT = 'not a url';
    expect((await createProvider().configureProvider(nullConfig, '1.11.0')).diagnostics[0]).to.deep.include({ summary: 'Invalid endpoint', attribute: ['endpoint'] });
  });

  it('takes its clock from KEYSMITH_PROVIDER_NOW (tests only) and refuses one that is not a time', async () => {
    process.env.KEYSMITH_PROVIDER_NOW = 'tomorrow';
    const bad = await createProvider().configureProvider({ ...nullConfig, endpoint: 'http://127.0.0.1:1', root_key: 'k' }, '1.11.0');
    expect(bad.diagnostics[0]).to.include({ summary: 'Invalid provider clock' });
  });

  it('stop() aborts SDK calls in flight: they end with an error diagnostic', async () => {
    let started!: () => void;
    const inFlight = new Promise<void>((resolve) => (started = resolve));
    const hanging: typeof fetch = (_input, init) =>
      new Promise((_resolve, reject) => {
        started();
        init?.signal?.addEventListener('abort', () => reject(init.signal!.reason));
      });
    const provider = createProvider({ fetch: hanging });
    await provider.configureProvider({ ...nullConfig, endpoint: 'http://127.0.0.1:1', root_key: 'k', max_retries: 0, timeout_ms: 60_000 }, '1.11.0');
    const reading = provider.readResource('keysmith_quota_policy', { id: 'pol_1', name: 'p', quota: null, rate_limit: null, credits: null }, Buffer.alloc(0));
    await inFlight;
    await provider.stop();
    const r = await reading;
    expect(r.diagnostics).to.have.length(1);
    expect(r.diagnostics[0]).to.include({ severity: 'error', summary: 'Could not read the quota policy' });
  });
});
