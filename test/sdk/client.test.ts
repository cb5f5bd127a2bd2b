import { expect } from 'chai';
import {
  AuthenticationError,
  BadRequestError,
  ConflictError,
  ConnectionError,
  Keysmith,
  NotFoundError,
  PermissionDeniedError,
  PreconditionFailedError,
  TimeoutError,
} from '@keysmith/sdk';
import { forEachDialect } from '@keysmith/service/dist/test/helpers/databases';
import { LiveService, rejectionOf, uniqueName, useLiveService } from './service';

// Every call of the keys resource and verify, against the real service over HTTP: one happy path and one
// error path each, with the error class and code a user would branch on.
forEachDialect('SDK against the service: keys and verify', (dialect) => {
  let service: LiveService;
  let client: Keysmith;

  useLiveService(dialect, (started, startedClient) => {
    service = started;
    client = startedClient;
  });

  it('keys.create returns the key and its secret, which verifies; a taken name is a ConflictError', async () => {
    const name = uniqueName('create');
    const created = await client.keys.create({ name, scopes: ['push:send'], tags: ['billing'] });
    expect(created.key).to.include({ name, environment: 'production', status: 'active' });
    expect(created.secret).to.match(/^acme_live_/);
    expect((await client.verify(created.secret, { scopes: ['push:send'] })).code).to.equal('VALID');
    const err = await rejectionOf(client.keys.create({ name }));
    expect(err).to.be.instanceOf(ConflictError);
    expect((err as ConflictError).code).to.equal('NAME_TAKEN');
  });

  it('keys.create with one idempotency key twice makes one key; invalid fields are a BadRequestError naming them', async () => {
    const name = uniqueName('idempotent');
    const first = await client.keys.create({ name }, { idempotencyKey: `order-${name.replace(/ /g, "-")}` });
    const second = await client.keys.create({ name }, { idempotencyKey: `order-${name.replace(/ /g, "-")}` });
    expect(second.key.id).to.equal(first.key.id);
    const err = (await rejectionOf(client.keys.create({ name: uniqueName('bad'), quota: { daily: -1 } }))) as BadRequestError;
    expect(err).to.be.instanceOf(BadRequestError);
    expect(err.code).to.equal('VALIDATION_FAILED');
    expect(err.details!.map((d) => d.field)).to.deep.equal(['quota.daily']);
    expect(err.requestId).to.be.a('string').and.not.equal('');
  });

  it('keys.list pages through every key with its filters; a bad limit is a BadRequestError', async () => {
    const tag = uniqueName('tag').replace(' ', '-');
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push((await client.keys.create({ name: uniqueName('list'), tags: [tag] })).key.id);
    const first = await client.keys.list({ tag, limit: 2 });
    expect(first.items).to.have.length(2);
    expect(first.nextCursor).to.be.a('string');
    const all = [];
    for await (const key of client.keys.list({ tag, limit: 2 })) all.push(key.id);
    expect(all.sort()).to.deep.equal(ids.sort());
    expect(await rejectionOf(client.keys.list({ limit: 0 }))).to.be.instanceOf(BadRequestError);
  });

  it('keys.get returns the key with usage; another workspace\'s key is a NotFoundError', async () => {
    const created = await client.keys.create({ name: uniqueName('get'), quota: { daily: 10 } });
    const details = await client.keys.get(created.key.id);
    expect(details.id).to.equal(created.key.id);
    expect(details.usage.find((u) => u.window === 'daily')).to.include({ used: 0, limit: 10, remaining: 10 });
    const err = await rejectionOf(service.otherTenant().keys.get(created.key.id));
    expect(err).to.be.instanceOf(NotFoundError);
  });

  it('keys.update applies with the current version and refuses a stale one with PreconditionFailedError', async () => {
    const { key } = await client.keys.create({ name: uniqueName('update') });
    const updated = await client.keys.update(key.id, { tags: ['edited'], expiresAt: null }, { ifMatch: key.version });
    expect(updated.tags).to.deep.equal(['edited']);
    expect(updated.version).to.be.greaterThan(key.version);
    const err = await rejectionOf(client.keys.update(key.id, { tags: ['late'] }, { ifMatch: key.version }));
    expect(err).to.be.instanceOf(PreconditionFailedError);
  });

  it('keys.disable, enable and revoke change the status verify sees; enabling a revoked key is a ConflictError', async () => {
    const { key, secret } = await client.keys.create({ name: uniqueName('states') });
    expect((await client.keys.disable(key.id)).status).to.equal('disabled');
    expect((await client.verify(secret)).code).to.equal('DISABLED');
    expect((await client.keys.enable(key.id)).status).to.equal('active');
    expect((await client.keys.revoke(key.id)).status).to.equal('revoked');
    expect((await client.verify(secret)).code).to.equal('REVOKED');
    const err = await rejectionOf(client.keys.enable(key.id));
    expect(err).to.be.instanceOf(ConflictError);
    expect((err as ConflictError).code).to.equal('KEY_REVOKED');
    expect(await rejectionOf(client.keys.disable('key_doesnotexist'))).to.be.instanceOf(NotFoundError);
  });

  it('keys.rotate issues a new secret for the same id; rotating a revoked key is a ConflictError', async () => {
    const { key, secret } = await client.keys.create({ name: uniqueName('rotate') });
    const rotated = await client.keys.rotate(key.id);
    expect(rotated.key.id).to.equal(key.id);
    expect(rotated.secret).to.not.equal(secret);
    expect((await client.verify(rotated.secret)).code).to.equal('VALID');
    expect((await client.verify(secret)).valid).to.equal(false);
    await client.keys.revoke(key.id);
    expect(await rejectionOf(client.keys.rotate(key.id))).to.be.instanceOf(ConflictError);
  });

  it('keys.delete removes an unused key; a used one is a ConflictError KEY_HAS_HISTORY', async () => {
    const unused = await client.keys.create({ name: uniqueName('delete') });
    expect(await client.keys.delete(unused.key.id)).to.equal(undefined);
    expect(await rejectionOf(client.keys.get(unused.key.id))).to.be.instanceOf(NotFoundError);
    const used = await client.keys.create({ name: uniqueName('used') });
    await client.verify(used.secret);
    await service.harness.app.flush();
    const err = await rejectionOf(client.keys.delete(used.key.id));
    expect(err).to.be.instanceOf(ConflictError);
    expect((err as ConflictError).code).to.equal('KEY_HAS_HISTORY');
  });

  it('keys.bulk answers per id; an empty id list is a BadRequestError', async () => {
    const a = await client.keys.create({ name: uniqueName('bulk') });
    const result = await client.keys.bulk({ action: 'disable', ids: [a.key.id, 'key_missing'] });
    expect(result.results.map((r) => [r.id, r.ok])).to.deep.equal([
      [a.key.id, true],
      ['key_missing', false],
    ]);
    expect(await rejectionOf(client.keys.bulk({ action: 'disable', ids: [] }))).to.be.instanceOf(BadRequestError);
  });

  it('keys.logs lists the verifications of a key; an unknown key is a NotFoundError', async () => {
    const { key, secret } = await client.keys.create({ name: uniqueName('logs') });
    await client.verify(secret, { endpoint: 'GET /reports', ip: '203.0.113.9' });
    await client.verify(secret, { endpoint: 'GET /invoices', ip: '203.0.113.9' });
    await service.harness.app.flush();
    const endpoints = [];
    for await (const log of client.keys.logs(key.id, { limit: 1 })) endpoints.push(log.endpoint);
    expect(endpoints).to.deep.equal(['GET /invoices', 'GET /reports']);
    expect(await rejectionOf(client.keys.logs('key_doesnotexist'))).to.be.instanceOf(NotFoundError);
  });

  it('verify answers denials as data; a root key without keys:verify is a PermissionDeniedError, a bad one an AuthenticationError', async () => {
    const { secret } = await client.keys.create({ name: uniqueName('verify'), scopes: ['reports:read'] });
    const denied = await client.verify(secret, { scopes: ['reports:write'] });
    expect([denied.valid, denied.code]).to.deep.equal([false, 'FORBIDDEN']);
    expect((await client.verify('acme_live_notakey')).code).to.equal('INVALID');
    const readOnly = service.client({ rootKey: await service.harness.rootKeyWithScopes(['keys:read']) });
    const err = (await rejectionOf(readOnly.verify(secret))) as PermissionDeniedError;
    expect(err).to.be.instanceOf(PermissionDeniedError);
    expect(err.message).to.contain('keys:verify');
    const bad = await rejectionOf(service.client({ rootKey: 'acme_root_wrong' }).verify(secret));
    expect(bad).to.be.instanceOf(AuthenticationError);
    expect((bad as AuthenticationError).headers['www-authenticate']).to.equal('Bearer');
  });
});

