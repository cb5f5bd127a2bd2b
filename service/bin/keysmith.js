#!/usr/bin/env node
'use strict';
// The `keysmith` command: runs the compiled CLI. Linked into node_modules/.bin by `npm ci`.
const path = require('node:path');
const fs = require('node:fs');

const main = path.join(__dirname, '..', 'dist', 'src', 'cli', 'main.js');
if (!fs.existsSync(main)) {
  process.stderr.write('keysmith is not built yet: run `npm run build` in the repository root\n');
  process.exit(2);
}
require(main);
