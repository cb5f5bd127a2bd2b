#!/usr/bin/env node
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { openApp, type App } from '../app';
import { ConfigError, loadConfig, type Config } from '../config';
import { Database } from '../db/database';
import { createLogger } from '../logger';
import { migrateToLatest } from '../db/migrate';
import { DomainError, ValidationError } from '../domain/errors';
import { ROOT_SCOPES, type Caller, type RootScope } from '../domain/model';
import { PepperRing } from '../domain/pepper';
import { SLUG_PATTERN } from '../domain/secrets';
import { runKeysCommand } from './keys';
import { printJson, printTable } from './output';
import { readPassword, runOperatorsCommand } from './operators';
import { serve, setupLink } from './serve';

const USAGE = `usage: keysmith <command>

  serve                          run the HTTP service (PORT, HOST, KEYSMITH_* from the environment)
  migrate                        apply pending database migrations
  bootstrap [--workspace SLUG]   create the workspace if needed and print a new root key once
            [--name NAME] [--scopes a,b] [--max-active-keys N]
  pepper                         print a fresh KEYSMITH_PEPPER value
  keys create --name NAME [--environment production|preview|development] [--tag T]… [--scope S]…
              [--group G] [--ip CIDR]… [--expires-at ISO-8601] [--policy POLICY_ID]
  keys list [--q TEXT] [--status S] [--environment E] [--tag T] [--group G]   (one tag: filters combine with AND)
  keys show ID
  keys disable|enable|revoke|delete ID [ID …]
  keys rotate ID [--overlap-seconds N]
  root-keys list                 the workspace's root keys (masked), with their scopes
  root-keys revoke ID            stop a root key for good
  operators create --email E --role owner|admin|developer|viewer [--name N]
                                 add a console operator; the password is read from stdin
  operators list                 the workspace's operators and their roles
  operators reset-password --email E   set a new password (from stdin); ends their sessions
  operators remove --email E     take an operator out of the workspace

  bootstrap --setup-link         also print a one-time link (24 h) to create the workspace's first console owner

  --workspace SLUG picks the workspace for keys commands (default: the only one); --json prints JSON.
`;

const OPTIONS = {
  workspace: { type: 'string' },
  name: { type: 'string' },
  scopes: { type: 'string' },
  'max-active-keys': { type: 'string' },
  environment: { type: 'string' },
  tag: { type: 'string', multiple: true },
  scope: { type: 'string', multiple: true },
  ip: { type: 'string', multiple: true },
  group: { type: 'string' },
  'expires-at': { type: 'string' },
  policy: { type: 'string' },
  q: { type: 'string' },
  status: { type: 'string' },
  'overlap-seconds': { type: 'string' },
  email: { type: 'string' },
  role: { type: 'string' },
  // Accepted only to refuse it with the reason (see main).
  password: { type: 'string' },
  'setup-link': { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

async function main(argv: string[]): Promise<void> {
  const { values, positionals, tokens } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true, tokens: true });
  refuseRepeatedOptions(tokens);
  if (values.password !== undefined) {
    throw ValidationError.forField(
      'password',
      '--password is refused: a password in the command line is visible to other users (ps) and kept in shell history; type it when asked, or pipe it on stdin',
    );
  }
  const [command, ...rest] = positionals;
  if (!command || values.help) {
    process.stdout.write(USAGE);
    return;
  }
  if (command === 'pepper') {
    process.stdout.write(`${PepperRing.generateText()}\n`);
    return;
  }
  const config = loadConfig();
  if (command === 'serve') return serve(config);
  if (command === 'migrate') return migrate(config);
  const app = await openApp(config, { logger: createLogger('warn') });
  try {
    switch (command) {
      case 'bootstrap':
        return await bootstrap(app, config, values);
      case 'keys': {
        const [sub, ...ids] = rest;
        if (!sub) throw new ValidationError('usage: keysmith keys <create|list|show|disable|enable|revoke|rotate|delete>');
        return await runKeysCommand(app, await cliCaller(app, values.workspace), sub, { positionals: ids, values });
      }
      case 'root-keys':
        return await rootKeysCommand(app, await cliCaller(app, values.workspace), rest, values.json === true);
      case 'operators':
        return await runOperatorsCommand(app, await cliCaller(app, values.workspace), rest[0], { values, readPassword });
      default:
        throw new ValidationError(`unknown command ${JSON.stringify(command)}\n${USAGE}`);
    }
  } finally {
    await app.close();
  }
}

