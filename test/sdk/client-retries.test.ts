import { expect } from 'chai';
import { ConnectionError, Keysmith } from '@keysmith/sdk';
import { forEachDialect } from '@keysmith/service/dist/test/helpers/databases';
import { LossyProxy } from './lossyProxy';
import { LiveService, rejectionOf, uniqueName } from './service';

// Retries against the real service when an answer is lost after the service acted: what the SDK retries,
// it retries without doing the thing twice.
forEachDialect('SDK retries against the service when answers are lost', (dialect) => {
  let service: LiveService;
  let proxy: LossyProxy;
  let client: Keysmith;

  before(async () => {
    service = await LiveService.start(dialect);
    proxy = await LossyProxy.start(service.baseUrl);
    client = new Keysmith({ baseUrl: proxy.baseUrl, rootKey: service.harness.tenants.acme.rootKey, maxRetries: 2, sleep: async () => {} });
  });
  after(async () => {
    await proxy.stop();
    await service.stop();
  });
  beforeEach(() => {
    proxy.forwarded.length = 0;
  });

  it('a create whose answer is lost is retried with the same Idempotency-Key, and makes one key', async () => {
    const name = uniqueName('lost answer');
    proxy.loseNext(1);
    const created = await client.keys.create({ name });
    const posts = proxy.forwarded.filter((r) => r.method === 'POST');
    expect(posts).to.have.length(2);
    expect(posts[0]!.headers['idempotency-key']).to.be.a('string').and.equal(posts[1]!.headers['idempotency-key']);
    const named = [];
    for await (const key of service.client().keys.list({ q: name })) named.push(key.id);
    expect(named).to.deep.equal([created.key.id]);
    expect((await service.client().verify(created.secret)).code).to.equal('VALID');
  });

  it('a rotate whose answer is lost is retried with the same Idempotency-Key, and rotates once: the secret received works', async () => {
    const { key, secret: original } = await service.client().keys.create({ name: uniqueName('lost rotation') });
    proxy.loseNext(1);
    const rotated = await client.keys.rotate(key.id, { overlapSeconds: 0 });
    const posts = proxy.forwarded.filter((r) => r.method === 'POST');
    expect(posts).to.have.length(2);
    expect(posts[0]!.headers['idempotency-key']).to.be.a('string').and.equal(posts[1]!.headers['idempotency-key']);
    expect((await service.client().verify(rotated.secret)).code).to.equal('VALID');
    expect((await service.client().verify(original)).code).to.equal('INVALID');
    const rotations = [];
    for await (const event of service.client().auditEvents.list({ keyId: key.id })) if (event.action === 'key.rotated') rotations.push(event);
    expect(rotations).to.have.length(1);
  });

  it('a verify whose answer is lost is not retried: the service counted it once', async () => {
    const { key, secret } = await service.client().keys.create({ name: uniqueName('counted once'), quota: { total: 10 } });
    proxy.loseNext(1);
    expect(await rejectionOf(client.verify(secret))).to.be.instanceOf(ConnectionError);
    expect(proxy.forwarded.map((r) => r.url)).to.deep.equal(['/v1/verify']);
    await service.harness.app.flush();
    const used = (await service.client().keys.get(key.id)).usage.find((u) => u.window === 'total');
    expect(used).to.include({ used: 1, remaining: 9 });
  });
});
