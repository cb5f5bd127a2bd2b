import type { ApiKey } from '../domain/model';

/** Long work writes progress to stderr so stdout stays clean for pipes. */
export function progress(done: number, total: number, line: string): void {
  process.stderr.write(`[${done}/${total}] ${line}\n`);
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function printTable(rows: string[][]): void {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  for (const row of rows) process.stdout.write(`${row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()}\n`);
}

export function keyRows(keys: ApiKey[]): string[][] {
  return [
    ['ID', 'NAME', 'ENVIRONMENT', 'STATUS', 'START', 'CREATED'],
    ...keys.map((k) => [k.id, k.name, k.environment, k.status, k.start, k.createdAt.toISOString()]),
  ];
}
