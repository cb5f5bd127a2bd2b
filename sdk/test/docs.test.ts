import { expect } from 'chai';
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

/** The package folder (the compiled file is in sdk/dist/test/). */
const SDK = resolve(__dirname, '..', '..');
const DOCS = [join(SDK, 'README.md'), join(SDK, '..', 'docs', 'sdk.md')];
const EXAMPLES = join(SDK, 'examples');

/** Lines without indentation or blank lines, examples' relative import written as users write it. */
function normalise(text: string): string[] {
  return text
    .replace(/from '\.\.\/src(\/[a-z]+)?'/g, (_, sub: string | undefined) => `from '@keysmith/sdk${sub ?? ''}'`)
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

function containsRun(haystack: string[], needle: string[]): boolean {
  for (let i = 0; i + needle.length <= haystack.length; i++) {
    if (needle.every((line, j) => haystack[i + j] === line)) return true;
  }
  return false;
}

// The examples under sdk/examples/ are compiled by `tsc -b`; every ```ts block of the SDK's docs must be a
// run of lines of one of them, so a block that no longer compiles cannot stay in the docs.
describe('sdk docs examples are compiled code', () => {
  const examples = readdirSync(EXAMPLES)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => ({ file: f, lines: normalise(readFileSync(join(EXAMPLES, f), 'utf8')) }));

  for (const doc of DOCS) {
    const blocks = [...readFileSync(doc, 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
    it(`${relative(join(SDK, '..'), doc)}: each of its ${blocks.length} TypeScript blocks is a run of lines of sdk/examples/*.ts`, () => {
      expect(blocks.length).to.be.greaterThan(0);
      for (const block of blocks) {
        const found = examples.some((example) => containsRun(example.lines, normalise(block)));
        expect(found, `this block of ${doc} is not in sdk/examples/*.ts:\n${block}`).to.equal(true);
      }
    });
  }
});
