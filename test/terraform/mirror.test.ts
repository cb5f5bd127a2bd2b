import { expect } from 'chai';
import { mkdir, mkdtemp, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, run } from './terraform';

const PROVIDER_DIR = join(REPO_ROOT, 'terraform-provider');
const MIRROR_SCRIPT = join(PROVIDER_DIR, 'dist', 'src', 'mirror.js');
/** Terraform's name for this machine's platform, as the mirror writes it. */
const PLATFORM = `${process.platform}_${({ x64: 'amd64', arm64: 'arm64', ia32: '386', arm: 'arm' } as Record<string, string>)[process.arch]}`;
const PACKAGE_PATH = ['keysmith.local', 'keysmith', 'keysmith', '0.1.0', PLATFORM, 'terraform-provider-keysmith_v0.1.0'];

// The mirror command as `npm run -w terraform-provider mirror -- <dir>` runs it: in the provider's folder,
// with the caller's folder in INIT_CWD. These need no terraform; the Terraform tier installs from the mirror.
describe('npm run mirror: the provider as a Terraform filesystem mirror', function () {
  let home: string;

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'keysmith-mirror-'));
  });
  after(() => rm(home, { recursive: true, force: true }));

  it('writes a relative <dir> under the caller\'s folder, even with spaces and quotes, and prints the block for it', async () => {
    const result = await run(process.execPath, [MIRROR_SCRIPT, "it's a mirror"], { cwd: PROVIDER_DIR, env: { ...process.env, INIT_CWD: home }, timeoutMs: 30_000 });
    expect(result.code, result.stderr).to.equal(0);
    const mirror = join(home, "it's a mirror");
    expect((await stat(join(mirror, ...PACKAGE_PATH))).mode & 0o777).to.equal(0o755);
    expect(result.stdout).to.equal(
      `provider_installation {\n  filesystem_mirror {\n    path    = ${JSON.stringify(mirror)}\n    include = ["keysmith.local/*/*"]\n  }\n` +
        '  direct {\n    exclude = ["keysmith.local/*/*"]\n  }\n}\n',
    );
    expect(result.stderr).to.include(`mirror: writing keysmith.local/keysmith/keysmith 0.1.0 for ${PLATFORM}`);
  });

  it('has a launcher that runs the provider (which, started by hand, says how Terraform starts it)', async () => {
    const launcher = join(home, "it's a mirror", ...PACKAGE_PATH);
    const result = await run(launcher, [], { cwd: home, env: { PATH: process.env.PATH ?? '' }, timeoutMs: 30_000 });
    expect(result.code).to.equal(1);
    expect(result.stderr).to.include('This is a Terraform provider plugin');
  });

  it('has a launcher that says so when node is not on PATH', async () => {
    const bin = join(home, 'bin');
    await mkdir(bin);
    await symlink('/bin/sh', join(bin, 'sh'));
    const result = await run(join(home, "it's a mirror", ...PACKAGE_PATH), [], { cwd: home, env: { PATH: bin }, timeoutMs: 30_000 });
    expect(result.code).to.equal(1);
    expect(result.stderr).to.include('needs Node.js 20.15 or later on PATH (node was not found)');
  });

  it('refuses without a folder, with its usage', async () => {
    const result = await run(process.execPath, [MIRROR_SCRIPT], { cwd: PROVIDER_DIR, env: process.env, timeoutMs: 30_000 });
    expect(result.code).to.equal(2);
    expect(result.stderr).to.include('usage: npm run -w terraform-provider mirror -- <dir>');
  });
});
