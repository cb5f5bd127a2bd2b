import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { expectNoAxeViolations } from './axe';
import { useBrowser } from './browser';
import { ConsoleService, useConsoleService, fetchInPage, PASSWORD, signIn } from './service';

// Getting in and out of the console in a real browser: the first owner from the setup link, signing in
// (one generic error, throttling), the session cookie and its CSRF token, expiry and signing out.
describe('console in a browser: setup, sign-in and sessions', function () {
  this.timeout(30_000);
  const browser = useBrowser();
  let service: ConsoleService;

  useConsoleService((started) => (service = started));

  async function page(): Promise<Page> {
    return (await service.context(browser())).newPage();
  }

  it('creates the first owner from the one-time setup link, who lands signed in; the link then stops working', async () => {
    const link = await service.setupLink();
    const p = await page();
    await p.goto(link);
    await expectNoAxeViolations(p, 'setup');
    await p.getByLabel('Email').fill('first.owner@example.com');
    await p.getByLabel('Name').fill('First Owner');
    await p.getByLabel('Password', { exact: true }).fill(PASSWORD);
    expect(p.url(), 'the token leaves the address bar once read').not.to.contain('token=');
    await p.getByRole('button', { name: 'Create owner' }).click();
    await p.waitForURL(/\/console\/getting-started/);
    await p.getByRole('button', { name: 'Sign out' }).waitFor();
    const session = await fetchInPage(p, 'GET', '/v1/auth/session');
    expect(session.body).to.deep.include({ role: 'owner' });
    expect(session.body.operator.email).to.equal('first.owner@example.com');

    const again = await page();
    await again.goto(link);
    await again.getByRole('alert').filter({ hasText: 'This setup link is not valid: it was used already or has expired' }).waitFor();
    await again.context().close();
    await p.context().close();
  });

  it('a wrong password gets the same generic error as an unknown email, and no session', async () => {
    const operator = await service.addOperator('developer');
    const p = await page();
    await p.goto('/console/login');
    await expectNoAxeViolations(p, 'login');
    await p.getByLabel('Email').fill(operator.email);
    await p.getByLabel('Password').fill('not the password at all');
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.waitForFunction((el) => (el as HTMLInputElement).value === '', await p.getByLabel('Password').elementHandle());
    const wrongPassword = await p.getByRole('alert').filter({ hasText: /incorrect/i }).innerText();

    await p.getByLabel('Email').fill('nobody@example.com');
    await p.getByLabel('Password').fill(PASSWORD);
    await p.getByRole('button', { name: 'Sign in' }).click();
    // The form empties the password when the answer is a refusal: only then is the message the new one.
    await p.waitForFunction((el) => (el as HTMLInputElement).value === '', await p.getByLabel('Password').elementHandle());
    const unknownEmail = await p.getByRole('alert').filter({ hasText: /incorrect/i }).innerText();

    expect(wrongPassword).to.match(/email or password is incorrect/i);
    expect(unknownEmail).to.equal(wrongPassword);
    expect(p.url()).to.match(/\/console\/login/);
    expect((await fetchInPage(p, 'GET', '/v1/auth/session')).status).to.equal(401);
    await p.context().close();
  });

  it('signs in, keeps the session across a reload, refuses a write without the CSRF token, and signs out', async () => {
    const operator = await service.addOperator('developer');
    const p = await page();
    await signIn(p, operator);
    const cookies = await p.context().cookies();
    const cookie = cookies.find((c) => c.name === 'keysmith_session');
    expect(cookie, 'session cookie').to.include({ httpOnly: true, sameSite: 'Strict', path: '/' });
    expect(await p.evaluate(() => document.cookie)).not.to.contain('keysmith_session');

    await p.reload();
    await p.getByRole('button', { name: 'Sign out' }).waitFor();

    const session = await fetchInPage(p, 'GET', '/v1/auth/session');
    const body = { name: 'made without a token' };
    const refused = await fetchInPage(p, 'POST', '/v1/keys', { body });
    expect(refused.status).to.equal(403);
    expect(refused.body.error.code).to.equal('CSRF_FAILED');
    expect((await fetchInPage(p, 'POST', '/v1/keys', { body, csrf: 'wrong' })).status).to.equal(403);
    expect((await service.sdk().keys.list({ q: 'made without a token' })).items).to.have.length(0);
    expect((await fetchInPage(p, 'POST', '/v1/keys', { body, csrf: session.body.csrfToken })).status).to.equal(201);

    await p.getByRole('button', { name: 'Sign out' }).click();
    await p.waitForURL(/\/console\/login/);
    expect((await fetchInPage(p, 'GET', '/v1/auth/session')).status).to.equal(401);
    await p.goto('/console/keys');
    await p.waitForURL(/\/console\/login/);
    await p.context().close();
  });

  it('an idle session expires: the next action leads back to the sign-in page', async () => {
    const operator = await service.addOperator('developer');
    const p = await page();
    await signIn(p, operator);
    await p.getByRole('link', { name: 'Quota policies' }).click();
    await p.getByText('No quota policies yet.').waitFor();
    service.clock.advance(31 * 60_000);
    await p.getByRole('link', { name: 'Keys', exact: true }).click();
    await p.waitForURL(/\/console\/login/);
    await p.getByText('Your session has ended. Sign in again to continue.').waitFor();
    expect((await fetchInPage(p, 'GET', '/v1/auth/session')).status).to.equal(401);
    await p.context().close();
  });

  // Last: it throttles every sign-in from this address until the clock moves on.
  it('throttles sign-in after repeated failures with a message to wait, even for the right password', async () => {
    const operator = await service.addOperator('viewer');
    const p = await page();
    await p.goto('/console/login');
    let status = 0;
    for (let i = 0; i < 20 && status !== 429; i++) {
      status = (await fetchInPage(p, 'POST', '/v1/auth/login', { body: { email: operator.email, password: `wrong password ${i}` } })).status;
    }
    expect(status).to.equal(429);
    await p.getByLabel('Email').fill(operator.email);
    await p.getByLabel('Password').fill(operator.password);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.getByRole('alert').filter({ hasText: /too many|try again/i }).waitFor();
    expect(p.url()).to.match(/\/console\/login/);

    service.clock.advance(16 * 60_000);
    expect(await p.getByLabel('Password').inputValue(), 'a refused password is not kept in the form').to.equal('');
    await p.getByLabel('Password').fill(operator.password);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.waitForURL(/\/console\/keys/);
    await p.context().close();
  });
});
