import { randomBase62 } from './base62';

export type IdKind = 'key' | 'pol' | 'rk' | 'ws' | 'op' | 'ses';

/** Public ids: `key_…`, `pol_…`, `rk_…`, `ws_…`, `op_…`, `ses_…` with 20 base62 characters (≈119 bits). */
export function newId(kind: IdKind): string {
  return `${kind}_${randomBase62(20)}`;
}

