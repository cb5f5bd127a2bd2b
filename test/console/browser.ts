import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium (`apt-get install -y chromium`); the tests never download a browser. */
export const CHROMIUM = '/usr/bin/chromium';

const LAUNCH_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];

/** Why the browser suites cannot run here, or undefined when they can. */
export function chromiumMissing(): string | undefined {
  return existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is missing (install it with: apt-get install -y chromium)`;
}

/**
 * One browser for the suite that calls it: launched in `before`, closed in `after`; tests open their own
 * contexts. Without Chromium the suite is skipped with the reason, except under CI=true where it fails.
 */
export function useBrowser(): () => Browser {
  let browser: Browser | undefined;
  before(async function () {
    const missing = chromiumMissing();
    if (missing) {
      if (process.env.CI === 'true') throw new Error(`browser tests cannot run: ${missing}`);
      console.warn(`    skipping the browser tests: ${missing}`);
      this.skip();
    }
    browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
  });
  after(async () => {
    await browser?.close();
  });
  return () => {
    if (!browser) throw new Error('the browser is not running');
    return browser;
  };
}