/** parseArgs keeps the last of a repeated single-value option; taking one of two values silently is worse than refusing. */
function refuseRepeatedOptions(tokens: ReturnType<typeof parseArgs>['tokens']): void {
  const seen = new Map<string, number>();
  for (const token of tokens ?? []) {
    if (token.kind !== 'option') continue;
    const option = OPTIONS[token.name as keyof typeof OPTIONS] as { type: string; multiple?: boolean } | undefined;
    if (option?.type === 'string' && !option.multiple) seen.set(token.name, (seen.get(token.name) ?? 0) + 1);
  }
  const repeated = [...seen].find(([, count]) => count > 1);
  if (repeated) throw ValidationError.forField(repeated[0], `--${repeated[0]} was given ${repeated[1]} times; it takes one value`);
}

async function migrate(config: Config): Promise<void> {
  const db = Database.open(config.database);
  try {
    const applied = await migrateToLatest(db);
    process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n');
  } finally {
    await db.close();
  }
}

async function bootstrap(app: App, config: Config, values: { workspace?: string; name?: string; scopes?: string; 'max-active-keys'?: string; 'setup-link'?: boolean }): Promise<void> {
  const slug = values.workspace ?? process.env.KEYSMITH_BOOTSTRAP_WORKSPACE ?? 'default';
  if (!SLUG_PATTERN.test(slug)) throw ValidationError.forField('workspace', `must be 2–32 characters of a-z, 0-9 and -, starting with a letter; got ${JSON.stringify(slug)}`);
  const scopes = values.scopes?.split(',').map((s) => s.trim());
  const unknown = scopes?.filter((s) => !(ROOT_SCOPES as readonly string[]).includes(s)) ?? [];
  if (unknown.length > 0) throw ValidationError.forField('scopes', `unknown scope(s) ${unknown.join(', ')}; known: ${ROOT_SCOPES.join(', ')}`);
  const maxActive = values['max-active-keys'] === undefined ? undefined : Number(values['max-active-keys']);
  if (maxActive !== undefined && !(Number.isInteger(maxActive) && maxActive >= 0)) throw ValidationError.forField('max-active-keys', 'must be a whole number, 0 or more');
  const result = await app.services.rootKeys.bootstrap(
    {
      workspaceSlug: slug,
      rootKeyName: values.name ?? 'bootstrap',
      ...(scopes ? { scopes: scopes as RootScope[] } : {}),
      ...(maxActive !== undefined ? { maxActiveKeys: maxActive } : {}),
    },
    { type: 'cli', id: userInfo().username },
  );
  process.stderr.write(`${result.workspaceCreated ? 'created' : 'using'} workspace ${result.workspace.slug}; root key ${result.rootKey.id} (${result.rootKey.scopes.join(', ')}), shown once:\n`);
  process.stdout.write(`${result.secret}\n`);
  if (values['setup-link']) {
    const { token } = await app.services.sessions.createSetupToken(result.workspace.id);
    process.stderr.write(`create the first console owner of ${result.workspace.slug} within 24 hours, once: ${setupLink(config, token)}\n`);
  }
}

async function rootKeysCommand(app: App, caller: Caller, [sub, id]: string[], json: boolean): Promise<void> {
  if (sub === 'list') {
    const keys = await app.services.rootKeys.list(caller.workspaceId);
    if (json) return printJson(keys);
    return printTable([
      ['ID', 'NAME', 'START', 'SCOPES', 'CREATED', 'LAST USED', 'REVOKED'],
      ...keys.map((k) => [k.id, k.name, k.start, k.scopes.join(','), k.createdAt.toISOString(), k.lastUsedAt?.toISOString() ?? '-', k.revokedAt?.toISOString() ?? '-']),
    ]);
  }
  if (sub === 'revoke' && id) {
    const revoked = await app.services.rootKeys.revoke(caller, id);
    process.stdout.write(`revoked root key ${revoked.id} (${revoked.name})\n`);
    return;
  }
  throw new ValidationError('usage: keysmith root-keys list | keysmith root-keys revoke <id>');
}

async function cliCaller(app: App, slug: string | undefined): Promise<Caller> {
  const workspaces = await app.services.workspaces.list();
  const chosen = slug ? workspaces.find((w) => w.slug === slug) : workspaces.length === 1 ? workspaces[0] : undefined;
  if (!chosen) {
    const known = workspaces.map((w) => w.slug).join(', ') || 'none yet: run keysmith bootstrap';
    throw ValidationError.forField('workspace', slug ? `no workspace ${slug} (known: ${known})` : `pass --workspace (known: ${known})`);
  }
  return { workspaceId: chosen.id, actor: { type: 'cli', id: userInfo().username } };
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof DomainError) {
    process.stderr.write(`error: ${err.code}: ${err.message}\n`);
    for (const d of err.details ?? []) process.stderr.write(`  ${d.field}: ${d.message}\n`);
    process.exitCode = 1;
  } else if (err instanceof ConfigError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    process.stderr.write(`error: ${(err as Error).message}\n`);
    process.exitCode = 2;
  } else {
    process.stderr.write(`error: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  }
});
