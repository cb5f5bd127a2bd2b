import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** A process the bench started, with what it said it needs to be reached. */
export interface Child {
  process: ChildProcess;
  uri: string;
  stop(): Promise<void>;
}

const started: Child[] = [];

/** Stops every child still running; safe to call twice (the bench's deadline and its normal end). */
export async function stopAll(): Promise<void> {
  await Promise.all(started.splice(0).map((child) => child.stop()));
}

/** The environment of a reader's shell, none of our variables, plus `extra`. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('KEYSMITH_') && name !== 'PORT' && name !== 'HOST'));
  return { ...env, ...extra };
}

/**
 * Runs `node ...args` and waits (at most 20 s) until `ready` finds what it needs in its stderr and stdout.
 * Stdout is read all along, so a chatty child never blocks on a full pipe.
 */
function startChild<T>(label: string, args: string[], env: Record<string, string>, ready: (output: string) => T | null): Promise<{ child: ChildProcess; found: T }> {
  const child = spawn(process.execPath, args, { env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${label} did not start within 20 s:\n${output}`));
    }, 20_000);
    const check = () => {
      const found = ready(output);
      if (found !== null) {
        clearTimeout(timer);
        resolve({ child, found });
      }
    };
    child.stdout!.on('data', (chunk: Buffer) => {
      if (output.length < 64_000) output += chunk.toString('utf8');
      check();
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      check();
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${label} exited (${signal ?? code}) before it was ready:\n${output}`));
    });
  });
}

function stopper(child: ChildProcess, cleanup: () => void = () => undefined): () => Promise<void> {
  return async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    cleanup();
  };
}

/**
 * `keysmith serve` on 127.0.0.1, a free port, and the embedded database in a new temporary directory
 * (removed on stop); resolves with its URI and the root key it prints on its first start.
 */
export async function startKeysmith(): Promise<Child & { rootKey: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'keysmith-sdk-bench-'));
  const cli = join(dirname(require.resolve('@keysmith/service/package.json')), 'dist', 'src', 'cli', 'main.js');
  const { child, found } = await startChild(
    'keysmith serve',
    [cli, 'serve'],
    { PORT: '0', HOST: '127.0.0.1', KEYSMITH_DATA_DIR: dataDir, KEYSMITH_LOG_LEVEL: 'warn' },
    (output) => {
      const uri = /Keysmith listening on (http:\/\/\S+)/.exec(output)?.[1];
      const rootKey = /^export KEYSMITH_ROOT_KEY=(\S+)$/m.exec(output)?.[1];
      return uri && rootKey ? { uri, rootKey } : null;
    },
  ).catch((err: unknown) => {
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  });
  const running = { process: child, ...found, stop: stopper(child, () => rmSync(dataDir, { recursive: true, force: true })) };
  started.push(running);
  return running;
}

/** The bench's protected Hapi service (`protectedApp.js`), a client of Keysmith at `baseUrl`. */
export async function startProtectedApp(baseUrl: string, rootKey: string): Promise<Child> {
  const { child, found } = await startChild('the protected Hapi app', [join(__dirname, 'protectedApp.js')], { KEYSMITH_BASE_URL: baseUrl, KEYSMITH_ROOT_KEY: rootKey }, (output) =>
    /^listening (http:\/\/\S+)$/m.exec(output)?.[1] ?? null,
  );
  const running = { process: child, uri: found, stop: stopper(child) };
  started.push(running);
  return running;
}
