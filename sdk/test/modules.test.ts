import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

/** The repository root (the compiled file is in sdk/dist/test/), where node_modules/@keysmith/sdk links to the package. */
const ROOT = resolve(__dirname, '..', '..', '..');

function node(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
}

// A fresh Node process per case: the package as an application would load it, through its exports map.
describe('sdk package loads as ES module and as CommonJS', () => {
  it('require() gives the client and the error tree', () => {
    const out = node(['-e', "const s = require('@keysmith/sdk'); const k = new s.Keysmith({ baseUrl: 'http://x', rootKey: 'r' }); console.log(typeof k.verify, typeof k.keys.list, new s.NotFoundError(404, 'NOT_FOUND', 'm', undefined, undefined, {}) instanceof s.ApiError)"]);
    expect(out.trim()).to.equal('function function true');
  });

  it('import gives the same names as require, and the very same classes (instanceof works across both)', () => {
    const script = [
      "import * as esm from '@keysmith/sdk';",
      "import { Keysmith, NotFoundError } from '@keysmith/sdk';",
      "import { createRequire } from 'node:module';",
      "const cjs = createRequire(process.cwd() + '/')('@keysmith/sdk');",
      "const names = (o) => Object.keys(o).filter((n) => n !== 'default' && n !== '__esModule').sort();",
      "console.log(JSON.stringify({ esm: names(esm), cjs: names(cjs), same: esm.NotFoundError === cjs.NotFoundError && Keysmith === cjs.Keysmith,",
      "  works: typeof new Keysmith({ baseUrl: 'http://x', rootKey: 'r' }).verify, error: new NotFoundError(404, 'NOT_FOUND', 'm', undefined, undefined, {}) instanceof cjs.KeysmithError }));",
    ].join('\n');
    const result = JSON.parse(node(['--input-type=module', '-e', script])) as { esm: string[]; cjs: string[]; same: boolean; works: string; error: boolean };
    expect(result.esm).to.deep.equal(result.cjs);
    expect(result.esm).to.include.members(['Keysmith', 'KeysmithError', 'ApiError', 'TimeoutError', 'Page']);
    expect([result.same, result.works, result.error]).to.deep.equal([true, 'function', true]);
  });
});
