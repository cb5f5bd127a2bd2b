import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { expectNoAxeViolations } from './axe';
import { useBrowser } from './browser';
import { ConsoleService, rowNamed, signedInPage, useConsoleService, type Operator } from './service';

// The keys page as a developer uses it: create a key with every field and copy its secret once, find
// keys again by search and filters kept in the URL, act on several at once, and all of it by keyboard.
describe('console in a browser: the keys page', function () {
  this.timeout(30_000);
  const browser = useBrowser();
  let service: ConsoleService;
  let developer: Operator;

  useConsoleService((started) => (service = started));
  before(async () => {
    developer = await service.addOperator('developer');
  });

  const signedIn = (): Promise<Page> => signedInPage(service, browser(), developer);

  it('leads from the empty state to creating the first key', async () => {
    const p = await signedIn();
    await p.getByRole('heading', { name: 'No API keys yet' }).waitFor();
    await p.getByRole('button', { name: 'Create your first API key' }).click();
    await p.getByRole('dialog', { name: 'Create API Key' }).getByLabel('Name').waitFor();
    await p.keyboard.press('Escape');
    await p.context().close();
  });

  it('creates a key with every field, shows the secret once with Copy, and the secret verifies through the API', async () => {
    const policy = await service.sdk().quotaPolicies.create({ name: 'standard', quota: { monthly: 200_000 } });
    const p = await signedIn();
    await p.getByRole('button', { name: 'Create API Key' }).click();
    const dialog = p.getByRole('dialog', { name: 'Create API Key' });
    await dialog.getByLabel('Name').fill('Webshop integration');
    await dialog.getByLabel('Environment').selectOption('preview');
    await dialog.getByLabel('Permissions').fill('push:send, push:read');
    await dialog.getByLabel('Group').fill('webshop');
    await dialog.getByLabel('Tags').fill('billing, eu');
    await dialog.getByLabel('Rate limit', { exact: true }).fill('120');
    await dialog.getByLabel('Rate limit window').selectOption({ label: 'per minute' });
    await dialog.getByLabel('Total quota').fill('1000000');
    await dialog.getByLabel('Daily quota').fill('10000');
    await dialog.getByLabel('Weekly quota').fill('50000');
    await dialog.getByLabel('Monthly quota').fill('150000');
    await dialog.getByLabel('Credits', { exact: true }).selectOption('limited');
    await dialog.getByLabel('Credits remaining').fill('5000');
    await dialog.getByLabel('Refill amount').fill('5000');
    await dialog.getByLabel('Refill interval').selectOption({ label: 'Every day' });
    await dialog.getByLabel('Allowed resources').fill('models/gpt-*\nmodels/embed-*');
    // The allow-list is checked as you type, before anything is sent.
    const ips = dialog.getByLabel('IP allow-list');
    await ips.fill('10.0.0.0/8\n300.1.2.3');
    await ips.and(p.locator('[aria-invalid="true"]')).waitFor();
    await dialog.getByText(/300\.1\.2\.3/).waitFor();
    await ips.fill('10.0.0.0/8\n192.168.1.7');
    await ips.and(p.locator('[aria-invalid="true"]')).waitFor({ state: 'detached' });
    await dialog.getByLabel('Expiration').selectOption({ label: '1 week' });
    await dialog.getByLabel('Quota policy').selectOption({ label: 'standard' });
    await dialog.getByLabel('Metadata').fill('{"plan": "pro", "customer": 42}');
    await expectNoAxeViolations(p, 'create key dialog');
    await dialog.getByRole('button', { name: 'Create', exact: true }).click();

    const shown = p.getByRole('dialog', { name: 'API key created: Webshop integration' });
    const secretField = shown.getByRole('textbox');
    expect(await secretField.isEditable(), 'the secret is in a read-only field').to.be.false;
    const secret = await secretField.inputValue();
    expect(secret).to.match(/^acme_prev_/);
    await shown.getByText(/will not be shown again/).waitFor();
    await shown.getByRole('button', { name: 'Copy' }).click();
    await shown.getByRole('status').filter({ hasText: 'Copied to the clipboard' }).waitFor();
    expect(await p.evaluate(() => navigator.clipboard.readText())).to.equal(secret);
    await expectNoAxeViolations(p, 'show-once dialog');
    // Closing any other way asks again, since the secret cannot be shown twice.
    await p.keyboard.press('Escape');
    const again = p.getByRole('dialog', { name: 'Close without saving?' });
    await again.getByRole('button', { name: 'Cancel' }).click();
    await again.waitFor({ state: 'detached' });
    await shown.getByRole('button', { name: 'I have saved the key' }).click();
    await shown.waitFor({ state: 'detached' });
    await rowNamed(p, 'Webshop integration').waitFor();
    expect(await p.content(), 'the page forgets the secret once closed').not.to.contain(secret);

    const sdk = service.sdk();
    const verified = await sdk.verify(secret, { scopes: ['push:send'], ip: '10.1.2.3', resource: 'models/gpt-4' });
    expect(verified).to.include({ valid: true, code: 'VALID', environment: 'preview', name: 'Webshop integration' });
    expect(verified.metadata).to.deep.equal({ plan: 'pro', customer: 42 });
    expect((await sdk.verify(secret, { ip: '172.16.0.1' })).code).to.equal('IP_NOT_ALLOWED');
    const key = await sdk.keys.get(verified.keyId!);
    expect(key).to.deep.include({
      group: 'webshop',
      scopes: ['push:send', 'push:read'],
      resources: ['models/gpt-*', 'models/embed-*'],
      ipAllowlist: ['10.0.0.0/8', '192.168.1.7'],
      rateLimit: { limit: 120, windowSeconds: 60 },
      quotaPolicyId: policy.id,
      createdBy: `operator:${developer.id}`,
    });
    expect(key.tags).to.have.members(['billing', 'eu']);
    expect(key.quota).to.deep.include({ total: 1_000_000, daily: 10_000, weekly: 50_000, monthly: 150_000 });
    expect(key.credits!.refill).to.deep.equal({ amount: 5000, intervalSeconds: 86_400 });
    expect(key.credits!.remaining).to.be.within(4999, 5000);
    const week = 7 * 86_400_000;
    expect(Math.abs(new Date(key.expiresAt!).getTime() - Date.now() - week)).to.be.below(60 * 60_000);
    await p.context().close();
  });

  it('shows the service\'s refusals at the fields they name: a taken name, a malformed permission', async () => {
    const taken = await service.sdk().keys.create({ name: `taken ${Math.random().toString(36).slice(2, 8)}` });
    const p = await signedIn();
    await p.getByRole('button', { name: 'Create API Key' }).click();
    const dialog = p.getByRole('dialog', { name: 'Create API Key' });
    /** The message tied to a field (its aria-describedby), once the field is marked invalid. */
    const problemAt = async (label: string): Promise<string> => {
      const field = dialog.getByLabel(label, { exact: true });
      await field.and(p.locator('[aria-invalid="true"]')).waitFor();
      return field.evaluate((el) => (el.getAttribute('aria-describedby') ?? '').split(' ').map((id) => document.getElementById(id)?.textContent ?? '').join(' '));
    };
    await dialog.getByLabel('Name').fill(taken.key.name);
    await dialog.getByRole('button', { name: 'Create', exact: true }).click();
    expect(await problemAt('Name')).to.contain(`a key named "${taken.key.name}" already exists`);
    expect(await dialog.getByLabel('Name').evaluate((el) => el === document.activeElement), 'focus moves to the field to fix').to.be.true;

    await dialog.getByLabel('Name').fill(`${taken.key.name} 2`);
    await dialog.getByLabel('Permissions').fill('push send!');
    await dialog.getByRole('button', { name: 'Create', exact: true }).click();
    expect(await problemAt('Permissions')).to.match(/scopes/i);
    expect((await service.sdk().keys.list({ q: `${taken.key.name} 2` })).items).to.have.length(0);
    await p.context().close();
  });

  it('searches by name and filters by status, environment, tag and group, keeping the filters in the URL', async () => {
    const sdk = service.sdk();
    const tag = `t${Math.random().toString(36).slice(2, 8)}`;
    await sdk.keys.create({ name: `${tag} billing live`, tags: [tag, 'billing'], group: 'payments' });
    await sdk.keys.create({ name: `${tag} billing dev`, tags: [tag, 'billing'], environment: 'development', group: 'payments' });
    const off = await sdk.keys.create({ name: `${tag} reports`, tags: [tag], group: 'reports' });
    await sdk.keys.disable(off.key.id);

    const p = await signedIn();
    await p.getByLabel('Search keys').fill(tag);
    await p.waitForURL((url) => url.searchParams.get('q') === tag);
    await rowNamed(p, `${tag} reports`).waitFor();
    expect(await p.getByRole('rowheader').allInnerTexts()).to.have.members([`${tag} billing live`, `${tag} billing dev`, `${tag} reports`]);

    await p.getByLabel('Deployment').selectOption('development');
    await p.waitForURL((url) => url.searchParams.get('environment') === 'development');
    await rowNamed(p, `${tag} billing live`).waitFor({ state: 'detached' });
    expect(await p.getByRole('rowheader').allInnerTexts()).to.deep.equal([`${tag} billing dev`]);

    // A reload (or a shared link) shows the same filtered list.
    await p.reload();
    await rowNamed(p, `${tag} billing dev`).waitFor();
    expect(await p.getByLabel('Search keys').inputValue()).to.equal(tag);
    expect(await p.getByRole('rowheader').allInnerTexts()).to.deep.equal([`${tag} billing dev`]);

    await p.goto(`/console/keys?q=${tag}&status=disabled`);
    await rowNamed(p, `${tag} reports`).waitFor();
    expect(await p.getByRole('rowheader').allInnerTexts()).to.deep.equal([`${tag} reports`]);
    await p.goto(`/console/keys?tag=${tag}&group=payments`);
    await rowNamed(p, `${tag} billing live`).waitFor();
    expect(await p.getByRole('rowheader').allInnerTexts()).to.have.members([`${tag} billing live`, `${tag} billing dev`]);
    await p.context().close();
  });

  it('selects several keys and disables, enables, revokes and deletes them in bulk, each confirmed, with a result per key', async () => {
    const sdk = service.sdk();
    const tag = `b${Math.random().toString(36).slice(2, 8)}`;
    const keys = await Promise.all([1, 2, 3, 4].map((i) => sdk.keys.create({ name: `${tag} ${i}`, tags: [tag] })));
    await sdk.verify(keys[3]!.secret);
    await service.harness.app.flush();
    const p = await signedIn();
    await p.goto(`/console/keys?tag=${tag}`);
    const bulk = async (action: string, names: string[]): Promise<void> => {
      for (const name of names) await p.getByRole('checkbox', { name: `Select ${name}` }).check();
      await p.getByRole('group', { name: 'Bulk actions' }).getByRole('button', { name: `${action} selected` }).click();
      const confirm = p.getByRole('dialog', { name: `${action} ${names.length} key${names.length === 1 ? '' : 's'}?` });
      await confirm.getByRole('button', { name: action, exact: true }).click();
      await confirm.waitFor({ state: 'detached' });
    };
    await bulk('Disable', [`${tag} 1`, `${tag} 2`]);
    await rowNamed(p, `${tag} 2`).getByText(/disabled/i).waitFor();
    expect((await sdk.keys.get(keys[0]!.key.id)).status).to.equal('disabled');
    expect((await sdk.keys.get(keys[2]!.key.id)).status).to.equal('active');
    await bulk('Enable', [`${tag} 1`]);
    await rowNamed(p, `${tag} 1`).getByText(/active/i).waitFor();
    await bulk('Revoke', [`${tag} 1`, `${tag} 3`]);
    await rowNamed(p, `${tag} 3`).getByText(/revoked/i).waitFor();
    expect((await sdk.keys.get(keys[0]!.key.id)).status).to.equal('revoked');
    expect((await sdk.keys.get(keys[1]!.key.id)).status).to.equal('disabled');

    // Delete goes through for a key never used and is reported, not done, for a used one.
    await bulk('Delete', [`${tag} 2`, `${tag} 4`]);
    await p.getByText(new RegExp(`^Delete: 1 of 2 done\\. Not done: ${tag} 4: `)).waitFor();
    await rowNamed(p, `${tag} 2`).waitFor({ state: 'detached' });
    expect((await sdk.keys.list({ tag })).items.map((k) => k.name).sort()).to.deep.equal([`${tag} 1`, `${tag} 3`, `${tag} 4`]);
    await p.context().close();
  });

  it('pages through a long list with the cursor in the URL, keeping the filter', async () => {
    const sdk = service.sdk();
    const tag = `p${Math.random().toString(36).slice(2, 8)}`;
    for (let i = 0; i < 27; i++) await sdk.keys.create({ name: `${tag} ${String(i).padStart(2, '0')}`, tags: [tag] });
    const p = await signedIn();
    await p.goto(`/console/keys?tag=${tag}`);
    await p.getByRole('rowheader').nth(24).waitFor();
    expect(await p.getByRole('rowheader').count()).to.equal(25);
    await p.getByRole('navigation', { name: 'Pages of keys' }).getByRole('button', { name: 'Next page' }).click();
    await p.waitForURL((url) => url.searchParams.get('tag') === tag && url.searchParams.has('cursor'));
    await p.getByRole('rowheader').nth(1).waitFor();
    await p.getByRole('rowheader').nth(2).waitFor({ state: 'detached' });
    const firstPage = new Set((await sdk.keys.list({ tag, limit: 25 })).items.map((k) => k.name));
    const secondPage = await p.getByRole('rowheader').allInnerTexts();
    expect(secondPage).to.have.length(2);
    expect(secondPage.filter((n) => firstPage.has(n)), 'no key on both pages').to.deep.equal([]);
    await p.getByRole('button', { name: 'First page' }).click();
    await p.getByRole('rowheader').nth(24).waitFor();
    expect(new URL(p.url()).searchParams.has('cursor')).to.be.false;
    await p.context().close();
  });

  it('the whole create flow works by keyboard alone, and no secret lands in storage, a URL or a log', async () => {
    const p = await signedIn();
    const consoleLines: string[] = [];
    p.on('console', (message) => consoleLines.push(message.text()));
    const urls: string[] = [];
    p.on('request', (request) => urls.push(request.url()));
    const name = `keyboard ${Math.random().toString(36).slice(2, 8)}`;
    const create = p.getByRole('button', { name: 'Create API Key' }).first();
    await p.keyboard.press('Tab');
    for (let i = 0; i < 40 && !(await create.evaluate((el) => el === document.activeElement)); i++) await p.keyboard.press('Tab');
    await p.keyboard.press('Enter');
    const dialog = p.getByRole('dialog', { name: /create api key/i });
    await dialog.waitFor();
    expect(await dialog.getByLabel('Name').evaluate((el) => el === document.activeElement), 'focus moves into the dialog').to.be.true;
    await p.keyboard.type(name);
    await p.keyboard.press('Enter');
    const copy = p.getByRole('button', { name: 'Copy' });
    await copy.waitFor();
    const secret = await p.getByRole('dialog').getByRole('textbox').inputValue();
    const saved = p.getByRole('button', { name: 'I have saved the key' });
    for (let i = 0; i < 10 && !(await saved.evaluate((el) => el === document.activeElement)); i++) await p.keyboard.press('Tab');
    await p.keyboard.press('Enter');
    await rowNamed(p, name).waitFor();
    expect((await service.sdk().verify(secret)).code).to.equal('VALID');

    const stored = await p.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + location.href + document.cookie);
    expect(stored).not.to.contain(secret);
    expect(stored).not.to.contain(secret.slice(-12));
    expect(urls.filter((u) => u.includes(secret.slice(-12))), 'requests carrying the secret in their URL').to.deep.equal([]);
    expect(consoleLines.filter((l) => l.includes(secret.slice(-12))), 'browser console lines').to.deep.equal([]);
    expect(service.harness.logLines.filter((l) => l.includes(secret.slice(-12))), 'service log lines').to.deep.equal([]);
    await p.context().close();
  });
});
