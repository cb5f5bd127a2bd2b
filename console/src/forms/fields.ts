// One description per form field drives the input, its label and hint, the checks run in the browser,
// and where the service's errors (details[].field) are shown.
import type { FieldProblem } from '../api';

export type Values = Record<string, string>;
export type Errors = Record<string, string>;

export interface FieldSpec {
  name: string;
  label: string;
  kind?: 'text' | 'email' | 'password' | 'number' | 'select' | 'textarea' | 'lines' | 'datetime-local' | 'checkboxes';
  /** The API field the service names in its errors (`quota.daily`); defaults to `name`. */
  path?: string;
  options?: { value: string; label: string }[];
  hint?: string;
  placeholder?: string;
  required?: boolean;
  /** Whole numbers from min (default 0) upwards. */
  min?: number;
  max?: number;
  /** Checked on every keystroke, not just when the form is sent. */
  live?: boolean;
  autocomplete?: string;
  validate?: (value: string, values: Values) => string | null;
  visible?: (values: Values) => boolean;
  /** Fields of one section are shown together under its name. */
  section?: string;
}

export function isVisible(field: FieldSpec, values: Values): boolean {
  return field.visible ? field.visible(values) : true;
}

export function checkField(field: FieldSpec, values: Values): string | null {
  if (!isVisible(field, values)) return null;
  const value = (values[field.name] ?? '').trim();
  if (!value) return field.required ? `${field.label} is required` : null;
  if (field.kind === 'number') {
    if (!/^-?\d+$/.test(value)) return `${field.label} must be a whole number`;
    const n = Number(value);
    const min = field.min ?? 0;
    if (n < min) return `${field.label} must be at least ${min}`;
    if (field.max !== undefined && n > field.max) return `${field.label} must be at most ${field.max}`;
  }
  return field.validate ? field.validate(value, values) : null;
}

export function checkAll(fields: FieldSpec[], values: Values): Errors {
  const errors: Errors = {};
  for (const field of fields) {
    const problem = checkField(field, values);
    if (problem) errors[field.name] = problem;
  }
  return errors;
}

/** Places the service's field errors at the field they name; the rest are for the form as a whole. */
export function placeServerErrors(fields: FieldSpec[], details: FieldProblem[]): { errors: Errors; unplaced: string[] } {
  const errors: Errors = {};
  const unplaced: string[] = [];
  for (const problem of details) {
    const field = fields
      .map((f) => ({ f, path: f.path ?? f.name }))
      .filter(({ path }) => problem.field === path || problem.field.startsWith(`${path}.`) || problem.field.startsWith(`${path}[`))
      .sort((a, b) => b.path.length - a.path.length)[0]?.f;
    if (field) errors[field.name] = errors[field.name] ? `${errors[field.name]}; ${problem.message}` : problem.message;
    else unplaced.push(problem.message);
  }
  return { errors, unplaced };
}

export function lines(value: string | undefined): string[] {
  return (value ?? '').split('\n').map((l) => l.trim()).filter(Boolean);
}

export function list(value: string | undefined): string[] {
  return (value ?? '').split(/[,\n]/).map((l) => l.trim()).filter(Boolean);
}

export function optionalInt(value: string | undefined): number | undefined {
  const text = (value ?? '').trim();
  return text ? Number(text) : undefined;
}

function validIpv4(text: string): boolean {
  const parts = text.split('.');
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

function validIpv6(text: string): boolean {
  if (!/^[0-9a-fA-F:.]+$/.test(text) || !text.includes(':')) return false;
  try {
    new URL(`http://[${text}]/`);
    return true;
  } catch {
    return false;
  }
}

/** An IPv4 or IPv6 address, or a CIDR block of either; null when valid, else what is wrong. */
export function checkIpOrCidr(entry: string): string | null {
  const [address = '', prefix, extra] = entry.split('/');
  if (extra !== undefined) return `"${entry}" has more than one "/"`;
  const v4 = validIpv4(address);
  if (!v4 && !validIpv6(address)) return `"${entry}" is not an IPv4 or IPv6 address or CIDR block`;
  if (prefix !== undefined) {
    const max = v4 ? 32 : 128;
    if (!/^\d{1,3}$/.test(prefix) || Number(prefix) > max) return `"${entry}": the prefix length must be 0 to ${max}`;
  }
  return null;
}

export function checkIpLines(value: string): string | null {
  const problems = lines(value).map((entry, i) => {
    const problem = checkIpOrCidr(entry);
    return problem ? `line ${i + 1}: ${problem}` : null;
  }).filter(Boolean);
  return problems.length ? problems.join('; ') : null;
}

export function checkJsonObject(value: string): string | null {
  try {
    const parsed: unknown = JSON.parse(value);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return 'Metadata must be a JSON object, like {"plan": "pro"}';
    if (new TextEncoder().encode(value).length > 4096) return 'Metadata must be at most 4 KiB';
    return null;
  } catch (err) {
    return `Metadata is not valid JSON: ${(err as Error).message}`;
  }
}
