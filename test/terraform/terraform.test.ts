import { expect } from 'chai';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NotFoundError, type Keysmith, type Key } from '@keysmith/sdk';
import { LiveService } from '../sdk/service';
import { HCL_EXAMPLE, synthesizeStack } from './stack';
import { TerraformCli, findTerraform, jsonLines, progressLogger } from './terraform';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** Where the verifying service says its callers come from: inside the example key's allow-list (10.0.0.0/8). */
const CALLER_IP = '10.1.2.3';

// Tier 3: the real terraform binary drives the real provider (installed from the mirror `npm run mirror`
// writes) against a real Keysmith service, on the CDKTF example stack of the docs. Each step builds on the
// one before, as a user's runs would: apply, no-change plan, drift, import, rotation, destroy; then the
// plain-HCL example of the docs, applied as written.
describe('Terraform end to end: terraform, the provider from its mirror, the example stack, a real service', function () {
  const terraformPath = findTerraform();
  if (!terraformPath) {
    if (process.env.CI === 'true') {
      it('needs terraform in CI', () => {
        throw new Error('terraform is not on PATH: CI must run the Terraform tier (Terraform 1.11 or later)');
      });
      return;
    }
    before(function () {
      console.log('      (skipped: terraform is not on PATH; install Terraform 1.11 to run the Terraform tier)');
      this.skip();
    });
    it('runs terraform against the provider', () => undefined);
    return;
  }

  this.timeout(300_000);
  const progress = progressLogger();
  let service: LiveService;
  let client: Keysmith;
  let cli: TerraformCli;
  let stackDir: string;
  let firstSecret: string;

  /** The provider's settings: this service, acme's root key, and the service's (movable) clock as its own. */
  const providerEnv = (): Record<string, string> => ({
    KEYSMITH_ENDPOINT: service.baseUrl,
    KEYSMITH_ROOT_KEY: service.harness.tenants.acme.rootKey,
    KEYSMITH_PROVIDER_NOW: service.harness.clock.now().toISOString(),
  });
  const tf = (args: string[], options: { expect?: number | number[]; cwd?: string } = {}) =>
    cli.terraform(options.cwd ?? stackDir, withNoColor(args), providerEnv(), options);
  const stateResources = async (): Promise<Array<{ address: string; type: string; values: Record<string, any> }>> => {
    const shown = JSON.parse((await tf(['show', '-json'])).stdout);
    return shown.values?.root_module?.resources ?? [];
  };
  const keysByName = async (): Promise<Map<string, Key>> => {
    const keys = new Map<string, Key>();
    for await (const key of client.keys.list()) keys.set(key.name, key);
    return keys;
  };
  const verify = async (secret: string) => (await client.verify(secret, { ip: CALLER_IP, scopes: ['push:send'] })).code;

  before(async () => {
    progress(`${terraformPath}: starting the service, writing the mirror, synthesizing the example stack`);
    service = await LiveService.start('sqlite');
    client = service.client();
    cli = await TerraformCli.setUp(terraformPath, progress);
    // As the docs advise: the endpoint goes into cdk.tf.json, the root key stays in the environment.
    const { KEYSMITH_ROOT_KEY: _rootKey, ...synthEnv } = process.env;
    const synth = await synthesizeStack(join(cli.home, 'cdktf.out'), cli.home, { ...synthEnv, KEYSMITH_ENDPOINT: service.baseUrl });
    stackDir = synth.stackDir;
    const backend = JSON.parse(await readFile(join(stackDir, 'cdk.tf.json'), 'utf8')).terraform.backend;
    expect(backend.local.path.startsWith(cli.home), 'the state file is written in the temporary folder').to.equal(true);
    progress(`example stack synthesized in ${synth.seconds.toFixed(1)} s`);
  });
  after(async () => {
    await cli?.dispose();
    await service?.stop();
  });

  it('installs the provider from the mirror with no registry, and the plain HCL example validates and is formatted', async () => {
    expect(cli.cliConfig).to.match(/filesystem_mirror \{\s+path\s+= ".+"\s+include = \["keysmith\.local\/\*\/\*"\]/);
    const dir = join(cli.home, 'hcl');
    await mkdir(dir);
    await copyFile(HCL_EXAMPLE, join(dir, 'main.tf'));
    const init = await tf(['init', '-input=false'], { cwd: dir });
    expect(init.stdout).to.include('Installed keysmith.local/keysmith/keysmith v0.1.0');
    const validate = JSON.parse((await tf(['validate', '-json'], { cwd: dir })).stdout);
    expect(validate, JSON.stringify(validate.diagnostics)).to.include({ valid: true, error_count: 0 });
    await tf(['fmt', '-check', '-diff', 'main.tf'], { cwd: dir }); // the example is written as terraform fmt would
  });

  it('applies the example stack: the policy and the key exist with the declared settings', async () => {
    await tf(['init', '-input=false']);
    await tf(['apply', '-auto-approve', '-input=false']);

    const policies = (await client.quotaPolicies.list()).items;
    expect(policies.map((p) => p.name)).to.deep.equal(['standard']);
    const policy = policies[0]!;
    expect(policy.quota).to.include({ daily: 10_000, monthly: 200_000 });
    expect(policy.rateLimit).to.deep.equal({ limit: 60, windowSeconds: 60 });

    const key = (await keysByName()).get('Webshop integration');
    expect(key, 'the key "Webshop integration"').to.exist;
    expect(key).to.deep.include({ environment: 'production', scopes: ['push:send'], ipAllowlist: ['10.0.0.0/8'], quotaPolicyId: policy.id, status: 'active' });
    const expiresInDays = (Date.parse(key!.expiresAt!) - Date.now()) / DAY_MS;
    expect(expiresInDays).to.be.within(364, 366);

    const outputs = JSON.parse((await tf(['output', '-json'])).stdout);
    expect(outputs.webshop_secret.sensitive).to.equal(true);
    firstSecret = outputs.webshop_secret.value;
    expect(await verify(firstSecret)).to.equal('VALID');
    const state = await stateResources();
    const stateKey = state.find((r) => r.type === 'keysmith_api_key')!;
    expect(stateKey.values).to.include({ id: key!.id, secret: firstSecret, name: 'Webshop integration' });
  });

  it('plans no change right after the apply', async () => {
    await tf(['plan', '-detailed-exitcode', '-input=false'], { expect: 0 });
  });

  it('shows a key edited behind its back as drift on that attribute, and apply puts it back', async () => {
    const key = (await keysByName()).get('Webshop integration')!;
    await client.keys.update(key.id, { name: 'Renamed in the console' });

    const plan = await tf(['plan', '-detailed-exitcode', '-input=false', '-out=drift.tfplan'], { expect: 2 });
    expect(plan.stdout).to.match(/~ name\s+= "Renamed in the console" -> "Webshop integration"/);
    const shown = JSON.parse((await tf(['show', '-json', 'drift.tfplan'])).stdout);
    const drift = (shown.resource_drift ?? []).find((r: any) => r.type === 'keysmith_api_key');
    expect(drift?.change.before.name).to.equal('Webshop integration');
    expect(drift?.change.after.name).to.equal('Renamed in the console');
    const change = shown.resource_changes.find((r: any) => r.type === 'keysmith_api_key');
    expect(change.change.actions).to.deep.equal(['update']);

    await tf(['apply', '-input=false', 'drift.tfplan']);
    expect((await client.keys.get(key.id)).name).to.equal('Webshop integration');
    await tf(['plan', '-detailed-exitcode', '-input=false'], { expect: 0 });
  });

  it('imports keys made elsewhere, with terraform import and with an import block; neither plans a change', async () => {
    const byCommand = (await client.keys.create({ name: 'Imported by command' })).key;
    const byBlock = (await client.keys.create({ name: 'Adopted by an import block' })).key;
    await writeFile(join(stackDir, 'imported.tf'), 'resource "keysmith_api_key" "imported" {\n  name = "Imported by command"\n}\n');
    await tf(['import', '-input=false', 'keysmith_api_key.imported', byCommand.id]);
    await tf(['plan', '-detailed-exitcode', '-input=false'], { expect: 0 });

    await writeFile(
      join(stackDir, 'adopted.tf'),
      `import {\n  to = keysmith_api_key.adopted\n  id = "${byBlock.id}"\n}\n\nresource "keysmith_api_key" "adopted" {\n  name = "Adopted by an import block"\n}\n`,
    );
    const plan = await tf(['plan', '-detailed-exitcode', '-input=false', '-json'], { expect: 2 });
    const summary = jsonLines(plan.stdout).find((m) => m.type === 'change_summary');
    expect(summary?.changes).to.include({ import: 1, add: 0, change: 0, remove: 0 });
    const apply = await tf(['apply', '-auto-approve', '-input=false']);
    expect(apply.stdout).to.include('Resources: 1 imported, 0 added, 0 changed, 0 destroyed');
    await tf(['plan', '-detailed-exitcode', '-input=false'], { expect: 0 });

    const state = await stateResources();
    for (const [address, id] of [['keysmith_api_key.imported', byCommand.id], ['keysmith_api_key.adopted', byBlock.id]] as const) {
      const imported = state.find((r) => r.address === address);
      expect(imported?.values, address).to.include({ id, secret: null });
    }
  });

  it('rotates a due key with its overlap: the old secret verifies inside the overlap, the new one from the outputs always', async () => {
    await tf(['plan', '-detailed-exitcode', '-input=false'], { expect: 0 });
    service.harness.clock.advance(90 * DAY_MS + HOUR_MS); // every = 90 days: due now, for the service and the provider

    await tf(['plan', '-detailed-exitcode', '-input=false', '-out=rotate.tfplan'], { expect: 2 });
    const shown = JSON.parse((await tf(['show', '-json', 'rotate.tfplan'])).stdout);
    const changes = shown.resource_changes.filter((r: any) => r.change.actions.join() !== 'no-op');
    expect(changes.map((r: any) => [r.type, r.change.actions])).to.deep.equal([['keysmith_api_key', ['update']]]);
    expect(changes[0].change.after_unknown.secret).to.equal(true);
    await tf(['apply', '-input=false', 'rotate.tfplan']);

    const secret: string = JSON.parse((await tf(['output', '-json'])).stdout).webshop_secret.value;
    expect(secret).to.be.a('string').and.not.equal(firstSecret);
    const key = (await keysByName()).get('Webshop integration')!;
    expect(Date.parse(key.lastRotatedAt!)).to.equal(service.harness.clock.now().getTime());
    expect(await verify(secret)).to.equal('VALID');
    expect(await verify(firstSecret), 'the old secret right after the rotation').to.equal('VALID');
    service.harness.clock.advance(23 * HOUR_MS);
    expect(await verify(firstSecret), 'the old secret 23 h into the 24 h overlap').to.equal('VALID');
    service.harness.clock.advance(2 * HOUR_MS);
    expect(await verify(firstSecret), 'the old secret after the overlap').to.not.equal('VALID');
    expect(await verify(secret)).to.equal('VALID');
    await tf(['plan', '-detailed-exitcode', '-input=false'], { expect: 0 });
  });

  it('destroys everything: the used key is revoked and let go of, the never-used ones deleted, the policy deleted', async () => {
    const before = await keysByName();
    const policyId = (await client.quotaPolicies.list()).items[0]!.id;
    await tf(['destroy', '-auto-approve', '-input=false']);
    expect(await stateResources()).to.deep.equal([]);

    const webshop = before.get('Webshop integration')!;
    // Revoked, not deleted (it verified requests); renamed to free its name and detached from the policy.
    expect(await client.keys.get(webshop.id)).to.deep.include({
      status: 'revoked',
      name: `Webshop integration (revoked ${webshop.id})`,
      quotaPolicyId: null,
    });
    for (const name of ['Imported by command', 'Adopted by an import block']) {
      const err = await client.keys.get(before.get(name)!.id).catch((e: unknown) => e);
      expect(err, name).to.be.instanceOf(NotFoundError);
    }
    expect(await client.quotaPolicies.get(policyId).catch((e: unknown) => e)).to.be.instanceOf(NotFoundError);
  });

  it('applies the plain HCL example as written, plans no change after it, and destroys it', async () => {
    const dir = join(cli.home, 'hcl');
    await tf(['apply', '-auto-approve', '-input=false'], { cwd: dir });
    const key = (await keysByName()).get('Webshop integration')!;
    expect(key).to.deep.include({ scopes: ['push:send'], ipAllowlist: ['10.0.0.0/8'], metadata: { team: 'shop' } });
    const outputs = JSON.parse((await tf(['output', '-json'], { cwd: dir })).stdout);
    expect(outputs.webshop_key_id.value).to.equal(key.id);
    expect(await verify(outputs.webshop_secret.value)).to.equal('VALID');
    await tf(['plan', '-detailed-exitcode', '-input=false'], { cwd: dir, expect: 0 });
    await tf(['destroy', '-auto-approve', '-input=false'], { cwd: dir });
    expect((await client.quotaPolicies.list()).items).to.deep.equal([]);
  });
});

/** Human-readable terraform output without colour codes, so tests can match it. */
function withNoColor(args: string[]): string[] {
  return args.includes('-json') ? args : [args[0]!, '-no-color', ...args.slice(1)];
}
