/** The provider executable with the stand-in provider, for protocol tests. */
import { runPlugin } from '../../src/protocol/plugin';
import { createStandInProvider } from './standInProvider';

runPlugin({ core: createStandInProvider }).catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
