import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';

/** The repository root, from test/dist/terraform. */
export const REPO_ROOT = resolve(__dirname, '..', '..', '..');

const MIRROR_SCRIPT = join(REPO_ROOT, 'terraform-provider', 'dist', 'src', 'mirror.js');

/** The `terraform` executable on PATH, or null. */
export function findTerraform(): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, 'terraform');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return null;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  seconds: number;
}

/** Runs a command with a deadline; never rejects on a non-zero exit, only when it cannot start or overruns. */
export function run(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number }): Promise<RunResult> {
  const started = process.hrtime.bigint();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} took longer than ${options.timeoutMs / 1000} s\n${Buffer.concat(err).toString('utf8').slice(-4000)}`));
    }, options.timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({
        code: code ?? (signal ? 128 : 1),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        seconds: Number(process.hrtime.bigint() - started) / 1e9,
      });
    });
  });
}

/**
 * A Terraform CLI set up the way a user without network access would: the Keysmith provider from a
 * filesystem mirror written by `npm run mirror`, no update checks, no prompts. Registry hosts are also
 * pointed at a dead proxy, so a configuration that needed any other provider would fail at once rather
 * than reach the internet.
 */
export class TerraformCli {
  private constructor(
    readonly executable: string,
    /** A temporary folder holding the mirror and the CLI configuration; removed by {@link dispose}. */
    readonly home: string,
    /** The `provider_installation` block `npm run mirror` printed. */
    readonly cliConfig: string,
    private readonly progress: (line: string) => void,
  ) {}

  static async setUp(executable: string, progress: (line: string) => void): Promise<TerraformCli> {
    const home = await mkdtemp(join(tmpdir(), 'keysmith-terraform-'));
    const mirror = await run(process.execPath, [MIRROR_SCRIPT, join(home, 'mirror')], { cwd: home, env: process.env, timeoutMs: 60_000 });
    if (mirror.code !== 0) throw new Error(`the mirror command failed (${mirror.code}):\n${mirror.stderr}`);
    await writeFile(join(home, 'cli.tfrc'), mirror.stdout, 'utf8');
    const cli = new TerraformCli(executable, home, mirror.stdout, progress);
    progress(`provider mirror written in ${mirror.seconds.toFixed(1)} s`);
    return cli;
  }

  /** The environment every terraform command gets, plus the provider's settings. */
  env(extra: Record<string, string>): NodeJS.ProcessEnv {
    return {
      ...process.env,
      TF_CLI_CONFIG_FILE: join(this.home, 'cli.tfrc'),
      CHECKPOINT_DISABLE: '1',
      TF_IN_AUTOMATION: '1',
      TF_INPUT: '0',
      HTTPS_PROXY: 'http://127.0.0.1:9',
      HTTP_PROXY: 'http://127.0.0.1:9',
      NO_PROXY: '127.0.0.1,localhost',
      ...extra,
    };
  }

  /**
   * `terraform <args>` in `cwd`. Exits other than `expect` (default 0) fail with Terraform's output; the
   * command's time is reported through `progress`.
   */
  async terraform(
    cwd: string,
    args: string[],
    env: Record<string, string>,
    options: { expect?: number | number[]; timeoutMs?: number } = {},
  ): Promise<RunResult> {
    const result = await run(this.executable, ['-chdir=' + cwd, ...args], { cwd, env: this.env(env), timeoutMs: options.timeoutMs ?? 180_000 });
    const expected = Array.isArray(options.expect) ? options.expect : [options.expect ?? 0];
    const shown = args.filter((a) => !a.startsWith('-no-color')).join(' ');
    this.progress(`terraform ${shown}: exit ${result.code} in ${result.seconds.toFixed(1)} s`);
    if (!expected.includes(result.code)) {
      throw new Error(`terraform ${shown} exited ${result.code}, expected ${expected.join(' or ')}\n--- stdout\n${result.stdout.slice(-6000)}\n--- stderr\n${result.stderr.slice(-6000)}`);
    }
    return result;
  }

  async dispose(): Promise<void> {
    await rm(this.home, { recursive: true, force: true });
  }
}

/** One line per message of `terraform … -json` output (plan, apply). */
export function jsonLines(stdout: string): Array<Record<string, any>> {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, any>);
}

/** Progress for a long test: one indented line per step, with the time since the suite began. */
export function progressLogger(): (line: string) => void {
  const started = Date.now();
  return (line) => console.log(`      [${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s] ${line}`);
}