describe('SDK against a closed port and a server that never answers', () => {
  it('a refused connection is a ConnectionError once the retries (which a refusal allows, even for verify) are spent', async () => {
    const { createServer } = await import('node:net');
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as { port: number };
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const waits: number[] = [];
    const client = new Keysmith({
      baseUrl: `http://127.0.0.1:${port}`,
      rootKey: 'acme_root_x',
      maxRetries: 2,
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
    const err = await rejectionOf(client.verify('acme_live_x'));
    expect(err).to.be.instanceOf(ConnectionError).and.not.instanceOf(TimeoutError);
    expect((err as ConnectionError).message).to.contain('ECONNREFUSED');
    expect(waits).to.have.length(2);
  });

  it('a verify that reached a server which never answers times out once and is not retried; a read is', async () => {
    const { createServer } = await import('node:http');
    const received: string[] = [];
    const silent = createServer((req) => received.push(`${req.method} ${req.url}`));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = silent.address() as { port: number };
      const client = new Keysmith({ baseUrl: `http://127.0.0.1:${port}`, rootKey: 'acme_root_x', timeoutMs: 200, maxRetries: 2, sleep: async () => {} });
      const err = await rejectionOf(client.verify('acme_live_x'));
      expect(err).to.be.instanceOf(TimeoutError);
      expect((err as TimeoutError).sent).to.equal(true);
      expect(received).to.deep.equal(['POST /v1/verify']);
      received.length = 0;
      expect(await rejectionOf(client.keys.get('key_1'))).to.be.instanceOf(TimeoutError);
      expect(received).to.deep.equal(['GET /v1/keys/key_1', 'GET /v1/keys/key_1', 'GET /v1/keys/key_1']);
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});
