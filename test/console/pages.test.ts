import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { expectNoAxeViolations } from './axe';
import { useBrowser } from './browser';
import { screenshot } from './screenshots';
import { ConsoleService, useConsoleService, signIn, type Operator } from './service';

// Every page of the console over a workspace with realistic content: zero axe violations (WCAG 2 A and
// AA) in light and dark colour schemes, usable at 375 px, the security headers, and the screenshots
// docs/console.md shows.
describe('console in a browser: every page', function () {
  this.timeout(60_000);
  const browser = useBrowser();
  let service: ConsoleService;
  let owner: Operator;
  let detailId: string;

  useConsoleService((started) => (service = started));
  before(async () => {
    owner = await service.addOperator('owner', 'Ada Lovelace', 'ada@example.com');
    const sdk = service.sdk();
    const policy = await sdk.quotaPolicies.create({ name: 'standard', quota: { daily: 10_000, monthly: 200_000 }, rateLimit: { limit: 60, windowSeconds: 60 } });
    await sdk.quotaPolicies.create({ name: 'free tier', quota: { daily: 100 }, rateLimit: { limit: 10, windowSeconds: 60 } });
    const webshop = await sdk.keys.create({
      name: 'Webshop integration',
      scopes: ['push:send'],
      tags: ['billing', 'eu'],
      group: 'webshop',
      quotaPolicyId: policy.id,
      ipAllowlist: ['10.0.0.0/8'],
      quota: { daily: 1000 },
      credits: { remaining: 5000 },
    });
    await sdk.keys.create({ name: 'Mobile app', environment: 'production', tags: ['mobile'], group: 'apps', rateLimit: { limit: 120, windowSeconds: 60 } });
    await sdk.keys.create({ name: 'Staging smoke tests', environment: 'preview', tags: ['ci'] });
    const old = await sdk.keys.create({ name: 'Legacy partner', environment: 'production', tags: ['partner'] });
    await sdk.keys.disable(old.key.id);
    await sdk.keys.create({ name: 'Local development', environment: 'development' });
    for (let i = 0; i < 12; i++) {
      await sdk.verify(webshop.secret, { scopes: ['push:send'], ip: '10.0.0.7', endpoint: '/v1/push' });
      if (i % 4 === 3) await sdk.verify(webshop.secret, { ip: '203.0.113.9', endpoint: '/v1/push' });
      service.clock.advance(37 * 60_000);
    }
    await service.harness.app.flush();
    detailId = webshop.key.id;
  });

  /**
   * A page whose clock reads the service's (moved) clock, so "last used 5 minutes ago" in the pictures
   * means what it says.
   */
  async function page(viewport?: { width: number; height: number }): Promise<Page> {
    const context = await service.context(browser(), viewport);
    await context.clock.setFixedTime(service.clock.now());
    return context.newPage();
  }

  async function visit(p: Page, path: string, ready: (p: Page) => Promise<unknown>, shot?: string): Promise<void> {
    await p.goto(path);
    await ready(p);
    await expectNoAxeViolations(p, `${path} (light)`);
    if (shot) await screenshot(p, shot);
    await p.emulateMedia({ colorScheme: 'dark' });
    await expectNoAxeViolations(p, `${path} (dark)`, ['color-contrast']);
    await p.emulateMedia({ colorScheme: 'light' });
  }

  it('passes axe on every page in light and dark, and takes the screenshots', async () => {
    const p = await page();
    await visit(p, '/console/login', (p) => p.getByRole('button', { name: 'Sign in' }).waitFor(), 'login');
    await signIn(p, owner);
    await visit(p, '/console/keys', (p) => p.getByRole('rowheader', { name: 'Webshop integration' }).waitFor(), 'keys');
    await visit(p, `/console/keys/${detailId}`, (p) => p.getByRole('list', { name: 'Totals over the last 24 hours' }).getByText(/^VALID/).waitFor(), 'key-detail');
    await p.getByRole('heading', { name: 'Verifications' }).evaluate((h) => h.scrollIntoView({ block: 'start' }));
    await screenshot(p, 'key-charts');
    await visit(p, '/console/policies', (p) => p.getByRole('rowheader', { name: 'standard' }).waitFor(), 'policies');
    await visit(p, '/console/workspace', (p) => p.getByRole('region', { name: 'Operators table' }).waitFor(), 'workspace');
    await visit(p, '/console/getting-started', (p) => p.getByRole('heading', { name: 'Verify a key' }).waitFor(), 'getting-started');

    await p.goto('/console/keys');
    await p.getByRole('button', { name: 'Create API Key' }).first().click();
    await p.getByRole('dialog').getByLabel('Name').waitFor();
    await screenshot(p, 'create-key');
    await p.getByRole('dialog').getByLabel('Name').fill('Shown once');
    await p.getByRole('dialog').getByRole('button', { name: 'Create', exact: true }).click();
    await p.getByRole('button', { name: 'Copy' }).waitFor();
    await screenshot(p, 'show-once');
    await expectNoAxeViolations(p, 'show-once dialog');
    await p.context().close();
  });

  it('is usable at 375 px wide: no sideways scrolling of the page, navigation and the create button reachable', async () => {
    const p = await page({ width: 375, height: 740 });
    await signIn(p, owner);
    await p.getByRole('rowheader', { name: 'Webshop integration' }).waitFor();
    await expectNoAxeViolations(p, 'keys at 375 px');
    const overflow = await p.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow, 'the page itself does not scroll sideways').to.be.at.most(0);
    await p.getByRole('button', { name: 'Create API Key' }).first().click();
    await p.getByRole('dialog').getByLabel('Name').waitFor();
    await p.keyboard.press('Escape');
    await screenshot(p, 'keys-375');
    await p.context().close();
  });

  it('serves the console with a CSP without inline scripts, frame-ancestors none, and no-store on its page', async () => {
    const p = await page();
    const res = await p.goto('/console/keys');
    const headers = res!.headers();
    const csp = headers['content-security-policy']!;
    expect(csp).to.match(/script-src 'self'(;|$)/);
    expect(csp).not.to.contain('unsafe-inline');
    expect(csp).to.contain("frame-ancestors 'none'");
    expect(headers['cache-control']).to.contain('no-store');
    expect(headers['x-content-type-options']).to.equal('nosniff');
    const inline = await p.evaluate(() => [...document.querySelectorAll('script')].filter((s) => !s.src && s.textContent!.trim() !== '').length);
    expect(inline, 'inline scripts').to.equal(0);
    await p.context().close();
  });
});
