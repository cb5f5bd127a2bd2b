import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, type Config } from './config';
import { PepperRing } from './domain/pepper';

export interface LoadedPeppers {
  peppers: PepperRing;
  /** The pepper file was created just now; `discard()` removes it again. */
  generated: boolean;
  discard(): void;
}

/**
 * KEYSMITH_PEPPER when set. Otherwise, in embedded mode only, `<dataDir>/pepper`: generated once and
 * readable by the owner only. With MySQL the pepper must be given: it has to live outside the database.
 */
export function loadPeppers(config: Pick<Config, 'pepperText' | 'dataDir' | 'database'>): LoadedPeppers {
  const noop = { generated: false, discard: () => undefined };
  if (config.pepperText) return { peppers: parse(config.pepperText, 'KEYSMITH_PEPPER'), ...noop };
  if (config.database.dialect === 'mysql') {
    throw new ConfigError(
      'KEYSMITH_PEPPER is required with KEYSMITH_DATABASE_URL: generate one with `keysmith pepper` and keep it outside the database (see docs/operations.md)',
    );
  }
  const file = join(config.dataDir, 'pepper');
  let generated = false;
  if (!existsSync(file)) {
    mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
    writeFileSync(file, `${PepperRing.generateText()}\n`, { mode: 0o600, flag: 'wx' });
    generated = true;
  }
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  return { peppers: parse(readFileSync(file, 'utf8').trim(), file), generated, discard: () => rmSync(file, { force: true }) };
}

function parse(text: string, source: string): PepperRing {
  try {
    return PepperRing.parse(text);
  } catch (err) {
    throw new ConfigError(`${source}: ${(err as Error).message}`);
  }
}
