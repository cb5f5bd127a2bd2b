import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

/** The repository root (the compiled file is in sdk/dist/test/), where node_modules/@keysmith/sdk links to the package. */
const ROOT = resolve(__dirname, '..', '..', '..');

function node(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
}

// An application loads the plugin through the package's exports map, by import or require, next to the client.
describe('@keysmith/sdk/hapi loads as ES module and as CommonJS', () => {
  it('require() gives the plugin', () => {
    expect(node(['-e', "const { keysmithAuth } = require('@keysmith/sdk/hapi'); console.log(keysmithAuth.name, typeof keysmithAuth.register)"]).trim()).to.equal(
      'keysmith function',
    );
  });

  it('import works with the imported client: its errors are the classes the plugin maps (503 when Keysmith is unreachable)', () => {
    const script = [
      "import Hapi from '@hapi/hapi';",
      "import { Keysmith } from '@keysmith/sdk';",
      "import { keysmithAuth } from '@keysmith/sdk/hapi';",
      'const server = Hapi.server();',
      "await server.register({ plugin: keysmithAuth, options: { client: new Keysmith({ baseUrl: 'http://127.0.0.1:1', rootKey: 'r', maxRetries: 0 }) } });",
      "server.auth.strategy('keysmith', 'keysmith');",
      "server.route({ method: 'GET', path: '/', options: { auth: 'keysmith', handler: () => 'ok' } });",
      "const res = await server.inject({ url: '/', headers: { 'x-api-key': 'acme_live_0123456789abcdefghijABCDEFGHIJ01abcdef' } });",
      'console.log(res.statusCode, res.payload);',
    ].join('\n');
    expect(node(['--input-type=module', '-e', script]).trim()).to.equal('503 {"error":"Service Unavailable"}');
  });
});
