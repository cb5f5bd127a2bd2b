import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PepperRing } from './domain/pepper';

/**
 * The pepper in embedded mode: generated once into `<dataDir>/pepper`, readable by the owner only.
 * With KEYSMITH_PEPPER set, that wins and no file is touched.
 */
export function loadPeppers(pepperText: string | null, dataDir: string): PepperRing {
  if (pepperText) return PepperRing.parse(pepperText);
  const file = join(dataDir, 'pepper');
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    writeFileSync(file, `${PepperRing.generateText()}\n`, { mode: 0o600, flag: 'wx' });
  }
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  return PepperRing.parse(readFileSync(file, 'utf8').trim());
}
