import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The installed entry point (node_modules/.bin/keysmith links to it). */
const CLI = resolve(__dirname, '..', '..', 'bin', 'keysmith.js');

/** The real `keysmith` binary on a scratch embedded database. */
describe('keysmith CLI', function () {
  this.timeout(60_000);
  let dataDir: string;

  const runWithInput = (input: string, ...args: string[]) => {
    const result = spawnSync(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH, KEYSMITH_DATA_DIR: dataDir, KEYSMITH_LOG_LEVEL: 'warn', KEYSMITH_BCRYPT_COST: '10' },
      encoding: 'utf8',
      input,
    });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  };
  const run = (...args: string[]) => runWithInput('', ...args);

  before(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'keysmith-cli-'));
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('migrates, then reports the database up to date', () => {
    expect(run('migrate').stdout).to.include('applied: 20261123100000_initial');
    expect(run('migrate').stdout).to.include('database is up to date');
  });

  it('bootstraps a workspace and prints its root key once, on stdout alone', () => {
    const result = run('bootstrap', '--workspace', 'acme', '--scopes', 'keys:read,keys:write');
    expect(result.code).to.equal(0);
    expect(result.stdout.trim()).to.match(/^acme_root_[0-9A-Za-z]{38}$/);
    expect(result.stderr).to.include('created workspace acme');
    expect(result.stderr).to.include('keys:read, keys:write');
    expect(statSync(join(dataDir, 'pepper')).mode & 0o777, 'the generated pepper is private').to.equal(0o600);
  });

  it('refuses bad input naming the option', () => {
    const badScope = run('bootstrap', '--workspace', 'acme', '--scopes', 'keys:everything');
    expect(badScope.code).to.equal(1);
    expect(badScope.stderr).to.include('scopes: unknown scope(s) keys:everything');
    const badCidr = run('keys', 'create', '--name', 'x', '--ip', '10.0.0.0/33');
    expect(badCidr.code).to.equal(1);
    expect(badCidr.stderr).to.include('ipAllowlist.0');
    expect(run('keys', 'fly').stderr).to.include('unknown keys command "fly"');
    expect(run('--bogus').code).to.equal(2);
    const twoTags = run('keys', 'list', '--tag', 'ops', '--tag', 'billing');
    expect(twoTags.code, 'a second --tag is refused, not dropped').to.equal(1);
    expect(twoTags.stderr).to.include('tag: keys list filters by one tag, got 2 (ops, billing)');
    expect(twoTags.stdout).to.equal('');
    const twoStatuses = run('keys', 'list', '--status', 'active', '--status', 'revoked');
    expect(twoStatuses.code).to.equal(1);
    expect(twoStatuses.stderr).to.include('status: --status was given 2 times; it takes one value');
  });

  it('creates, lists, shows, rotates and deletes keys; bulk actions show progress', () => {
    const created = run('keys', 'create', '--name', 'cli key', '--environment', 'development', '--tag', 'ops', '--json');
    expect(created.code, created.stderr).to.equal(0);
    const { key, secret } = JSON.parse(created.stdout);
    expect(secret).to.match(/^acme_dev_/);
    const second = JSON.parse(run('keys', 'create', '--name', 'second', '--json').stdout).key;

    const list = run('keys', 'list', '--tag', 'ops');
    expect(list.stdout).to.match(/^ID\s+NAME\s+ENVIRONMENT\s+STATUS\s+START\s+CREATED/);
    expect(list.stdout).to.include(key.id).and.not.include(second.id);

    expect(JSON.parse(run('keys', 'show', key.id).stdout)).to.include({ id: key.id, name: 'cli key', usageCount: 0 });

    const tooLong = run('keys', 'rotate', key.id, '--overlap-seconds', '1e20');
    expect(tooLong.code).to.equal(1);
    expect(tooLong.stderr).to.match(/overlapSeconds: overlapSeconds must be/);
    const rotated = run('keys', 'rotate', key.id, '--overlap-seconds', '60');
    expect(rotated.stdout).to.match(/new secret \(shown once\): acme_dev_/);
    expect(rotated.stdout).not.to.include(secret);

    const disabled = run('keys', 'disable', key.id, 'key_missing', second.id);
    expect(disabled.code).to.equal(1);
    expect(disabled.stderr).to.include(`[1/3] ${key.id} disabled`);
    expect(disabled.stderr).to.include('[2/3] key_missing failed: NOT_FOUND');
    expect(disabled.stderr).to.include(`[3/3] ${second.id} disabled`);
    expect(disabled.stderr).to.include('1 of 3 failed');

    expect(run('keys', 'delete', second.id).code).to.equal(0);
    expect(run('keys', 'show', second.id).stderr).to.include('NOT_FOUND');
    const audit = run('keys', 'list', '--json');
    expect(JSON.parse(audit.stdout).map((k: { id: string }) => k.id)).to.deep.equal([key.id]);
  });

  it('lists root keys masked and revokes one', () => {
    const listed = run('root-keys', 'list');
    expect(listed.stdout).to.match(/acme_root_\w{4}…\w{4}\s+keys:read,keys:write/);
    const id = /^(rk_\w+)/m.exec(listed.stdout)![1]!;
    expect(run('root-keys', 'revoke', id).stdout).to.include(`revoked root key ${id}`);
    expect(run('root-keys', 'list', '--json').stdout).to.match(/"revokedAt": "\d{4}-/);
  });

  it('asks which workspace when there are several', () => {
    run('bootstrap', '--workspace', 'globex');
    const result = run('keys', 'list');
    expect(result.code).to.equal(1);
    expect(result.stderr).to.include('pass --workspace (known: acme, globex)');
    expect(run('keys', 'list', '--workspace', 'globex').stdout).to.include('no keys');
  });


  it('manages console operators, with passwords from stdin and never from argv', () => {
    const ws = ['--workspace', 'acme'];
    const refused = run('operators', 'create', '--email', 'a@acme.test', '--role', 'owner', '--password', 'hunter2hunter2', ...ws);
    expect(refused.code).to.equal(1);
    expect(refused.stderr).to.include('--password is refused: a password in the command line is visible to other users (ps) and kept in shell history');
    const tooLong = runWithInput(`${'x'.repeat(73)}\n`, 'operators', 'create', '--email', 'a@acme.test', '--role', 'owner', ...ws);
    expect(tooLong.stderr).to.include('bcrypt reads only the first 72 bytes');
    const created = runWithInput('a long enough password\n', 'operators', 'create', '--email', 'A@acme.test', '--role', 'owner', '--name', 'Ada', ...ws);
    expect(created.code, created.stderr).to.equal(0);
    expect(created.stdout).to.match(/^added operator op_\w+ \(a@acme\.test, owner\)/);
    expect(run('operators', 'list', ...ws).stdout).to.match(/a@acme\.test\s+Ada\s+owner/);
    expect(runWithInput('another long password', 'operators', 'reset-password', '--email', 'a@acme.test', ...ws).stdout).to.include('set a new password for a@acme.test');
    const last = run('operators', 'remove', '--email', 'a@acme.test', ...ws);
    expect(last.code).to.equal(1);
    expect(last.stderr).to.include('LAST_OWNER');
    runWithInput('a long enough password', 'operators', 'create', '--email', 'b@acme.test', '--role', 'owner', ...ws);
    expect(run('operators', 'remove', '--email', 'a@acme.test', ...ws).stdout).to.include('removed operator a@acme.test');
    expect(JSON.parse(run('operators', 'list', '--json', ...ws).stdout).map((o: { email: string }) => o.email)).to.deep.equal(['b@acme.test']);
  });

  it('prints a first-owner setup link with bootstrap --setup-link', () => {
    const result = run('bootstrap', '--workspace', 'initech', '--setup-link');
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stderr).to.match(/within 24 hours, once: http:\/\/127\.0\.0\.1:8080\/console\/setup\?token=[0-9A-Za-z]{32}\n/);
    expect(result.stdout.trim()).to.match(/^initech_root_/);
  });
});
