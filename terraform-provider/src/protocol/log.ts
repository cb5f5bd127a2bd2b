/**
 * Logs as go-plugin reads them: one JSON object per line on stderr with `@level`, `@message` and
 * `@timestamp` (hclog's JSON form), other keys as fields. Terraform re-logs each line at its level, so
 * `TF_LOG=debug terraform plan` shows them. Nothing here ever receives a value from a configuration or a
 * state: callers log type names, counts and durations, and {@link redact} blanks anything that looks like
 * a credential as a second line of defence.
 */

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

const RANK: Record<LogLevel | 'off', number> = { trace: 0, debug: 1, info: 2, warn: 3, error: 4, off: 5 };

export type LogFields = Record<string, string | number | boolean | null | undefined>;

export interface Logger {
  trace(message: string, fields?: LogFields): void;
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/**
 * The level Terraform asked for: `TF_LOG_PROVIDER` wins over `TF_LOG` (as in Terraform itself); `JSON`
 * means trace; unset means warnings and errors only, which Terraform does not show unless asked.
 */
export function levelFromEnv(env: NodeJS.ProcessEnv): LogLevel | 'off' {
  const raw = (env.TF_LOG_PROVIDER || env.TF_LOG || '').trim().toLowerCase();
  if (raw === 'json') return 'trace';
  if (raw === 'off') return 'off';
  if (raw in RANK) return raw as LogLevel;
  return 'warn';
}

/** Microseconds, as go-plugin's parser wants (`2006-01-02T15:04:05.000000Z07:00`). */
function timestamp(now: Date): string {
  return now.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

// Keysmith secrets are `{prefix}_{live|prev|dev}_{random}`; root keys follow the same shape. Anything that
// looks like one, or like a bearer token, is replaced before a line is written.
const SECRET_PATTERNS: RegExp[] = [
  /\b[a-z0-9][a-z0-9-]{0,31}_(?:live|prev|dev|root)_[A-Za-z0-9]{8,}\b/g,
  /\bBearer\s+\S+/gi,
];

/** Blanks credentials in a text bound for a log line or a diagnostic. `known` adds exact values to blank. */
export function redact(text: string, known: readonly string[] = []): string {
  let out = text;
  for (const value of known) {
    if (value.length >= 8) out = out.split(value).join('[redacted]');
  }
  for (const pattern of SECRET_PATTERNS) out = out.replace(pattern, '[redacted]');
  return out;
}

export function createLogger(
  level: LogLevel | 'off',
  write: (line: string) => void = (line) => process.stderr.write(line),
  clock: () => Date = () => new Date(),
): Logger {
  const threshold = RANK[level];
  const log = (at: LogLevel, message: string, fields?: LogFields): void => {
    if (RANK[at] < threshold) return;
    const entry: Record<string, unknown> = {
      '@level': at,
      '@message': redact(message),
      '@module': 'keysmith',
      '@timestamp': timestamp(clock()),
    };
    for (const [key, value] of Object.entries(fields ?? {})) {
      if (value !== undefined) entry[key] = typeof value === 'string' ? redact(value) : value;
    }
    write(`${JSON.stringify(entry)}\n`);
  };
  return {
    trace: (m, f) => log('trace', m, f),
    debug: (m, f) => log('debug', m, f),
    info: (m, f) => log('info', m, f),
    warn: (m, f) => log('warn', m, f),
    error: (m, f) => log('error', m, f),
  };
}
