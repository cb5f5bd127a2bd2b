import Joi from 'joi';
import type { App } from '../app';
import { ValidationError } from '../domain/errors';
import type { Caller } from '../domain/model';
import { RotatePayload, createKeyPayload, keyListFilters } from '../http/schemas';
import type { KeyStatusFilter } from '../domain/model';
import type { BulkAction, CreateKeyInput } from '../services/keys';
import { keyRows, printJson, printTable, progress } from './output';

export interface KeyCommandArgs {
  positionals: string[];
  values: Record<string, string | boolean | string[] | undefined>;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const list = (v: unknown): string[] | undefined => (Array.isArray(v) ? (v as string[]) : undefined);

/** `keysmith keys <create|list|show|disable|enable|revoke|rotate|delete>`, straight on the database. */
export async function runKeysCommand(app: App, caller: Caller, sub: string, args: KeyCommandArgs): Promise<void> {
  const { keys, keyReads } = app.services;
  const json = args.values.json === true;
  const ids = args.positionals;
  switch (sub) {
    case 'create': {
      const input = validate(createKeyPayload(app.clock), {
        name: str(args.values.name),
        environment: str(args.values.environment),
        tags: list(args.values.tag),
        group: str(args.values.group),
        scopes: list(args.values.scope),
        ipAllowlist: list(args.values.ip),
        expiresAt: str(args.values['expires-at']),
        quotaPolicyId: str(args.values.policy),
      }) as CreateKeyInput;
      const { key, secret } = await keys.create(caller, input);
      if (json) return printJson({ key, secret });
      process.stdout.write(`created ${key.id} (${key.name}, ${key.environment})\nsecret (shown once): ${secret}\n`);
      return;
    }
    case 'list': {
      const tags = list(args.values.tag) ?? [];
      // The API's tag filter takes one tag; a second one must not be dropped without a word.
      if (tags.length > 1) {
        throw ValidationError.forField('tag', `keys list filters by one tag, got ${tags.length} (${tags.join(', ')}); run one list per tag`);
      }
      const filter = validate(
        Joi.object(keyListFilters),
        { q: str(args.values.q), status: str(args.values.status), environment: str(args.values.environment), tag: tags[0], group: str(args.values.group) },
      ) as { q?: string; status?: KeyStatusFilter };
      const all = [];
      let cursor: string | undefined;
      do {
        const page = await keyReads.list(caller, { ...filter, limit: 100, ...(cursor ? { cursor } : {}) });
        all.push(...page.items);
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      if (json) return printJson(all);
      if (all.length === 0) process.stdout.write('no keys\n');
      else printTable(keyRows(all));
      return;
    }
    case 'show': {
      requireIds(ids, 1, 'keys show <id>');
      const details = await keyReads.get(caller, ids[0]!);
      return printJson({ ...details.key, effectiveLimits: details.effectiveLimits, usage: details.usage });
    }
    case 'rotate': {
      requireIds(ids, 1, 'keys rotate <id> [--overlap-seconds N]');
      const given = str(args.values['overlap-seconds']);
      const { overlapSeconds } = validate(RotatePayload, given === undefined ? {} : { overlapSeconds: given }) as { overlapSeconds: number };
      const { key, secret } = await keys.rotate(caller, ids[0]!, overlapSeconds);
      if (json) return printJson({ key, secret });
      process.stdout.write(`rotated ${key.id}; new secret (shown once): ${secret}\n`);
      return;
    }
    case 'disable':
    case 'enable':
    case 'revoke':
    case 'delete': {
      requireIds(ids, 1, `keys ${sub} <id> [<id> …]`);
      const results = await keys.bulk(caller, sub as BulkAction, ids, (done, result) =>
        progress(done, ids.length, result.ok ? `${result.id} ${result.status}` : `${result.id} failed: ${result.error.code}: ${result.error.message}`),
      );
      if (json) printJson(results);
      const failed = results.filter((r) => !r.ok).length;
      if (failed > 0) {
        process.exitCode = 1;
        process.stderr.write(`${failed} of ${results.length} failed\n`);
      }
      return;
    }
    default:
      throw new ValidationError(`unknown keys command ${JSON.stringify(sub)}: use create, list, show, disable, enable, revoke, rotate or delete`);
  }
}

function requireIds(ids: string[], min: number, usage: string): void {
  if (ids.length < min) throw new ValidationError(`usage: keysmith ${usage}`);
}

/** The CLI is an edge too: its input goes through the same schemas as the HTTP API's. */
function validate(schema: Joi.Schema, input: Record<string, unknown>): unknown {
  const defined = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
  const { value, error } = schema.validate(defined, { abortEarly: false, errors: { wrap: { label: false } } });
  if (error) {
    const details = error.details.map((d) => ({ field: d.path.join('.'), message: d.message }));
    throw new ValidationError(`invalid input: ${details.map((d) => d.message).join('; ')}`, details);
  }
  return value;
}
