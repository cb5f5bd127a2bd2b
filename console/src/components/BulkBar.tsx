// Bulk disable / enable / revoke / delete of the selected keys, confirmed once, with a result per key.
import { useState } from 'preact/hooks';
import { api, errorMessage } from '../api';
import type { BulkResponse, Key } from '../types';
import { ConfirmDialog } from './ConfirmDialog';

type BulkAction = 'disable' | 'enable' | 'revoke' | 'delete';
const LABEL: Record<BulkAction, string> = { disable: 'Disable', enable: 'Enable', revoke: 'Revoke', delete: 'Delete' };

interface Props {
  keys: Key[];
  onDone: (message: string) => void;
  onClear: () => void;
}

export function BulkBar({ keys, onDone, onClear }: Props) {
  const [action, setAction] = useState<BulkAction | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const count = `${keys.length} key${keys.length === 1 ? '' : 's'}`;

  const run = async () => {
    if (!action) return;
    setBusy(true);
    setError(null);
    try {
      const answer = await api.post<BulkResponse>('/keys/bulk', { action, ids: keys.map((k) => k.id) });
      const failed = answer.results.filter((r) => !r.ok);
      const names = new Map(keys.map((k) => [k.id, k.name]));
      const failures = failed.map((r) => `${names.get(r.id) ?? r.id}: ${r.error?.message ?? r.error?.code ?? 'failed'}`).join('; ');
      setAction(null);
      onDone(`${LABEL[action]}: ${answer.results.length - failed.length} of ${answer.results.length} done.${failures ? ` Not done: ${failures}` : ''}`);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="bulk-bar" role="group" aria-label="Bulk actions">
      <span>{count} selected</span>
      {(Object.keys(LABEL) as BulkAction[]).map((a) => (
        <button key={a} type="button" class={a === 'revoke' || a === 'delete' ? 'button button-small button-danger-outline' : 'button button-small'} onClick={() => setAction(a)}>
          {LABEL[a]} selected
        </button>
      ))}
      <button type="button" class="button button-small" onClick={onClear}>Clear selection</button>
      {action && (
        <ConfirmDialog
          title={`${LABEL[action]} ${count}?`}
          action={LABEL[action]}
          danger={action === 'revoke' || action === 'delete'}
          busy={busy}
          error={error}
          onConfirm={run}
          onCancel={() => { setAction(null); setError(null); }}
        >
          <p>{keys.map((k) => k.name).join(', ')}</p>
          {action === 'revoke' && <p>Revoking is permanent.</p>}
          {action === 'delete' && <p>Keys that have been used cannot be deleted; they are reported and left as they are.</p>}
        </ConfirmDialog>
      )}
    </div>
  );
}
