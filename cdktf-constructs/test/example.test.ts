import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The example stack (docs/examples/cdktf-stack), compiled by `tsc -b` next to its source.
const exampleMain = join(__dirname, '..', '..', '..', 'docs', 'examples', 'cdktf-stack', 'dist', 'main.js');
const exampleSource = join(__dirname, '..', '..', '..', 'docs', 'examples', 'cdktf-stack', 'main.ts');
const guide = join(__dirname, '..', '..', '..', 'docs', 'cdktf.md');
const useCdktn = join(__dirname, 'support', 'use-cdktn.js');

interface Synthesized {
  stack: any;
  manifest: any;
}

/** Runs the example as a user does (`node main.js <outdir>`), optionally on cdktn, and reads what it wrote. */
function synthesizeExample(workDir: string, library: 'cdktf' | 'cdktn'): Synthesized {
  const outdir = join(workDir, `out-${library}`);
  const preload = library === 'cdktn' ? ['-r', useCdktn] : [];
  execFileSync(process.execPath, [...preload, exampleMain, outdir], {
    cwd: workDir,
    env: { ...process.env, KEYSMITH_ENDPOINT: 'http://127.0.0.1:8080', KEYSMITH_ROOT_KEY: 'acme_root_example' },
    stdio: 'pipe',
  });
  return {
    stack: JSON.parse(readFileSync(join(outdir, 'stacks', 'keysmith', 'cdk.tf.json'), 'utf8')),
    manifest: JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8')),
  };
}

function packageVersion(name: string): string {
  return JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')).version;
}

/** Paths where two JSON documents differ, with both values. */
function differences(a: unknown, b: unknown, path = '$'): string[] {
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].flatMap((key) => differences((a as any)[key], (b as any)[key], `${path}.${key}`));
  }
  return a === b ? [] : [`${path}: ${JSON.stringify(a)} != ${JSON.stringify(b)}`];
}

describe('cdktf constructs: the example stack on cdktf and on cdktn', function () {
  this.timeout(60_000);
  let workDir: string;
  let cdktf: Synthesized;
  let cdktn: Synthesized;

  before(() => {
    workDir = mkdtempSync(join(tmpdir(), 'keysmith-cdktf-example-'));
    cdktf = synthesizeExample(workDir, 'cdktf');
    cdktn = synthesizeExample(workDir, 'cdktn');
  });

  after(() => rmSync(workDir, { recursive: true, force: true }));

  it('ran once on each library (the manifests name their versions)', () => {
    expect(cdktf.manifest.version).to.equal(packageVersion('cdktf'));
    expect(cdktn.manifest.version).to.equal(packageVersion('cdktn'));
    expect(cdktf.manifest.version).to.match(/^0\.21\./);
    expect(cdktn.manifest.version).to.match(/^0\.24\./);
  });

  it('writes the same Terraform JSON with both, apart from the library version in the metadata comment', () => {
    expect(differences(cdktf.stack, cdktn.stack)).to.deep.equal([
      `$.//.metadata.version: ${JSON.stringify(cdktf.manifest.version)} != ${JSON.stringify(cdktn.manifest.version)}`,
    ]);
  });

  it("writes SPEC's stack: provider from the environment, policy, rotated key, sensitive secret output", () => {
    const { stack } = cdktf;
    expect(stack.terraform.required_providers).to.deep.equal({
      keysmith: { source: 'keysmith.local/keysmith/keysmith', version: '~> 0.1' },
    });
    expect(stack.provider.keysmith).to.deep.equal([{ endpoint: 'http://127.0.0.1:8080', root_key: 'acme_root_example' }]);
    expect(stack.resource.keysmith_quota_policy.standard).to.include({ name: 'standard' });
    const key = stack.resource.keysmith_api_key.webshop;
    expect(key).to.include({ name: 'Webshop integration', environment: 'production', quota_policy_id: '${keysmith_quota_policy.standard.id}' });
    expect(key.rotation).to.deep.equal({ every: '90d', overlap: '1d' });
    expect(stack.output.webshop_secret).to.deep.equal({ value: '${keysmith_api_key.webshop.secret}', sensitive: true });
  });

  it("is the code docs/cdktf.md shows as SPEC's example", () => {
    const shown = /## The example stack[\s\S]*?```ts\n([\s\S]*?)```/.exec(readFileSync(guide, 'utf8'))?.[1];
    expect(shown, 'the example block of docs/cdktf.md').to.be.a('string');
    const source = readFileSync(exampleSource, 'utf8').split('\n').map((line) => line.trim());
    const missing = shown!.split('\n').map((line) => line.trim()).filter((line) => line !== '' && !source.includes(line));
    expect(missing).to.deep.equal([]);
  });
});
