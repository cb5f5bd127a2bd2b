/**
 * The servers under test, as child processes: started on a free port (PORT=0) and known to be up when they
 * print "listening on <uri>" on stderr. Every child is stopped at the end, on failure and on Ctrl-C.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpuMicrosWithChildren } from './proc';

const STARTUP_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 3_000;
const LISTENING = /listening on (http:\/\/127\.0\.0\.1:\d+)/;
/** KEYSMITH_METRICS_PORT's line, printed before the listening line: the whole service's metrics. */
const METRICS = /Keysmith metrics on (http:\/\/127\.0\.0\.1:\d+)\/metrics/;

export interface Child {
  name: string;
  /** `http://127.0.0.1:PORT` */
  uri: string;
  /** Where `GET /metrics` covers the whole service: its metrics port when it opened one (workers), else `uri`. */
  metricsUri: string;
  /** CPU time the process and its children (workers) have used so far (user + system), in µs; null where /proc cannot tell. */
  cpuMicros(): number | null;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();

/** Kills every child still running; for exit paths that cannot wait. */
export function killAllChildren(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}

/**
 * Runs `node <args>` with `env` (PORT and HOST are set here) and resolves once it listens. Rejects with
 * the end of its stderr if it exits or stays silent for 30 s.
 */
export function startChild(name: string, args: string[], env: NodeJS.ProcessEnv): Promise<Child> {
  const child = spawn(process.execPath, args, {
    env: { ...env, PORT: '0', HOST: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  running.add(child);
  let stderr = '';
  let settled = false;
  return new Promise<Child>((resolvePromise, reject) => {
    const fail = (why: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      running.delete(child);
      reject(new Error(`${name} did not start: ${why}${stderr ? `\n--- its stderr ---\n${stderr.slice(-4_000)}` : ''}`));
    };
    const timer = setTimeout(() => fail(`no "listening" line within ${STARTUP_TIMEOUT_MS / 1000} s`), STARTUP_TIMEOUT_MS);
    child.once('error', (err) => fail(err.message));
    child.once('exit', (code, signal) => {
      running.delete(child);
      if (!settled) fail(`exited with ${code ?? signal}`);
      else if (code !== 0 && signal === null) process.stderr.write(`${name} exited with ${code}\n${stderr.slice(-2_000)}\n`);
    });
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      // Keep the tail: a child that dies later should still be explainable.
      stderr = (stderr + chunk).slice(-16_000);
      const match = settled ? null : LISTENING.exec(stderr);
      if (!match) return;
      settled = true;
      clearTimeout(timer);
      const metricsUri = METRICS.exec(stderr)?.[1] ?? match[1]!;
      resolvePromise({ name, uri: match[1]!, metricsUri, cpuMicros: () => cpuMicrosWithChildren(child.pid), stop: () => stopChild(child) });
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    running.delete(child);
    return Promise.resolve();
  }
  return new Promise((resolvePromise) => {
    const force = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    child.once('exit', () => {
      clearTimeout(force);
      running.delete(child);
      resolvePromise();
    });
    child.kill('SIGTERM');
  });
}
