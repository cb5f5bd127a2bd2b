import { expect } from 'chai';
import { ConflictError, NotFoundError, PreconditionFailedError, ValidationError } from '../../src/domain/errors';
import type { ApiKey, Caller } from '../../src/domain/model';
import { parseSecret } from '../../src/domain/secrets';
import { findLiveSecretByHashes } from '../../src/repositories/keySecrets';
import { forEachDialect } from '../helpers/databases';
import { Harness, TEST_PEPPER } from '../helpers/harness';
import { PepperRing } from '../../src/domain/pepper';
import { KeyService } from '../../src/services/keys';
import { writeLogs } from '../helpers/requestLogs';

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
    await writeLogs(h.app.db.knex, [{ workspaceId: acme.workspaceId, keyId: key.id, code: 'VALID', createdAt: h.clock.now().getTime() }]);
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

  it('admits one of two concurrent enables, or an enable racing a create, into the last free slot', async () => {
    const keys: ApiKey[] = [];
    for (let i = 0; i < 3; i++) keys.push((await h.app.services.keys.create(acme, { name: `slot-${i}` })).key);
    await h.app.services.keys.disable(acme, keys[0]!.id);
    await h.app.services.keys.disable(acme, keys[1]!.id);
    await h.app.services.keys.create(acme, { name: 'filler' }); // 2 active of 3: one free slot
    for (let round = 0; round < 5; round++) {
      const results = await Promise.allSettled([
        h.app.services.keys.enable(acme, keys[0]!.id),
        h.app.services.keys.enable(acme, keys[1]!.id),
        h.app.services.keys.create(acme, { name: `racer-${round}` }),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled'), `round ${round}`).to.have.length(1);
      const active = (await h.app.services.keyReads.list(acme, { status: 'active', limit: 100 })).items;
      expect(active, `round ${round}`).to.have.length(3);
      // Free the slot again for the next round, whoever took it.
      const winner = active.find((k) => k.id === keys[0]!.id || k.id === keys[1]!.id || k.name === `racer-${round}`)!;
      await h.app.services.keys.disable(acme, winner.id);
    }
  });

  it('counts a PATCH that un-expires a key against maxActiveKeys, and an expired key as not active', async () => {
    const soon = new Date(h.clock.now().getTime() + 1000);
    const expiring = [];
    for (let i = 0; i < 3; i++) expiring.push((await h.app.services.keys.create(acme, { name: `temp-${i}`, expiresAt: soon })).key);
    h.clock.advance(1000);
    for (let i = 0; i < 3; i++) await h.app.services.keys.create(acme, { name: `fresh-${i}` });
    const revive = await h.app.services.keys.update(acme, expiring[0]!.id, { expiresAt: null }).catch((e: unknown) => e);
    expect(revive).to.be.instanceOf(ConflictError).and.to.have.property('code', 'MAX_ACTIVE_KEYS');
    // Disabling and enabling an expired key never makes it active, so the cap does not apply.
    await h.app.services.keys.disable(acme, expiring[1]!.id);
    expect((await h.app.services.keys.enable(acme, expiring[1]!.id)).status).to.equal('expired');
  });

  it('creates with Idempotency-Keys concurrently across workspaces without a deadlock or a 500', async () => {
    const callers = [acme, { ...acme, workspaceId: h.tenants.globex.workspaceId }];
    for (let i = 0; i < 4; i++) {
      const slug = `tenant${i}`;
      const ws = await h.app.services.rootKeys.bootstrap({ workspaceSlug: slug, rootKeyName: 't' }, { type: 'system', id: 'test' });
      callers.push({ ...acme, workspaceId: ws.workspace.id });
    }
    const runs = callers.flatMap((caller, w) =>
      Array.from({ length: 2 }, (_, i) => h.app.services.keys.create(caller, { name: `idem-${w}-${i}` }, `job-${w}-${i}`)),
    );
    const results = await Promise.allSettled(runs);
    const failures = results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []));
    expect(failures).to.deep.equal([]);
    expect(await h.count('idempotency_records')).to.equal(runs.length);
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

  it('resolves a policy delete racing a key that attaches it to a 4xx, never a database error', async () => {
    for (let round = 0; round < 8; round++) {
      const policy = await h.app.services.policies.create(acme, { name: `racy-${round}`, quota: { daily: 1 } });
      const results = await Promise.allSettled([
        h.app.services.keys.create(acme, { name: `attach-${round}`, quotaPolicyId: policy.id }),
        h.app.services.policies.delete(acme, policy.id),
      ]);
      for (const r of results) {
        if (r.status === 'rejected') expect(r.reason, String(r.reason)).to.satisfy((e: unknown) => e instanceof ValidationError || (e instanceof ConflictError && e.code === 'POLICY_IN_USE'));
      }
      const created = results[0].status === 'fulfilled' ? results[0].value.key : null;
      if (created) await h.app.services.keys.delete(acme, created.id);
    }
  });

  it('still replays an Idempotency-Key after a new pepper version is prepended', async () => {
    const first = await h.app.services.keys.create(acme, { name: 'before-rotation' }, 'retry-me');
    const rotated = new KeyService({ db: h.app.db, clock: h.clock, peppers: PepperRing.parse(`${PepperRing.generateText(2)},${TEST_PEPPER}`) });
    const again = await rotated.create(acme, { name: 'before-rotation' }, 'retry-me');
    expect(again).to.deep.include({ secret: first.secret, replayed: true });
    expect(again.key.id).to.equal(first.key.id);
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
