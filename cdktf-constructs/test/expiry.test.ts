import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiKey, Duration } from '../src';
import { TerraformStack, Testing } from '../src/cdk';

/**
 * `expiresIn` is rendered as `timeadd(plantimestamp(), …)` with `ignore_changes = ["expires_at"]`. This runs
 * that exact expression and lifecycle through the real `terraform` binary, on its built-in `terraform_data`
 * resource (no provider needed), to show the expiry is fixed by the first apply and a second plan is empty.
 */
describe('cdktf constructs: expiresIn with the real terraform binary', function () {
  this.timeout(120_000);
  let workDir: string;

  const terraform = (...args: string[]) =>
    spawnSync('terraform', args, { cwd: workDir, encoding: 'utf8', env: { ...process.env, TF_IN_AUTOMATION: '1' } });

  before(function () {
    if (spawnSync('terraform', ['version'], { encoding: 'utf8' }).status !== 0) {
      console.log('      terraform is not on PATH: skipped');
      this.skip();
    }
    workDir = mkdtempSync(join(tmpdir(), 'keysmith-expiry-'));
  });

  after(() => workDir && rmSync(workDir, { recursive: true, force: true }));

  it('fixes expires_at at the first apply to plan time + expiresIn, and the next plan has no changes', () => {
    const stack = new TerraformStack(Testing.app(), 'stack');
    new ApiKey(stack, 'webshop', { name: 'webshop', expiresIn: Duration.days(365) });
    const key = JSON.parse(Testing.synth(stack)).resource.keysmith_api_key.webshop;
    expect(key.lifecycle).to.deep.equal({ ignore_changes: ['expires_at'] });

    writeFileSync(
      join(workDir, 'main.tf.json'),
      JSON.stringify({
        resource: { terraform_data: { webshop: { input: key.expires_at, lifecycle: { ignore_changes: ['input'] } } } },
        output: { expires_at: { value: '${terraform_data.webshop.output}' } },
      }),
    );
    expect(terraform('init', '-input=false').status).to.equal(0);
    const before = Date.now();
    const apply = terraform('apply', '-auto-approve', '-input=false');
    expect(apply.status, apply.stderr).to.equal(0);
    const after = Date.now();
    const expiresAt = JSON.parse(terraform('output', '-json').stdout).expires_at.value as string;
    const year = 365 * 86_400_000;
    expect(Date.parse(expiresAt)).to.be.within(before + year - 2000, after + year + 1000);

    const plan = terraform('plan', '-detailed-exitcode', '-input=false');
    expect(plan.status, plan.stdout + plan.stderr).to.equal(0); // 0 = no changes, 2 = a diff
    expect(JSON.parse(terraform('output', '-json').stdout).expires_at.value).to.equal(expiresAt);
  });
});
