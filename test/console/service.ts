import { expect } from 'chai';
import { join } from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { Harness } from '@keysmith/service/dist/test/helpers/harness';
import { Keysmith } from '@keysmith/sdk';

export type Role = 'owner' | 'admin' | 'developer' | 'viewer';

export interface Operator {
  id: string;
  email: string;
  password: string;
  role: Role;
}

/** A password long enough for the 12-byte minimum. */
export const PASSWORD = 'correct horse battery staple';

/**
 * The real service with the built console, on embedded SQLite on a random loopback port, with the
 * harness's movable clock (sessions expire when the test moves it), and acme's root key for the SDK.
 */
export class ConsoleService {
  private operators = 0;
  private readonly open = new Set<BrowserContext>();

  private constructor(
    readonly harness: Harness,
    readonly baseUrl: string,
  ) {}

  static async start(): Promise<ConsoleService> {
    const harness = await Harness.start('sqlite');
    await harness.server.start();
    return new ConsoleService(harness, harness.server.info.uri);
  }

  get clock(): Harness['clock'] {
    return this.harness.clock;
  }

  /** acme's full root key through the SDK: how the tests check what the console did. */
  sdk(): Keysmith {
    return new Keysmith({ baseUrl: this.baseUrl, rootKey: this.harness.tenants.acme.rootKey, maxRetries: 0 });
  }

  /** A new operator of acme with this role, added through the API as an owner would. */
  async addOperator(role: Role, name?: string, email?: string): Promise<Operator> {
    const n = ++this.operators;
    name ??= `${role} ${n}`;
    email ??= `${role}.${n}.${Math.random().toString(36).slice(2, 8)}@example.com`;
    const res = await fetch(`${this.baseUrl}/v1/operators`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.harness.tenants.acme.rootKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ email, name, role, password: PASSWORD }),
    });
    expect(res.status, await res.clone().text()).to.equal(201);
    const body = (await res.json()) as { id: string };
    return { id: body.id, email, password: PASSWORD, role };
  }

  /** A one-time link to create the first owner, as the first start prints it (with this service's address). */
  async setupLink(): Promise<string> {
    const { token } = await this.harness.app.services.sessions.createSetupToken(this.harness.tenants.acme.workspaceId);
    return `${this.baseUrl}/console/setup?token=${token}`;
  }

  /** A fresh browser context (own cookies and storage) at desktop size, with clipboard access. */
  async context(browser: Browser, viewport = { width: 1280, height: 800 }): Promise<BrowserContext> {
    const context = await browser.newContext({
      baseURL: this.baseUrl,
      viewport,
      deviceScaleFactor: 1,
      colorScheme: 'light',
      reducedMotion: 'reduce',
      permissions: ['clipboard-read', 'clipboard-write'],
    });
    context.setDefaultTimeout(5000);
    this.open.add(context);
    context.on('close', () => this.open.delete(context));
    return context;
  }

  /**
   * After a failed test: a screenshot of every page it left open, under test/dist/console/failures/, and
   * those contexts closed, so the next test starts clean.
   */
  async afterTest(test: Mocha.Test | undefined): Promise<void> {
    const failed = test?.state === 'failed';
    let n = 0;
    for (const context of [...this.open]) {
      if (failed) {
        for (const page of context.pages()) {
          const name = `${test!.fullTitle().replace(/[^a-z0-9]+/gi, '-').slice(0, 80)}-${++n}.png`;
          const path = join(__dirname, 'failures', name);
          await page.screenshot({ path, fullPage: true }).then(() => console.warn(`    page at failure: ${path}`), () => undefined);
        }
      }
      await context.close();
    }
  }

  async stop(): Promise<void> {
    await this.harness.stop();
  }
}

/**
 * The suite's service: started before its tests (then handed to `started`, ahead of the suite's own
 * \`before\` hooks), checked after each test (see \`afterTest\`), stopped at the end.
 */
export function useConsoleService(started: (service: ConsoleService) => void): void {
  let service: ConsoleService | undefined;
  before(async () => {
    service = await ConsoleService.start();
    started(service);
  });
  afterEach(function () {
    return service?.afterTest(this.currentTest);
  });
  after(() => service?.stop());
}

/** A new page in a context of its own, signed in as \`operator\` through the login page. */
export async function signedInPage(service: ConsoleService, browser: Browser, operator: Pick<Operator, 'email' | 'password'>): Promise<Page> {
  const page = await (await service.context(browser)).newPage();
  await signIn(page, operator);
  return page;
}

/** The row whose row header is \`name\`, in the whole page or one table of it. */
export function rowNamed(scope: Page | Locator, name: string): Locator {
  const page = 'page' in scope ? scope.page() : scope;
  return scope.getByRole('row').filter({ has: page.getByRole('rowheader', { name, exact: true }) });
}

/** Signs in through the login page as a person does and waits for the keys page. */
export async function signIn(page: Page, operator: Pick<Operator, 'email' | 'password'>): Promise<void> {
  await page.goto('/console/login');
  await page.getByLabel('Email').fill(operator.email);
  await page.getByLabel('Password').fill(operator.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/console\/keys/);
}

/**
 * A call to the API from inside the page, with the page's cookie, as the console's own code would make
 * it (or deliberately without the CSRF header); answers the status and the parsed body.
 */
export async function fetchInPage(
  page: Page,
  method: string,
  path: string,
  options: { body?: unknown; csrf?: string } = {},
): Promise<{ status: number; body: any }> {
  return page.evaluate(
    async ({ method, path, body, csrf }) => {
      const headers: Record<string, string> = {};
      if (body !== undefined) headers['content-type'] = 'application/json';
      if (csrf !== undefined) headers['x-csrf-token'] = csrf;
      const res = await fetch(path, { method, headers, credentials: 'same-origin', ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    },
    { method, path, body: options.body, csrf: options.csrf },
  );
}
