/**
 * The provider executable's entry (bin/terraform-provider-keysmith). The provider itself (framework,
 * resources, SDK) loads on the first RPC, after the handshake line, so every process Terraform starts
 * reaches its handshake without paying for it.
 */
import type { ProviderCore } from './framework/contract';
import { runPlugin } from './protocol/plugin';

function loadCore(): ProviderCore {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createProvider } = require('./provider') as typeof import('./provider');
  return createProvider();
}

export function main(): void {
  runPlugin({ core: loadCore }).catch((error: unknown) => {
    process.stderr.write(`terraform-provider-keysmith failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}

if (require.main === module) main();
