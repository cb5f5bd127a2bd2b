/**
 * `npm run -w terraform-provider bench:apply`: what a Terraform run over many keys costs, next to what
 * Terraform costs on its own. Against a real service (in this process, embedded SQLite, a random port) and
 * the provider from its mirror, with `-parallelism=50`, it times:
 *   - `terraform plan` and `terraform apply` of a configuration with the provider and no resources;
 *   - `terraform apply` creating 50 keys (`count = 50`), and the no-change `terraform plan` after it
 *     (which reads all 50 back);
 * each `--runs` times (default 3; the 50 keys are destroyed between runs), and prints the medians. It also
 * times the provider from its start to its handshake line, as Terraform starts it (several times per command).
 */
import { spawn } from 'node:child_process';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { LiveService } from '../sdk/service';
import { TerraformCli, findTerraform, progressLogger, run } from './terraform';

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

    const handshakes: number[] = [];
    const clientCert = await clientCertificate(cli.home);
    for (let i = 0; i < 10; i++) handshakes.push(await secondsToHandshake(cli, clientCert));
    progress(`provider start to handshake: ${handshakes.map((x) => x.toFixed(3)).join(', ')} s`);

    const median = (xs: number[]): string => `${[...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!.toFixed(2)} s`;
    const all = (xs: number[]): string => xs.map((x) => x.toFixed(2)).join(', ');
    console.log(`\nterraform ${PARALLELISM}, median of ${runs} run(s), each in brackets; the handshake over 10 starts:`);
    const rows: Array<[string, number[]]> = [
      [`apply, ${KEYS} new keys`, times.keysApply!],
      ['apply, no resources', times.emptyApply!],
      [`plan, ${KEYS} keys, no change`, times.keysPlan!],
      ['plan, no resources', times.emptyPlan!],
      ['provider start to handshake', handshakes],
    ];
    for (const [label, xs] of rows) console.log(`  ${`${label}:`.padEnd(32)}${median(xs).padStart(7)}  [${all(xs)}]`);
    return 0;
  } finally {
    await cli.dispose();
    await service.stop();
  }
}

/** A client certificate (PEM) like the one Terraform makes for AutoMTLS. */
async function clientCertificate(dir: string): Promise<string> {
  const cert = join(dir, 'client.pem');
  const key = join(dir, 'client.key');
  const args = ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/CN=localhost', '-days', '1', '-keyout', key, '-out', cert];
  const made = await run('openssl', args, { cwd: dir, env: process.env, timeoutMs: 30_000 });
  if (made.code !== 0) throw new Error(`openssl could not make a client certificate:\n${made.stderr}`);
  return readFile(cert, 'utf8');
}

/**
 * Starts the mirrored provider as Terraform does (the go-plugin magic cookie, protocol 6, a client
 * certificate for AutoMTLS) and answers the seconds until it prints its handshake line.
 */
async function secondsToHandshake(cli: TerraformCli, clientCert: string): Promise<number> {
  const root = join(cli.home, 'mirror', 'keysmith.local', 'keysmith', 'keysmith', '0.1.0');
  const platform = (await readdir(root))[0]!;
  const executable = join(root, platform, 'terraform-provider-keysmith_v0.1.0');
  const env = {
    ...process.env,
    TF_PLUGIN_MAGIC_COOKIE: 'd602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2',
    PLUGIN_PROTOCOL_VERSIONS: '6',
    PLUGIN_CLIENT_CERT: clientCert,
    PLUGIN_MIN_PORT: '10000',
    PLUGIN_MAX_PORT: '25000',
  };
  const started = process.hrtime.bigint();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(executable, [], { env, stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no handshake from ${executable} within 30 s; it printed ${JSON.stringify(out)}`));
    }, 30_000);
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      if (!out.includes('\n')) return;
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      clearTimeout(timer);
      child.kill('SIGTERM');
      if (/^1\|6\|tcp\|127\.0\.0\.1:\d+\|grpc\|/.test(out)) resolvePromise(seconds);
      else reject(new Error(`unexpected handshake ${JSON.stringify(out)}`));
    });
    child.on('error', reject);
  });
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
