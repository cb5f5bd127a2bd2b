/**
 * Compile-time tests: `tsc -b` (CI's lint step) fails if a call that must not compile does (an unused
 * `@ts-expect-error` is itself an error), or if one that must compile does not. Nothing here runs.
 */
import { Keysmith, type CreateKeyParams, type Key, type VerifyCode, type VerifyResult } from '../src';

export async function wrongCallsDoNotCompile(client: Keysmith): Promise<void> {
  // @ts-expect-error name is required
  await client.keys.create({ tags: ['billing'] });
  // @ts-expect-error tags is a list of strings, not a string
  await client.keys.create({ name: 'billing', tags: 'billing' });
  // @ts-expect-error environment is production, preview or development
  await client.keys.create({ name: 'billing', environment: 'staging' });
  // @ts-expect-error a misspelt field is refused, not ignored
  await client.keys.create({ name: 'billing', scope: ['push:send'] });
  // @ts-expect-error rateLimit needs windowSeconds too
  await client.keys.create({ name: 'billing', rateLimit: { limit: 10 } });
  // @ts-expect-error a name cannot be cleared
  await client.keys.update('key_1', { name: null });
  // @ts-expect-error the status filter is a key status
  client.keys.list({ status: 'deleted' });
  // @ts-expect-error bulk actions are disable, enable, revoke and delete
  await client.keys.bulk({ action: 'rotate', ids: ['key_1'] });
  // @ts-expect-error overlapSeconds is a number of seconds
  await client.keys.rotate('key_1', { overlapSeconds: '60' });
  // @ts-expect-error cost is a number
  await client.verify('acme_live_x', { cost: '1' });
  // @ts-expect-error the key is the first argument, not an option
  await client.verify('acme_live_x', { key: 'acme_live_y' });
  // @ts-expect-error quota windows are total, daily, weekly and monthly
  await client.quotaPolicies.create({ name: 'free', quota: { hourly: 10 } });
  // @ts-expect-error maxActiveKeys is a number or null
  await client.workspace.update({ maxActiveKeys: 'three' });
  // @ts-expect-error maxRetries is a number
  new Keysmith({ maxRetries: 'twice' });

  const result: VerifyResult = await client.verify('acme_live_x');
  // @ts-expect-error no such verification code
  if (result.code === 'OK') return;
  const key: Key = (await client.keys.create({ name: 'billing' })).key;
  // @ts-expect-error a listed key has no secret
  void key.secret;
}

export async function rightCallsCompile(client: Keysmith): Promise<void> {
  // Fields with a default on the service (environment, group, …) stay optional to send.
  const params: CreateKeyParams = { name: 'billing' };
  const created = await client.keys.create(params, { idempotencyKey: 'order-42' });
  const secret: string = created.secret;
  await client.keys.update(created.key.id, { expiresAt: null, quota: { daily: 1000 } }, { ifMatch: created.key.version });
  await client.keys.rotate(created.key.id);
  const code: VerifyCode = (await client.verify(secret, { ip: '203.0.113.9', scopes: ['push:send'], cost: 2 }, { timeoutMs: 500, maxRetries: 0 })).code;
  void code;
  for await (const key of client.keys.list({ status: 'active', environment: 'production' })) void key.name;
  const page = await client.auditEvents.list({ keyId: created.key.id });
  void (await page.getNextPage())?.items;
}
