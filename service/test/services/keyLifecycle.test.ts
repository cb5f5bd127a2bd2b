import { expect } from 'chai';
import { ConflictError, NotFoundError, PreconditionFailedError, ValidationError } from '../../src/domain/errors';
import type { Caller } from '../../src/domain/model';
import { parseSecret } from '../../src/domain/secrets';
import { findLiveSecretByHashes } from '../../src/repositories/keySecrets';
import { forEachDialect } from '../helpers/databases';
import { Harness } from '../helpers/harness';

forEachDialect('key lifecycle (services on a real database)', (dialect) => {
  let h: Harness;
  let acme: Caller;
  let globex: Caller;

  before(async () => {
    h = await Harness.start(dialect);
    acme = { workspaceId: h.tenants.acme.workspaceId, actor: { type: 'cli', id: 'tester' } };
    globex = { workspaceId: h.tenants.globex.workspaceId, actor: { type: 'cli', id: 'tester' } };
  });
  after(() => h.stop());

  /** Which key a secret opens right now, as verification will look it up. */
  const keyOpenedBy = async (secret: string): Promise<string | null> => {
    const row = await findLiveSecretByHashes(h.app.db.knex, h.app.peppers.candidateHashes(secret), h.clock.now());
    return row?.key_id ?? null;
  };

  it('creates a key whose secret carries the workspace prefix and env, stored only as a hash', async () => {
    const { key, secret } = await h.app.services.keys.create(acme, { name: 'Webshop', environment: 'preview', tags: ['b', 'a', 'b'] });
    expect(parseSecret(secret)).to.deep.equal({ prefix: 'acme', env: 'prev' });
    expect(key).to.include({ name: 'Webshop', environment: 'preview', status: 'active', group: 'default', version: 1 });
    expect(key.tags).to.deep.equal(['a', 'b']);
    expect(await keyOpenedBy(secret)).to.equal(key.id);
    const dump = JSON.stringify(await h.app.db.knex('key_secrets').select()) + JSON.stringify(await h.app.db.knex('api_keys').select());
    expect(dump).not.to.include(secret);
  });

  it('refuses a second live key with the same name in any letter case, and frees the name on delete', async () => {
    const { key } = await h.app.services.keys.create(acme, { name: 'Billing' });
    const err = await h.app.services.keys.create(acme, { name: 'BILLING' }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ConflictError).and.to.have.property('code', 'NAME_TAKEN');
    await h.app.services.keys.create(globex, { name: 'Billing' }); // other tenant: fine
    await h.app.services.keys.delete(acme, key.id);
    await h.app.services.keys.create(acme, { name: 'Billing' });
  });

  it('keeps names of 255 characters unique even where lower-casing makes them longer', async () => {
    const name = 'İ'.repeat(255); // lower-cases to 510 code points
    await h.app.services.keys.create(acme, { name });
    const err = await h.app.services.keys.create(acme, { name }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ConflictError).and.to.have.property('code', 'NAME_TAKEN');
    const found = await h.app.services.keyReads.list(acme, { q: 'i̇i̇', limit: 10 });
    expect(found.items.map((k) => k.name)).to.deep.equal([name]);
  });

  it('rotates to a new secret under the same id; with an overlap both secrets open the key until it ends', async () => {
    const { key, secret: first } = await h.app.services.keys.create(acme, { name: 'rotating' });
    const rotated = await h.app.services.keys.rotate(acme, key.id, 3600);
    expect(rotated.key.id).to.equal(key.id);
    expect(rotated.secret).not.to.equal(first);
    expect(rotated.key.start).not.to.equal(key.start);
    expect(rotated.key.lastRotatedAt?.getTime()).to.equal(h.clock.now().getTime());
    expect(await keyOpenedBy(first)).to.equal(key.id);
    expect(await keyOpenedBy(rotated.secret)).to.equal(key.id);
    h.clock.advance(3600 * 1000);
    expect(await keyOpenedBy(first)).to.equal(null);
    expect(await keyOpenedBy(rotated.secret)).to.equal(key.id);
  });

  it('without an overlap the old secret stops at once, and a second rotation never extends an overlap', async () => {
    const { key, secret: first } = await h.app.services.keys.create(acme, { name: 'rotating-now' });
    const second = await h.app.services.keys.rotate(acme, key.id, 60);
    const third = await h.app.services.keys.rotate(acme, key.id, 0);
    expect(await keyOpenedBy(first)).to.equal(null);
    expect(await keyOpenedBy(second.secret)).to.equal(null);
    expect(await keyOpenedBy(third.secret)).to.equal(key.id);
  });

  it('makes revocation permanent: enable and rotate are refused, revoking again changes nothing', async () => {
    const { key } = await h.app.services.keys.create(acme, { name: 'to-revoke' });
    const revoked = await h.app.services.keys.revoke(acme, key.id);
    expect(revoked.status).to.equal('revoked');
    for (const attempt of [() => h.app.services.keys.enable(acme, key.id), () => h.app.services.keys.rotate(acme, key.id, 0)]) {
      const err = await attempt().catch((e: unknown) => e);
      expect(err).to.be.instanceOf(ConflictError).and.to.have.property('code', 'KEY_REVOKED');
    }
    const again = await h.app.services.keys.revoke(acme, key.id);
    expect(again.version).to.equal(revoked.version);
  });

  it('derives expired from the clock, not from a stored flag', async () => {
    const { key } = await h.app.services.keys.create(acme, { name: 'short-lived', expiresAt: new Date(h.clock.now().getTime() + 1000) });
    expect(key.status).to.equal('active');
    h.clock.advance(1000);
    expect((await h.app.services.keyReads.get(acme, key.id)).key.status).to.equal('expired');
    const expired = await h.app.services.keyReads.list(acme, { status: 'expired', limit: 100 });
    expect(expired.items.map((k) => k.id)).to.include(key.id);
  });

  it('deletes only keys that were never used', async () => {
    const { key } = await h.app.services.keys.create(acme, { name: 'used-once' });
    await h.app.db.knex('request_logs').insert({
      workspace_id: acme.workspaceId, key_id: key.id, code: 'VALID', duration_micros: 50, credits_spent: 0, created_at: h.clock.now().getTime(),
    });
    const err = await h.app.services.keys.delete(acme, key.id).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ConflictError).and.to.have.property('code', 'KEY_HAS_HISTORY');
    expect((await h.app.services.keyReads.get(acme, key.id)).key.status).to.equal('active');
  });

  it('hides other tenants\' keys as not found', async () => {
    const { key } = await h.app.services.keys.create(globex, { name: 'globex-only' });
    for (const attempt of [
      () => h.app.services.keyReads.get(acme, key.id),
      () => h.app.services.keys.update(acme, key.id, { name: 'stolen' }),
      () => h.app.services.keys.disable(acme, key.id),
      () => h.app.services.keys.delete(acme, key.id),
    ]) {
      expect(await attempt().catch((e: unknown) => e)).to.be.instanceOf(NotFoundError);
    }
    expect((await h.app.services.keyReads.get(globex, key.id)).key).to.include({ name: 'globex-only', status: 'active', version: 1 });
  });

  it('applies an edit only at the expected version, and an empty change writes nothing', async () => {
    const { key } = await h.app.services.keys.create(acme, { name: 'versioned' });
    const edited = await h.app.services.keys.update(acme, key.id, { scopes: ['push:send'], quota: { daily: 5 } }, 1);
    expect(edited.version).to.equal(2);
    const stale = await h.app.services.keys.update(acme, key.id, { scopes: [] }, 1).catch((e: unknown) => e);
    expect(stale).to.be.instanceOf(PreconditionFailedError);
    const audits = await h.count('audit_events');
    const same = await h.app.services.keys.update(acme, key.id, { scopes: ['push:send'] });
    expect(same.version).to.equal(2);
    expect(await h.count('audit_events')).to.equal(audits);
  });

  it('refuses a quota policy of another workspace by naming the field', async () => {
    const policy = await h.app.services.policies.create(globex, { name: 'globex-standard', quota: { daily: 10 } });
    const err = await h.app.services.keys.create(acme, { name: 'policy-thief', quotaPolicyId: policy.id }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ValidationError);
    expect((err as ValidationError).details?.[0]?.field).to.equal('quotaPolicyId');
  });

  it('merges key limits over policy limits window by window in the effective limits', async () => {
    const policy = await h.app.services.policies.create(acme, { name: 'standard', quota: { daily: 10_000, monthly: 200_000 }, rateLimit: { limit: 10, windowSeconds: 1 } });
    const { key } = await h.app.services.keys.create(acme, { name: 'uses-policy', quotaPolicyId: policy.id, quota: { daily: 50 } });
    const details = await h.app.services.keyReads.get(acme, key.id);
    expect(details.effectiveLimits.quota).to.deep.equal({ daily: 50, monthly: 200_000 });
    expect(details.effectiveLimits.rateLimit).to.deep.equal({ limit: 10, windowSeconds: 1 });
    expect(details.usage.find((u) => u.window === 'daily')).to.deep.equal({ window: 'daily', used: 0, limit: 50, remaining: 50 });
    const inUse = await h.app.services.policies.delete(acme, policy.id).catch((e: unknown) => e);
    expect(inUse).to.be.instanceOf(ConflictError).and.to.have.property('code', 'POLICY_IN_USE');
  });

  it('records every change with actor, before and after, and no secret', async () => {
    const { key, secret } = await h.app.services.keys.create(acme, { name: 'audited' });
    const rotated = await h.app.services.keys.rotate(acme, key.id, 0);
    await h.app.services.keys.disable(acme, key.id);
    const events = (await h.app.services.audit.list(acme, { keyId: key.id, limit: 10 })).items;
    expect(events.map((e) => e.action)).to.deep.equal(['key.disabled', 'key.rotated', 'key.created']);
    expect(events[0]).to.deep.include({ actor: { type: 'cli', id: 'tester' } });
    expect(events[0]!.before).to.include({ status: 'active' });
    expect(events[0]!.after).to.include({ status: 'disabled' });
    const text = JSON.stringify(events);
    expect(text).not.to.include(secret);
    expect(text).not.to.include(rotated.secret);
  });
});

