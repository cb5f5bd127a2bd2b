import { expect } from 'chai';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The compiled file lives in test/dist/, so the repository root is two levels up. */
const REPO = resolve(__dirname, '..', '..');
const CLI = join(REPO, 'service', 'dist', 'src', 'cli', 'main.js');
const HOST = '127.0.0.1';
const PORT = 8080;
const EXPORT_LINE = /^export KEYSMITH_ROOT_KEY=(\S+)$/m;

/** The one ```bash block that follows `<!-- walkthrough -->` in the README. */
function walkthroughOf(readme: string): string {
  const match = /<!-- walkthrough -->\s*```bash\n([\s\S]*?)\n```/.exec(readme);
  if (!match) throw new Error('README.md has no ```bash block right after <!-- walkthrough -->');
  return match[1]!;
}

/** The environment a reader's shell would have: nothing of ours, so the embedded database is used. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('KEYSMITH_') && name !== 'PORT' && name !== 'HOST'));
  return { ...env, ...extra };
}

/** Fails with a message a developer can act on when something already listens where the README points. */
async function assertPortFree(): Promise<void> {
  await new Promise<void>((resolveFree, reject) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new Error(
          err.code === 'EADDRINUSE'
            ? `port ${PORT} on ${HOST} is already in use, and the README walk-through talks to http://${HOST}:${PORT}: ` +
                `stop whatever listens there (a running \`npm start\`? see \`ss -ltnp | grep :${PORT}\`) and run the tests again`
            : `cannot probe ${HOST}:${PORT}: ${err.message}`,
        ),
      ),
    );
    probe.listen(PORT, HOST, () => probe.close(() => resolveFree()));
  });
}

interface RunningService {
  child: ChildProcess;
  output: () => string;
}

/** Starts `keysmith serve` as a reader would and resolves once it printed its root key and listens. */
function startService(cwd: string): Promise<RunningService & { exportLine: string }> {
  const child = spawn(process.execPath, [CLI, 'serve'], {
    cwd,
    env: cleanEnv({ PORT: String(PORT), HOST }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const output = () => `--- stdout\n${stdout}\n--- stderr\n${stderr}`;
  return new Promise((resolveStarted, reject) => {
    const timer = setTimeout(() => reject(new Error(`the service did not start within 20 s\n${output()}`)), 20_000);
    const check = () => {
      // Lines for a person (the banner, "listening") go to stderr; stdout carries JSON logs only.
      const exported = EXPORT_LINE.exec(stderr);
      if (exported && stderr.includes(`Keysmith listening on http://${HOST}:${PORT}`)) {
        clearTimeout(timer);
        resolveStarted({ child, output, exportLine: exported[0] });
      }
    };
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      check();
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      check();
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the service exited while starting (code ${code}, signal ${signal})\n${output()}`));
    });
  });
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolveExit, reject) => {
    const timer = setTimeout(() => reject(new Error(`the service was still running ${timeoutMs} ms after SIGTERM`)), timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolveExit({ code, signal });
    });
  });
}

describe('README quick start, pasted verbatim into bash', function () {
  this.timeout(60_000);
  let workDir: string;
  let service: (RunningService & { exportLine: string }) | undefined;
  let rootKey: string;
  let walkthroughOutput = '';

  before(async () => {
    await assertPortFree();
    // A fresh directory stands in for a fresh clone: `.keysmith/` (database and pepper) lands in it.
    workDir = mkdtempSync(join(tmpdir(), 'keysmith-readme-'));
    service = await startService(workDir);
    rootKey = EXPORT_LINE.exec(service.exportLine)![1]!;
  });

  after(() => {
    if (service && service.child.exitCode === null && service.child.signalCode === null) service.child.kill('SIGKILL');
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('prints an `export KEYSMITH_ROOT_KEY=…` line on the first start that a shell can run as is', () => {
    expect(service!.exportLine).to.match(/^export KEYSMITH_ROOT_KEY=default_root_[0-9A-Za-z]{38}$/);
    expect(service!.output().match(/export KEYSMITH_ROOT_KEY=/g), 'printed once').to.have.length(1);
  });

  it('runs the walk-through without an error and shows the key created, listed, rotated and revoked', () => {
    const script = walkthroughOf(readFileSync(join(REPO, 'README.md'), 'utf8'));
    const result = spawnSync('bash', ['-euo', 'pipefail', '-c', script], {
      cwd: workDir,
      env: cleanEnv({ KEYSMITH_ROOT_KEY: rootKey }),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 30_000,
    });
    walkthroughOutput = result.stdout;
    const transcript = `--- walk-through stdout\n${result.stdout}\n--- walk-through stderr\n${result.stderr}\n${service!.output()}`;
    expect(result.error, transcript).to.equal(undefined);
    expect(result.status, transcript).to.equal(0);

    const out = result.stdout;
    expect(out, 'create answers with the active key').to.include('"status":"active"');
    expect(out, 'list answers with a page').to.match(/"items":\[\{"id":"key_/);
    const secrets = [...out.matchAll(/"secret":"(default_live_[0-9A-Za-z]{38})"/g)].map((m) => m[1]);
    expect(secrets, 'create and rotate each show a secret').to.have.length(2);
    expect(secrets[0], 'rotate issues a new secret').not.to.equal(secrets[1]);
    expect(out, 'rotate stamps lastRotatedAt').to.match(/"lastRotatedAt":"\d{4}-\d\d-\d\dT/);
    expect(out, 'revoke answers with the revoked key').to.include('"status":"revoked"');
    expect(new Set([...out.matchAll(/"id":"(key_[0-9A-Za-z]+)"/g)].map((m) => m[1])).size, 'one key throughout').to.equal(1);
  });

  it('keeps the key secrets out of its own output and logs', () => {
    const secrets = [...walkthroughOutput.matchAll(/"secret":"([^"]+)"/g)].map((m) => m[1]!);
    expect(secrets).to.have.length(2);
    for (const secret of secrets) expect(service!.output()).not.to.include(secret);
  });

  it('stops on SIGTERM within a few seconds with exit code 0', async () => {
    service!.child.kill('SIGTERM');
    const { code, signal } = await waitForExit(service!.child, 5_000);
    expect({ code, signal }, service!.output()).to.deep.equal({ code: 0, signal: null });
    expect(service!.output()).to.include('"msg":"stopped"');
  });
});
