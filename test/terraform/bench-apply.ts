/**
 * `npm run -w terraform-provider bench:apply`: what a Terraform run over many keys costs, next to what
 * Terraform costs on its own. Against a real service (in this process, embedded SQLite, a random port) and
 * the provider from its mirror, with `-parallelism=50`, it times:
 *   - `terraform plan` and `terraform apply` of a configuration with the provider and no resources;
 *   - `terraform apply` creating 50 keys (`count = 50`), and the no-change `terraform plan` after it
 *     (which reads all 50 back);
 * each `--runs` times (default 3; the 50 keys are destroyed between runs), and prints the medians.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { LiveService } from '../sdk/service';
import { TerraformCli, findTerraform, progressLogger } from './terraform';

const KEYS = 50;
const PARALLELISM = `-parallelism=${KEYS}`;

const PROVIDER_HCL = `terraform {
  required_providers {
    keysmith = {
      source  = "keysmith.local/keysmith/keysmith"
      version = "0.1.0"
    }
  }
}

provider "keysmith" {}
`;

const KEYS_HCL = `${PROVIDER_HCL}
resource "keysmith_api_key" "bench" {
  count = ${KEYS}
  name  = "bench \${count.index}"
  tags  = ["bench"]
}
`;

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' } } });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive whole number, got ${values.runs}`);
  const terraformPath = findTerraform();
  if (!terraformPath) {
    console.error('bench:apply needs terraform (1.11 or later) on PATH');
    return 1;
  }
  const progress = progressLogger();
  progress('starting the service (embedded SQLite) and writing the provider mirror');
  const service = await LiveService.start('sqlite');
  const cli = await TerraformCli.setUp(terraformPath, progress);
  try {
    const env = {
      KEYSMITH_ENDPOINT: service.baseUrl,
      KEYSMITH_ROOT_KEY: service.harness.tenants.acme.rootKey,
      KEYSMITH_PROVIDER_NOW: service.harness.clock.now().toISOString(),
    };
    const empty = join(cli.home, 'empty');
    const keys = join(cli.home, 'keys');
    await mkdir(empty);
    await mkdir(keys);
    await writeFile(join(empty, 'main.tf'), PROVIDER_HCL);
    await writeFile(join(keys, 'main.tf'), KEYS_HCL);
    const tf = async (dir: string, args: string[], expect = 0) => (await cli.terraform(dir, args, env, { expect, timeoutMs: 600_000 })).seconds;
    await tf(empty, ['init', '-input=false', '-no-color']);
    await tf(keys, ['init', '-input=false', '-no-color']);

    const times: Record<string, number[]> = { emptyPlan: [], emptyApply: [], keysApply: [], keysPlan: [] };
    for (let run = 1; run <= runs; run++) {
      progress(`run ${run} of ${runs}`);
      times.emptyPlan!.push(await tf(empty, ['plan', '-input=false', '-no-color', '-detailed-exitcode', PARALLELISM]));
      times.emptyApply!.push(await tf(empty, ['apply', '-input=false', '-no-color', '-auto-approve', PARALLELISM]));
      times.keysApply!.push(await tf(keys, ['apply', '-input=false', '-no-color', '-auto-approve', PARALLELISM]));
      times.keysPlan!.push(await tf(keys, ['plan', '-input=false', '-no-color', '-detailed-exitcode', PARALLELISM]));
      const created = (await service.client().keys.list({ tag: 'bench', limit: 100 })).items.length;
      if (created !== KEYS) throw new Error(`expected ${KEYS} keys after apply, the service has ${created}`);
      if (run < runs) await tf(keys, ['destroy', '-input=false', '-no-color', '-auto-approve', PARALLELISM]);
    }

    const median = (xs: number[]): string => `${[...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!.toFixed(2)} s`;
    const all = (xs: number[]): string => xs.map((x) => x.toFixed(2)).join(', ');
    console.log(`\nterraform ${PARALLELISM}, median of ${runs} run(s) (each run's seconds in brackets):`);
    console.log(`  apply, ${KEYS} new keys:            ${median(times.keysApply!)}  [${all(times.keysApply!)}]`);
    console.log(`  apply, no resources:             ${median(times.emptyApply!)}  [${all(times.emptyApply!)}]`);
    console.log(`  plan, ${KEYS} keys, no change:       ${median(times.keysPlan!)}  [${all(times.keysPlan!)}]`);
    console.log(`  plan, no resources:              ${median(times.emptyPlan!)}  [${all(times.emptyPlan!)}]`);
    return 0;
  } finally {
    await cli.dispose();
    await service.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