forEachDialect('limits and races (services on a real database)', (dialect) => {
  let h: Harness;
  let acme: Caller;

  beforeEach(async () => {
    h = await Harness.start(dialect, { acmeMaxActiveKeys: 3 });
    acme = { workspaceId: h.tenants.acme.workspaceId, actor: { type: 'cli', id: 'tester' } };
  });
  afterEach(() => h.stop());

  it('admits exactly maxActiveKeys keys out of 12 concurrent creates, with a message saying why', async () => {
    const results = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => h.app.services.keys.create(acme, { name: `seed-${i}` })));
    const created = results.filter((r) => r.status === 'fulfilled');
    const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    expect(created).to.have.length(3);
    expect(refused).to.have.length(9);
    for (const err of refused) {
      expect(err).to.be.instanceOf(ConflictError).and.to.have.property('code', 'MAX_ACTIVE_KEYS');
      expect((err as Error).message).to.match(/allows 3 active keys and has 3/);
    }
    expect(await h.count('api_keys')).to.equal(3);
  });

  it('frees a slot when a key is disabled and takes it again on enable', async () => {
    const keys = [];
    for (let i = 0; i < 3; i++) keys.push((await h.app.services.keys.create(acme, { name: `k${i}` })).key);
    await h.app.services.keys.disable(acme, keys[0]!.id);
    await h.app.services.keys.create(acme, { name: 'k3' });
    const err = await h.app.services.keys.enable(acme, keys[0]!.id).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ConflictError).and.to.have.property('code', 'MAX_ACTIVE_KEYS');
  });

  it('turns 8 concurrent creates with one Idempotency-Key into one key and the same secret for all', async () => {
    const body = { name: 'idempotent', scopes: ['a:b'] };
    const results = await Promise.all(Array.from({ length: 8 }, () => h.app.services.keys.create(acme, body, 'order-42')));
    expect(new Set(results.map((r) => r.key.id)).size).to.equal(1);
    expect(new Set(results.map((r) => r.secret)).size).to.equal(1);
    expect(results.filter((r) => !r.replayed)).to.have.length(1);
    expect(await h.count('api_keys')).to.equal(1);
    expect(await h.count('idempotency_records')).to.equal(1);
    const reuse = await h.app.services.keys.create(acme, { ...body, scopes: ['other'] }, 'order-42').catch((e: unknown) => e);
    expect(reuse).to.be.instanceOf(ConflictError).and.to.have.property('code', 'IDEMPOTENCY_KEY_REUSED');
  });

  it('forgets an Idempotency-Key after 24 hours', async () => {
    const first = await h.app.services.keys.create(acme, { name: 'daily-job' }, 'job-1');
    await h.app.services.keys.delete(acme, first.key.id);
    h.clock.advance(24 * 3600 * 1000 + 1);
    const second = await h.app.services.keys.create(acme, { name: 'daily-job' }, 'job-1');
    expect(second.replayed).to.equal(false);
    expect(second.key.id).not.to.equal(first.key.id);
    expect(await h.count('idempotency_records'), 'the expired record and its sealed secret are gone').to.equal(1);
  });

  it('leaves nothing behind when the audit insert fails halfway through a change', async () => {
    const { key } = await h.app.services.keys.create(acme, { name: 'fault-target' });
    const before = { counts: await h.snapshotCounts(), key: await h.app.services.keyReads.get(acme, key.id) };
    await h.injectFault('audit_events');
    try {
      const attempts = [
        () => h.app.services.keys.create(acme, { name: 'never-written', tags: ['t'] }, 'idem-fault'),
        () => h.app.services.keys.update(acme, key.id, { name: 'renamed', tags: ['x'] }),
        () => h.app.services.keys.rotate(acme, key.id, 0),
        () => h.app.services.keys.revoke(acme, key.id),
        () => h.app.services.keys.delete(acme, key.id),
        () => h.app.services.policies.create(acme, { name: 'never' }),
      ];
      for (const attempt of attempts) {
        const err = await attempt().catch((e: unknown) => e);
        expect(String(err)).to.match(/injected failure on audit_events/);
      }
    } finally {
      await h.removeFault('audit_events');
    }
    expect(await h.snapshotCounts()).to.deep.equal(before.counts);
    expect(await h.app.services.keyReads.get(acme, key.id)).to.deep.equal(before.key);
  });
});
