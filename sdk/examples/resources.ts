import { Keysmith } from '../src';

const keysmith = new Keysmith();

export async function keys(): Promise<void> {
  const { key, secret } = await keysmith.keys.create(
    { name: 'reports-service', environment: 'preview', tags: ['internal'], rateLimit: { limit: 100, windowSeconds: 60 } },
    { idempotencyKey: 'provision-reports-service' },
  );
  void secret;

  // Every active key, page after page.
  for await (const k of keysmith.keys.list({ status: 'active', tag: 'internal' })) {
    console.log(k.id, k.name, k.lastUsedAt);
  }

  // One page at a time.
  let page = await keysmith.keys.list({ limit: 50 });
  console.log(page.items.length, page.nextCursor);
  const next = await page.getNextPage();
  if (next) page = next;

  // One key, with its usage per window.
  const details = await keysmith.keys.get(key.id);
  console.log(details.usage, details.effectiveLimits);

  // Edit only if nobody changed the key since it was read; null clears a field.
  await keysmith.keys.update(key.id, { scopes: ['reports:read'], expiresAt: null }, { ifMatch: details.version });

  await keysmith.keys.disable(key.id);
  await keysmith.keys.enable(key.id);

  // A new secret for the same key; the old one keeps working for an hour.
  const rotated = await keysmith.keys.rotate(key.id, { overlapSeconds: 3600 });
  console.log(rotated.secret);

  for await (const log of keysmith.keys.logs(key.id)) {
    console.log(log.createdAt, log.endpoint, log.code);
  }
  // Only the refused ones.
  for await (const log of keysmith.keys.logs(key.id, { code: 'RATE_LIMITED' })) console.log(log.createdAt);

  // Verifications per UTC day over the last week, by code, for a chart.
  const week = await keysmith.keys.usage(key.id, { window: '7d' });
  for (const bucket of week.buckets) console.log(bucket.start, bucket.counts.VALID ?? 0, bucket.counts.RATE_LIMITED ?? 0);

  const bulk = await keysmith.keys.bulk({ action: 'revoke', ids: [key.id, 'key_2'] });
  for (const r of bulk.results) if (!r.ok) console.log(r.id, r.error?.code);

  await keysmith.keys.revoke(key.id);
  // Only a key that was never used can be deleted.
  await keysmith.keys.delete('key_never_used');
}

export async function quotaPolicies(): Promise<void> {
  const free = await keysmith.quotaPolicies.create({
    name: 'free',
    quota: { daily: 1_000, monthly: 20_000 },
    rateLimit: { limit: 10, windowSeconds: 1 },
  });
  await keysmith.keys.create({ name: 'trial-customer', quotaPolicyId: free.id });

  for await (const policy of keysmith.quotaPolicies.list()) console.log(policy.name);
  const current = await keysmith.quotaPolicies.get(free.id);
  await keysmith.quotaPolicies.update(free.id, { quota: { daily: 2_000 } }, { ifMatch: current.version });
  await keysmith.quotaPolicies.delete(free.id);
}

export async function auditEvents(keyId: string): Promise<void> {
  for await (const event of keysmith.auditEvents.list({ keyId })) {
    console.log(event.createdAt, event.actor.id, event.action);
  }
}

export async function workspace(): Promise<void> {
  const ws = await keysmith.workspace.get();
  console.log(ws.slug, ws.maxActiveKeys, ws.planLimits);
  await keysmith.workspace.update({ planLimits: { perSecond: 50, perMinute: 1_000 } });
}

export async function rootKeys(): Promise<void> {
  // A narrower root key for a CI job; its secret is in this answer only.
  const { rootKey, secret } = await keysmith.rootKeys.create({ name: 'ci-reader', scopes: ['keys:read'] });
  void secret;
  for (const k of await keysmith.rootKeys.list()) console.log(k.name, k.scopes, k.status, k.lastUsedAt);
  await keysmith.rootKeys.revoke(rootKey.id);
}
