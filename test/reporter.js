'use strict';
// Mocha's spec reporter plus one plain closing line that CI reads: `tests: N passed, N failed, N skipped`.
const Mocha = require('mocha');

const { EVENT_RUN_END } = Mocha.Runner.constants;

class KeysmithReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(EVENT_RUN_END, () => {
      const { passes, failures, pending } = runner.stats;
      process.stdout.write(`\ntests: ${passes} passed, ${failures} failed, ${pending} skipped\n`);
    });
  }
}

module.exports = KeysmithReporter;
