import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { expectNoAxeViolations } from './axe';
import { useBrowser } from './browser';
import { ConsoleService, rowNamed, signedInPage, useConsoleService, fetchInPage, PASSWORD, signIn, type Operator, type Role } from './service';

// Quota policies, workspace settings, root keys and operators through the console, and what each role
// may see and do: a viewer gets no write buttons, and the API refuses their writes.
describe('console in a browser: policies, workspace, root keys and roles', function () {
  this.timeout(30_000);
  const browser = useBrowser();
  let service: ConsoleService;
  const operators: Partial<Record<Role, Operator>> = {};

  useConsoleService((started) => (service = started));
  before(async () => {
    for (const role of ['owner', 'viewer'] as const) operators[role] = await service.addOperator(role);
  });

  const signedIn = (role: Role): Promise<Page> => signedInPage(service, browser(), operators[role]!);

  const unique = (prefix: string): string => `${prefix}-${Math.random().toString(36).slice(2, 8)}`;

  it('creates and edits a quota policy; deleting one in use is refused naming the key, and succeeds once unused', async () => {
    const sdk = service.sdk();
    const p = await signedIn('owner');
    await p.getByRole('link', { name: 'Quota policies' }).click();
    await p.getByRole('button', { name: 'Create policy' }).click();
    const name = unique('standard');
    const create = p.getByRole('dialog', { name: 'Create quota policy' });
    await create.getByLabel('Name').fill(name);
    await create.getByLabel('Daily quota').fill('10000');
    await create.getByLabel('Rate limit', { exact: true }).fill('30');
    await create.getByRole('button', { name: 'Create', exact: true }).click();
    await rowNamed(p, name).waitFor();
    const policy = (await sdk.quotaPolicies.list()).items.find((x) => x.name === name)!;
    expect(policy.quota).to.deep.equal({ daily: 10000 });
    expect(policy.rateLimit).to.deep.equal({ limit: 30, windowSeconds: 60 });

    await rowNamed(p, name).getByRole('button', { name: 'Edit', exact: true }).click();
    const edit = p.getByRole('dialog', { name: `Edit ${name}` });
    await edit.getByLabel('Monthly quota').fill('200000');
    await edit.getByRole('button', { name: 'Save', exact: true }).click();
    await edit.waitFor({ state: 'detached' });
    expect((await sdk.quotaPolicies.get(policy.id)).quota).to.deep.equal({ daily: 10000, monthly: 200000 });

    const user = await sdk.keys.create({ name: unique('policy user'), quotaPolicyId: policy.id });
    await p.reload();
    await rowNamed(p, name).getByRole('button', { name: 'Delete', exact: true }).click();
    const confirm = p.getByRole('dialog', { name: `Delete ${name}?` });
    await confirm.getByRole('button', { name: 'Delete', exact: true }).click();
    await confirm.getByRole('alert').waitFor();
    await confirm.getByRole('listitem').filter({ hasText: `${user.key.id} (${user.key.name})` }).waitFor();
    expect((await sdk.quotaPolicies.list()).items.map((x) => x.id)).to.include(policy.id);
    await confirm.getByRole('button', { name: 'Cancel' }).click();

    await sdk.keys.update(user.key.id, { quotaPolicyId: null });
    await rowNamed(p, name).getByRole('button', { name: 'Delete', exact: true }).click();
    await p.getByRole('dialog', { name: `Delete ${name}?` }).getByRole('button', { name: 'Delete', exact: true }).click();
    await rowNamed(p, name).waitFor({ state: 'detached' });
    expect((await sdk.quotaPolicies.list()).items.map((x) => x.id)).not.to.include(policy.id);
    await p.context().close();
  });

  it('an owner edits the workspace settings: limits, credit balance, failed-attempt policy', async () => {
    const p = await signedIn('owner');
    await p.getByRole('link', { name: 'Workspace' }).click();
    await p.getByRole('button', { name: 'Edit settings' }).click();
    const settings = p.getByRole('dialog', { name: 'Edit workspace settings' });
    await settings.getByLabel('Max active keys').fill('500');
    await settings.getByLabel('Credit balance').fill('100000');
    await settings.getByLabel('Failed attempts before blocking').fill('30');
    await expectNoAxeViolations(p, 'workspace settings dialog');
    await settings.getByRole('button', { name: 'Save', exact: true }).click();
    await p.getByText('Workspace settings saved.').waitFor();
    const workspace = await service.sdk().workspace.get();
    expect(workspace).to.deep.include({ maxActiveKeys: 500, creditBalance: 100000 });
    expect(workspace.failedAuthPolicy.maxFailures).to.equal(30);
    await p.context().close();
  });

  it('an owner creates a root key with some of their scopes, shown once, and revokes it', async () => {
    const p = await signedIn('owner');
    await p.getByRole('link', { name: 'Workspace' }).click();
    await p.getByRole('button', { name: 'Create root key' }).click();
    const dialog = p.getByRole('dialog', { name: 'Create root key' });
    const name = unique('ci deploy');
    await dialog.getByLabel('Name').fill(name);
    await dialog.getByRole('checkbox', { name: 'keys:read' }).check();
    await dialog.getByRole('button', { name: 'Create', exact: true }).click();
    const shown = p.getByRole('dialog', { name: `Root key created: ${name}` });
    const secret = await shown.getByRole('textbox').inputValue();
    expect(secret).to.match(/^acme_root_/);
    await shown.getByRole('button', { name: 'I have saved the key' }).click();
    const keys = p.getByRole('region', { name: 'Root keys table' });
    await rowNamed(keys, name).getByText('keys:verify, keys:read').or(rowNamed(keys, name).getByText('keys:read, keys:verify')).waitFor();
    expect(await p.content(), 'the secret is gone from the page once saved').not.to.contain(secret);
    const asRootKey = { headers: { authorization: `Bearer ${secret}` } };
    expect((await fetch(`${service.baseUrl}/v1/keys`, asRootKey)).status).to.equal(200);

    await rowNamed(keys, name).getByRole('button', { name: 'Revoke', exact: true }).click();
    const confirm = p.getByRole('dialog', { name: `Revoke root key ${name}?` });
    await confirm.getByLabel(`Type ${name} to confirm`).fill(name);
    await confirm.getByRole('button', { name: 'Revoke', exact: true }).click();
    await rowNamed(keys, name).getByText('revoked').waitFor();
    expect((await fetch(`${service.baseUrl}/v1/keys`, asRootKey)).status).to.equal(401);
    await p.context().close();
  });

  it('an owner adds an operator, who can sign in, and changes their role; the last owner cannot be demoted', async () => {
    const p = await signedIn('owner');
    await p.getByRole('link', { name: 'Workspace' }).click();
    await p.getByRole('button', { name: 'Add operator' }).click();
    const email = `${unique('new')}@example.com`;
    const name = unique('New Person');
    const add = p.getByRole('dialog', { name: 'Add operator' });
    await add.getByLabel('Email').fill(email);
    await add.getByLabel('Name').fill(name);
    await add.getByLabel('Role').selectOption('developer');
    await add.getByLabel('Initial password').fill(PASSWORD);
    await add.getByRole('button', { name: 'Add', exact: true }).click();
    const people = p.getByRole('region', { name: 'Operators table' });
    await rowNamed(people, name).getByRole('cell', { name: 'developer' }).waitFor();

    await rowNamed(people, name).getByRole('button', { name: 'Edit', exact: true }).click();
    const edit = p.getByRole('dialog', { name: `Edit ${name}` });
    await edit.getByLabel('Role').selectOption('admin');
    await edit.getByRole('button', { name: 'Save', exact: true }).click();
    await rowNamed(people, name).getByRole('cell', { name: 'admin' }).waitFor();

    const them = await (await service.context(browser())).newPage();
    await signIn(them, { email, password: PASSWORD });
    expect((await fetchInPage(them, 'GET', '/v1/auth/session')).body.role).to.equal('admin');
    await them.context().close();

    // The one owner demoting themselves would leave the workspace without one.
    const me = rowNamed(people, `${(await fetchInPage(p, 'GET', '/v1/auth/session')).body.operator.name} (you)`);
    await me.getByRole('button', { name: 'Edit', exact: true }).click();
    const self = p.getByRole('dialog', { name: /^Edit / });
    await self.getByLabel('Role').selectOption('admin');
    await self.getByRole('button', { name: 'Save', exact: true }).click();
    await self.getByRole('alert').filter({ hasText: /owner/i }).waitFor();
    expect((await fetchInPage(p, 'GET', '/v1/auth/session')).body.role).to.equal('owner');
    await p.context().close();
  });

  it('a viewer sees keys, policies and the workspace without any write button, and the API answers their writes 403', async () => {
    const sdk = service.sdk();
    const created = await sdk.keys.create({ name: unique('visible to viewers') });
    await sdk.quotaPolicies.create({ name: unique('viewer policy'), quota: { daily: 5 } });
    const p = await signedIn('viewer');
    await p.getByRole('rowheader', { name: created.key.name }).waitFor();
    const writeButtons = async (): Promise<string[]> => {
      const names = ['Create API Key', 'Create your first API key', 'Edit', 'Disable', 'Enable', 'Rotate', 'Revoke', 'Delete', 'Create policy', 'Edit settings', 'Create root key', 'Add operator', 'Remove'];
      const shown: string[] = [];
      for (const name of names) if ((await p.getByRole('button', { name, exact: true }).count()) > 0) shown.push(name);
      return shown;
    };
    expect(await writeButtons(), 'keys page').to.deep.equal([]);
    expect(await p.getByRole('checkbox').count(), 'no bulk selection').to.equal(0);
    await p.getByRole('rowheader', { name: created.key.name }).getByRole('link').click();
    await p.getByRole('heading', { level: 1, name: new RegExp(`^${created.key.name}`) }).waitFor();
    expect(await writeButtons(), 'key page').to.deep.equal([]);
    await p.getByRole('link', { name: 'Quota policies' }).click();
    await p.getByRole('region', { name: 'Quota policies table' }).waitFor();
    expect(await writeButtons(), 'policies page').to.deep.equal([]);
    await p.getByRole('link', { name: 'Workspace' }).click();
    await p.getByRole('heading', { name: /^Settings of/ }).waitFor();
    expect(await writeButtons(), 'workspace page').to.deep.equal([]);
    await expectNoAxeViolations(p, 'workspace as a viewer');

    const { csrfToken } = (await fetchInPage(p, 'GET', '/v1/auth/session')).body;
    const writes = [
      await fetchInPage(p, 'POST', '/v1/keys', { body: { name: 'viewer write' }, csrf: csrfToken }),
      await fetchInPage(p, 'POST', `/v1/keys/${created.key.id}/disable`, { body: {}, csrf: csrfToken }),
      await fetchInPage(p, 'DELETE', `/v1/keys/${created.key.id}`, { csrf: csrfToken }),
      await fetchInPage(p, 'POST', '/v1/quota-policies', { body: { name: 'viewer policy x', quota: { daily: 1 } }, csrf: csrfToken }),
      await fetchInPage(p, 'PATCH', '/v1/workspace', { body: { maxActiveKeys: 1 }, csrf: csrfToken }),
      await fetchInPage(p, 'POST', '/v1/root-keys', { body: { name: 'viewer root', scopes: ['keys:read'] }, csrf: csrfToken }),
      await fetchInPage(p, 'POST', '/v1/operators', { body: { email: 'x@example.com', name: 'x', role: 'owner', password: PASSWORD }, csrf: csrfToken }),
    ];
    expect(writes.map((w) => w.status)).to.deep.equal([403, 403, 403, 403, 403, 403, 403]);
    expect(writes.map((w) => w.body.error.code)).to.satisfy((codes: string[]) => codes.every((c) => c !== 'CSRF_FAILED'));
    expect((await sdk.keys.get(created.key.id)).status).to.equal('active');
    expect((await sdk.keys.list({ q: 'viewer write' })).items).to.have.length(0);
    await p.context().close();
  });
});
