/**
 * CPU time from /proc: of the servers the bench starts (with their worker children), and of the database
 * server when it runs on this machine. Per answer, CPU time is less disturbed by other tenants of the
 * machine than req/s is, and the database's share is where the written-behind request logs cost.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Linux reports a process's CPU time in clock ticks of 1/100 s (USER_HZ) on every common platform. */
const TICK_MICROS = 10_000;

/** A process's own CPU time (user + system), in µs, and its parent's pid; null when it is gone or /proc cannot tell. */
function statOf(pid: number | string): { cpuMicros: number; ppid: number } | null {
  try {
    // Fields after the command name, which may itself contain spaces and ends with ')'.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return { cpuMicros: (Number(fields[11]) + Number(fields[12])) * TICK_MICROS, ppid: Number(fields[1]) };
  } catch {
    return null;
  }
}

function pids(): string[] {
  try {
    return readdirSync('/proc').filter((entry) => /^\d+$/.test(entry));
  } catch {
    return [];
  }
}

/** CPU time of a process and of its live children (the workers of `keysmith serve` with KEYSMITH_WORKERS > 1). */
export function cpuMicrosWithChildren(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  const own = statOf(pid);
  if (!own) return null;
  let total = own.cpuMicros;
  for (const entry of pids()) {
    if (entry === String(pid)) continue;
    const stat = statOf(entry);
    if (stat?.ppid === pid) total += stat.cpuMicros;
  }
  return total;
}

/** The database server whose CPU time the bench reads, or why it cannot. */
export type DatabaseServer = { pid: number; command: string; cpuMicros: () => number | null } | { pid: null; reason: string };

const SERVER_COMMANDS = new Set(['mariadbd', 'mysqld']);
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/**
 * The MariaDB/MySQL server process behind `url`: only when the URL names this machine (loopback) and
 * exactly one such process is visible here. A server elsewhere, in another container, or one of several
 * on this machine cannot be told apart by name, so its CPU time is reported as unknown rather than guessed.
 */
export function findDatabaseServer(url: string): DatabaseServer {
  const host = new URL(url).hostname;
  if (!LOOPBACK_HOSTS.has(host)) return { pid: null, reason: `the database host ${host} is not this machine's loopback` };
  const found: Array<{ pid: number; command: string }> = [];
  for (const entry of pids()) {
    try {
      const command = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
      if (SERVER_COMMANDS.has(command)) found.push({ pid: Number(entry), command });
    } catch {
      // Gone between the listing and the read.
    }
  }
  if (found.length === 0) return { pid: null, reason: 'no mariadbd or mysqld process is visible on this machine (another container?)' };
  if (found.length > 1) {
    return { pid: null, reason: `${found.length} database server processes here (pids ${found.map((f) => f.pid).join(', ')}); cannot tell which one serves ${host}` };
  }
  const { pid, command } = found[0]!;
  if (!statOf(pid)) return { pid: null, reason: `/proc/${pid}/stat of ${command} is not readable` };
  return { pid, command, cpuMicros: () => statOf(pid)?.cpuMicros ?? null };
}
