/**
 * The provider executable's entry (bin/terraform-provider-keysmith). The provider itself loads on the
 * first RPC, after the handshake, so a process Terraform starts only for its schema starts fast.
 */
import type { ProviderCore } from './framework/contract';
import { runPlugin } from './protocol/plugin';

function loadCore(): ProviderCore {
  for (const candidate of ['./provider', './framework']) {
    let loaded: { createProvider?: () => ProviderCore };
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      loaded = require(candidate) as typeof loaded;
    } catch {
      continue;
    }
    if (typeof loaded.createProvider === 'function') return loaded.createProvider();
  }
  throw new Error('this build of the provider has no resources (createProvider is missing)');
}

export function main(): void {
  runPlugin({ core: loadCore }).catch((error: unknown) => {
    process.stderr.write(`terraform-provider-keysmith failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}

if (require.main === module) main();
