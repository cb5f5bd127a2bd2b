/**
 * `npm run -w terraform-provider bench:start`: how long the provider takes to start (spawn to handshake
 * line, as Terraform waits for it, median of 10) and the latency of the calls Terraform makes in every
 * process (GetProviderSchema) and for every resource in state on every plan (UpgradeResourceState).
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import type { TfValue } from '../../src/framework/contract';
import { generateCertificate } from '../../src/protocol/cert';
import { MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE } from '../../src/protocol/plugin';
import { PACKAGE_ROOT, TerraformCore } from '../helpers/terraformCore';

const RUNS = 10;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function timeToFirstLine(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'ignore'] });
    child.stdout.once('data', () => {
      resolve(Number(process.hrtime.bigint() - started) / 1e6);
      child.kill('SIGKILL');
    });
    child.once('exit', (code) => reject(new Error(`exited ${code} before printing`)));
  });
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

const fmt = (ms: number): string => `${ms.toFixed(1)} ms`;

async function main(): Promise<void> {
  const client = await generateCertificate();
  const env = { ...process.env, [MAGIC_COOKIE_KEY]: MAGIC_COOKIE_VALUE, PLUGIN_PROTOCOL_VERSIONS: '6', PLUGIN_CLIENT_CERT: client.certPem };
  const bin = path.join(PACKAGE_ROOT, 'bin', 'terraform-provider-keysmith');

  const baseline: number[] = [];
  const handshake: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    baseline.push(await timeToFirstLine(['-e', 'process.stdout.write("x\\n")'], env));
    handshake.push(await timeToFirstLine([bin], env));
  }
  console.log(`start to handshake line, median of ${RUNS}: ${fmt(median(handshake))} (min ${fmt(Math.min(...handshake))}, max ${fmt(Math.max(...handshake))}); a bare node printing one line: ${fmt(median(baseline))}`);

  const core = await TerraformCore.start({});
  try {
    const first = await timed(() => core.call('GetProviderSchema'));
    const warm: number[] = [];
    for (let i = 0; i < 50; i++) warm.push(await timed(() => core.call('GetProviderSchema')));
    console.log(`GetProviderSchema: first call ${fmt(first)} (loads the provider), then median ${fmt(median(warm))} over 50`);

    const schema = (await core.schema()).resources.keysmith_api_key!;
    const state: Record<string, TfValue> = {};
    for (const name of Object.keys(schema.block.attributes)) state[name] = null;
    for (const [name, nested] of Object.entries(schema.block.blocks ?? {})) state[name] = nested.nesting === 'single' ? null : [];
    Object.assign(state, { id: 'key_01', name: 'web', environment: 'production', group: 'default', enabled: true, status: 'active' });
    const v0: Record<string, unknown> = { ...state, rate_limit: 10, rate_limit_window: 60 };
    delete v0.rotation;
    delete v0.enabled;
    for (const [label, version, raw] of [['current', schema.version, state], ['v0', 0, v0]] as const) {
      const times: number[] = [];
      let diagnostics = 0;
      for (let i = 0; i < 200; i++) {
        times.push(await timed(async () => {
          diagnostics += (await core.upgrade('keysmith_api_key', version, raw)).diagnostics.length;
        }));
      }
      console.log(`UpgradeResourceState keysmith_api_key from ${label} (v${version}): median ${fmt(median(times))} over 200 round trips${diagnostics ? ` (${diagnostics} diagnostics!)` : ''}`);
    }
  } finally {
    await core.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
