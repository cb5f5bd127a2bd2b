import { expect } from 'chai';
import type { Locator, Page } from 'playwright-core';
import { expectNoAxeViolations } from './axe';
import { useBrowser } from './browser';
import { ConsoleService, rowNamed, signedInPage, useConsoleService, type Operator } from './service';

// One key's life through the console: edit, rotate with an overlap, disable and enable, revoke with a
// typed confirmation, delete (only while unused), and its charts and request logs after verifications.
describe('console in a browser: a key from edit to delete', function () {
  this.timeout(30_000);
  const browser = useBrowser();
  let service: ConsoleService;
  let developer: Operator;

  useConsoleService((started) => (service = started));
  before(async () => {
    developer = await service.addOperator('developer');
  });

  const signedIn = (): Promise<Page> => signedInPage(service, browser(), developer);

  /** Clicks a row's action and confirms it in the dialog, whose confirm button repeats the action's name. */
  async function rowAction(p: Page, name: string, action: string, typed?: string): Promise<void> {
    await rowNamed(p, name).getByRole('button', { name: action, exact: true }).click();
    const dialog = p.getByRole('dialog');
    if (typed !== undefined) await dialog.getByRole('textbox').fill(typed);
    await dialog.getByRole('button', { name: action, exact: true }).click();
    await dialog.waitFor({ state: 'detached' });
  }

  const unique = (prefix: string): string => `${prefix} ${Math.random().toString(36).slice(2, 8)}`;

  /** The key page's heading: the key's name, then its status. */
  function title(p: Page, name: string): Locator {
    return p.getByRole('heading', { level: 1, name: new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`) });
  }

  it('edits a key on its detail page; the API shows the change', async () => {
    const created = await service.sdk().keys.create({ name: unique('edit me'), tags: ['old'] });
    const p = await signedIn();
    await p.goto(`/console/keys/${created.key.id}`);
    await p.getByRole('button', { name: 'Edit', exact: true }).click();
    const form = p.getByRole('form', { name: 'Edit settings' });
    const renamed = unique('edited');
    await form.getByLabel('Name').fill(renamed);
    await form.getByLabel('Tags').fill('new, eu');
    await form.getByLabel('Daily quota').fill('2500');
    await expectNoAxeViolations(p, 'edit panel');
    await form.getByRole('button', { name: 'Save' }).click();
    await title(p, renamed).waitFor();
    await p.getByText(`Saved ${renamed}.`).waitFor();
    const key = await service.sdk().keys.get(created.key.id);
    expect(key).to.deep.include({ name: renamed });
    expect(key.tags).to.have.members(['new', 'eu']);
    expect(key.quota).to.deep.include({ daily: 2500 });
    await p.context().close();
  });

  it('rotates with an overlap: the new secret is shown once, and the old one keeps working until the overlap ends', async () => {
    const created = await service.sdk().keys.create({ name: unique('rotate me') });
    const p = await signedIn();
    await p.goto(`/console/keys/${created.key.id}`);
    await p.getByRole('button', { name: 'Rotate', exact: true }).click();
    const dialog = p.getByRole('dialog', { name: `Rotate ${created.key.name}?` });
    await dialog.getByLabel('Keep the old secret valid for').selectOption({ label: '1 hour' });
    await dialog.getByRole('button', { name: 'Rotate', exact: true }).click();
    const shown = p.getByRole('dialog', { name: `New secret for ${created.key.name}` });
    const secret = await shown.getByRole('textbox').inputValue();
    expect(secret).to.match(/^acme_live_/).and.not.equal(created.secret);
    await shown.getByRole('button', { name: 'I have saved the key' }).click();
    await shown.waitFor({ state: 'detached' });

    const sdk = service.sdk();
    expect((await sdk.verify(secret)).code).to.equal('VALID');
    expect((await sdk.verify(created.secret)).code).to.equal('VALID');
    service.clock.advance(61 * 60_000);
    expect((await sdk.verify(created.secret)).code).to.equal('INVALID');
    expect((await sdk.verify(secret)).code).to.equal('VALID');
    await p.context().close();
  });

  it('disables, enables and revokes from the keys table (revoke asks for the name), and verification follows', async () => {
    const name = unique('lifecycle');
    const created = await service.sdk().keys.create({ name });
    const sdk = service.sdk();
    const p = await signedIn();
    await p.goto(`/console/keys?q=${encodeURIComponent(name)}`);
    await rowAction(p, name, 'Disable');
    await rowNamed(p, name).getByText(/disabled/i).waitFor();
    expect((await sdk.verify(created.secret)).code).to.equal('DISABLED');
    await rowAction(p, name, 'Enable');
    await rowNamed(p, name).getByText(/active/i).waitFor();
    expect((await sdk.verify(created.secret)).code).to.equal('VALID');

    await rowNamed(p, name).getByRole('button', { name: 'Revoke', exact: true }).click();
    const confirm = p.getByRole('dialog', { name: `Revoke ${name}?` });
    const revoke = confirm.getByRole('button', { name: 'Revoke', exact: true });
    expect(await revoke.isDisabled(), 'revoke waits for the typed name').to.be.true;
    await confirm.getByLabel(`Type ${name} to confirm`).fill(name.slice(0, -1));
    expect(await revoke.isDisabled(), 'a name typed almost right is not enough').to.be.true;
    await confirm.getByLabel(`Type ${name} to confirm`).fill(name);
    await revoke.click();
    await rowNamed(p, name).getByText(/revoked/i).waitFor();
    expect((await sdk.verify(created.secret)).code).to.equal('REVOKED');
    await p.context().close();
  });

  it('deletes a key never used; a used key cannot be deleted and the console says why', async () => {
    const sdk = service.sdk();
    const unused = await sdk.keys.create({ name: unique('unused') });
    const used = await sdk.keys.create({ name: unique('used') });
    await sdk.verify(used.secret);
    await service.harness.app.flush();
    const p = await signedIn();
    await p.goto(`/console/keys?q=${encodeURIComponent(unused.key.name)}`);
    await rowAction(p, unused.key.name, 'Delete');
    await rowNamed(p, unused.key.name).waitFor({ state: 'detached' });
    expect((await sdk.keys.list({ q: unused.key.name })).items).to.have.length(0);

    await p.goto(`/console/keys/${used.key.id}`);
    const del = p.getByRole('button', { name: 'Delete', exact: true });
    await title(p, used.key.name).waitFor();
    expect(await del.isDisabled(), 'Delete is disabled for a used key').to.be.true;
    await p.getByText('Delete is not available: this key has been used').waitFor();
    await p.context().close();
  });

  it('after verifications the detail page charts them by outcome and lists the request logs, filterable by outcome', async () => {
    const sdk = service.sdk();
    const created = await sdk.keys.create({ name: unique('charted'), rateLimit: { limit: 3, windowSeconds: 60 } });
    for (let i = 0; i < 5; i++) await sdk.verify(created.secret, { endpoint: '/v1/send', ip: '198.51.100.4' });
    await service.harness.app.flush();
    const p = await signedIn();
    await p.goto(`/console/keys/${created.key.id}`);
    await p.getByRole('img', { name: 'Verifications per hour over the last 24 hours, by outcome' }).waitFor();
    const totals = p.getByRole('list', { name: 'Totals over the last 24 hours' });
    await totals.getByText('VALID: 3').waitFor();
    await totals.getByText('RATE_LIMITED: 2').waitFor();
    await p.getByRole('group', { name: 'Chart period' }).getByRole('button', { name: '7 days' }).click();
    await p.getByRole('img', { name: 'Verifications per day over the last 7 days, by outcome' }).waitFor();
    await p.getByRole('list', { name: 'Totals over the last 7 days' }).getByText('VALID: 3').waitFor();

    const logs = p.getByRole('region', { name: 'Request logs table' });
    const outcomes = (): Promise<string[]> => logs.getByRole('row').filter({ hasText: '/v1/send' }).getByRole('cell', { name: /^[A-Z_]+$/ }).allInnerTexts();
    await logs.getByRole('row').filter({ hasText: '198.51.100.4' }).nth(4).waitFor();
    expect((await outcomes()).sort()).to.deep.equal(['RATE_LIMITED', 'RATE_LIMITED', 'VALID', 'VALID', 'VALID']);
    await expectNoAxeViolations(p, 'key detail');

    await p.getByLabel('Outcome', { exact: true }).selectOption('RATE_LIMITED');
    await logs.getByRole('cell', { name: 'VALID', exact: true }).first().waitFor({ state: 'detached' });
    expect(await outcomes()).to.deep.equal(['RATE_LIMITED', 'RATE_LIMITED']);
    await p.context().close();
  });
});
