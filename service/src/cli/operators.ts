import type { App } from '../app';
import { ValidationError } from '../domain/errors';
import { OPERATOR_ROLES, type Caller, type OperatorRole } from '../domain/model';
import { printJson, printTable } from './output';

export interface OperatorCommandArgs {
  values: { email?: string; role?: string; name?: string; json?: boolean };
  /** Reads the password: stdin, never argv (see `readPassword`). */
  readPassword: (prompt: string) => Promise<string>;
}

const USAGE =
  'usage: keysmith operators create --email E --role owner|admin|developer|viewer [--name N] | list | reset-password --email E | remove --email E (passwords are read from stdin)';

/** `keysmith operators <create|list|reset-password|remove>`, straight on the database. */
export async function runOperatorsCommand(app: App, caller: Caller, sub: string | undefined, args: OperatorCommandArgs): Promise<void> {
  const { operators } = app.services;
  const { values } = args;
  const email = (): string => {
    if (!values.email) throw ValidationError.forField('email', `--email is required\n${USAGE}`);
    return values.email;
  };
  switch (sub) {
    case 'create': {
      const address = email();
      if (!values.role || !(OPERATOR_ROLES as readonly string[]).includes(values.role)) {
        throw ValidationError.forField('role', `--role must be one of ${OPERATOR_ROLES.join(', ')}, got ${JSON.stringify(values.role ?? '')}`);
      }
      const password = await args.readPassword(`password for ${address}: `);
      const operator = await operators.add(caller, { email: address, role: values.role as OperatorRole, password, ...(values.name ? { name: values.name } : {}) });
      if (values.json) return printJson(operator);
      process.stdout.write(`added operator ${operator.id} (${operator.email}, ${operator.role})\n`);
      return;
    }
    case 'list': {
      const list = await operators.list(caller);
      if (values.json) return printJson(list);
      if (list.length === 0) {
        process.stdout.write('no operators\n');
        return;
      }
      return printTable([
        ['ID', 'EMAIL', 'NAME', 'ROLE', 'CREATED', 'LAST LOGIN'],
        ...list.map((o) => [o.id, o.email, o.name, o.role, o.createdAt.toISOString(), o.lastLoginAt?.toISOString() ?? '-']),
      ]);
    }
    case 'reset-password': {
      const address = email();
      const operator = await operators.findByEmail(caller, address);
      const password = await args.readPassword(`new password for ${operator.email}: `);
      await operators.resetPassword(caller, address, password);
      process.stdout.write(`set a new password for ${operator.email}; their sessions have ended\n`);
      return;
    }
    case 'remove': {
      const operator = await operators.findByEmail(caller, email());
      await operators.remove(caller, operator.id);
      process.stdout.write(`removed operator ${operator.email} from the workspace\n`);
      return;
    }
    default:
      throw new ValidationError(sub ? `unknown operators command ${JSON.stringify(sub)}\n${USAGE}` : USAGE);
  }
}

/**
 * A password from stdin: typed at a terminal (not echoed), or piped (`printf '%s' "$PW" | keysmith …`),
 * its one trailing newline dropped. Never from argv, where other users (`ps`) and shell history see it.
 */
export async function readPassword(prompt: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const chunk of stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  }
  process.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.resume();
  return new Promise((resolve, reject) => {
    let typed = '';
    const onData = (data: Buffer): void => {
      for (const char of data.toString('utf8')) {
        if (char === '\r' || char === '\n') {
          finish();
          resolve(typed);
          return;
        }
        if (char === '\u0003') {
          finish();
          reject(new ValidationError('cancelled'));
          return;
        }
        typed = char === '\u007f' || char === '\b' ? typed.slice(0, -1) : typed + char;
      }
    };
    const finish = (): void => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
    };
    stdin.on('data', onData);
  });
}
