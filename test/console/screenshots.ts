import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';

const REPO = resolve(__dirname, '../../..');

/**
 * Where the screenshots go: `docs/console/` when KEYSMITH_SCREENSHOTS=docs (to refresh the pictures in
 * docs/console.md), else next to the compiled tests, so an ordinary run leaves the working tree clean.
 */
export function screenshotDir(): string {
  return process.env.KEYSMITH_SCREENSHOTS === 'docs' ? join(REPO, 'docs', 'console') : join(REPO, 'test', 'dist', 'console', 'screenshots');
}

/** The page as a person sees it in the viewport (not the full scroll height), as `<name>.png`. */
export async function screenshot(page: Page, name: string): Promise<string> {
  const dir = screenshotDir();
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.png`);
  await page.screenshot({ path, scale: 'css', animations: 'disabled', caret: 'hide' });
  return path;
}
