import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO_ROOT, run } from './terraform';

/** The example CDKTF stack of the docs, compiled by `tsc -b`. */
export const STACK_DIR = join(REPO_ROOT, 'docs', 'examples', 'cdktf-stack');
export const STACK_MAIN = join(STACK_DIR, 'dist', 'main.js');

/** The plain-HCL example of the docs. */
export const HCL_EXAMPLE = join(REPO_ROOT, 'docs', 'examples', 'terraform', 'main.tf');

/**
 * Synthesizes the example stack into `outdir` as `cdktf synth` would (the app's compiled main, with
 * CDKTF_OUTDIR), and answers the folder holding the stack's `cdk.tf.json`, where terraform runs. It runs in
 * `cwd`, where cdktf's default local backend puts the state file (never the example's own folder).
 */
export async function synthesizeStack(outdir: string, cwd: string, env: NodeJS.ProcessEnv): Promise<{ stackDir: string; seconds: number }> {
  const result = await run(process.execPath, [STACK_MAIN], {
    cwd,
    env: { ...env, CDKTF_OUTDIR: outdir },
    timeoutMs: 120_000,
  });
  if (result.code !== 0) throw new Error(`synthesizing ${STACK_MAIN} failed (${result.code}):\n${result.stderr}\n${result.stdout}`);
  const stacks = join(outdir, 'stacks');
  const names = (await readdir(stacks, { withFileTypes: true })).filter((entry) => entry.isDirectory()).map((entry) => entry.name);
  if (names.length !== 1) throw new Error(`expected one stack in ${stacks}, found ${names.join(', ') || 'none'}`);
  return { stackDir: join(stacks, names[0]!), seconds: result.seconds };
}
