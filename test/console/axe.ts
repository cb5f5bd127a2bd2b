import AxeBuilder from '@axe-core/playwright';
import { expect } from 'chai';
import type { Page } from 'playwright-core';

/** WCAG 2.0 level A and AA: the rules the console promises to pass on every page. */
const TAGS = ['wcag2a', 'wcag2aa'];

/**
 * Runs axe over the whole page as it is now and fails with every violation, one line each. `rules`
 * narrows the scan (the dark colour scheme changes colours only, so contrast is all it needs again).
 */
export async function expectNoAxeViolations(page: Page, where: string, rules?: string[]): Promise<void> {
  const builder = new AxeBuilder({ page });
  const results = await (rules ? builder.withRules(rules) : builder.withTags(TAGS)).analyze();
  const lines = results.violations.flatMap((v) =>
    v.nodes.map((n) => `${v.id} (${v.impact ?? 'n/a'}): ${v.help} at ${n.target.join(' ')}: ${n.failureSummary ?? ''}`.trim()),
  );
  expect(lines, `axe violations on ${where}`).to.deep.equal([]);
}
