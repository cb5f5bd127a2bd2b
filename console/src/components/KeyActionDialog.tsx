// The confirm step and the call for one key action (from the table or the key's page). Rotate asks for
// the overlap and then shows the new secret once; revoke wants the key's name typed.
import { useState } from 'preact/hooks';
import { api, errorMessage } from '../api';
import type { Key } from '../types';
import { ConfirmDialog } from './ConfirmDialog';
import { SecretDialog } from './SecretDialog';

export type KeyAction = 'disable' | 'enable' | 'rotate' | 'revoke' | 'delete';

export const ACTION_LABEL: Record<KeyAction, string> = {
  disable: 'Disable', enable: 'Enable', rotate: 'Rotate', revoke: 'Revoke', delete: 'Delete',
};

const OVERLAPS = [
  { seconds: 0, label: 'None: the old secret stops working now' },
  { seconds: 3600, label: '1 hour' },
  { seconds: 86400, label: '1 day' },
  { seconds: 604800, label: '1 week' },
];

export function hasHistory(key: Pick<Key, 'usageCount' | 'lastUsedAt'>): boolean {
  return key.usageCount > 0 || key.lastUsedAt !== null;
}

interface Props {
  keyItem: Key;
  action: KeyAction;
  /** After success; `deleted` when the key is gone. */
  onDone: (result: { key?: Key; deleted?: boolean }) => void;
  onCancel: () => void;
}

export function KeyActionDialog({ keyItem, action, onDone, onCancel }: Props) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [overlapSeconds, setOverlapSeconds] = useState(0);
  const [rotated, setRotated] = useState<{ key: Key; secret: string } | null>(null);
  const label = ACTION_LABEL[action];
  const path = `/keys/${encodeURIComponent(keyItem.id)}`;

  const run = async () => {
    setBusy(true);
    setError(null);
    try {
      if (action === 'delete') {
        await api.del(path);
        onDone({ deleted: true });
      } else if (action === 'rotate') {
        setRotated(await api.post<{ key: Key; secret: string }>(`${path}/rotate`, { overlapSeconds }));
      } else {
        onDone({ key: await api.post<Key>(`${path}/${action}`) });
      }
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  if (rotated) {
    return <SecretDialog title={`New secret for ${keyItem.name}`} secret={rotated.secret} onClose={() => onDone({ key: rotated.key })} />;
  }

  const text: Record<KeyAction, string> = {
    disable: 'Verification answers DISABLED until you enable the key again.',
    enable: 'The key verifies again (it counts against the workspace\'s active key limit).',
    rotate: 'A new secret replaces the current one; the key keeps its id and settings.',
    revoke: 'Revoking is permanent: the key will never verify again.',
    delete: 'The key is removed. Only keys that were never used can be deleted.',
  };

  return (
    <ConfirmDialog
      title={`${label} ${keyItem.name}?`}
      action={label}
      danger={action === 'revoke' || action === 'delete'}
      typed={action === 'revoke' ? keyItem.name : undefined}
      busy={busy}
      error={error}
      onConfirm={run}
      onCancel={onCancel}
    >
      <p>{text[action]}</p>
      {action === 'rotate' && (
        <div class="field">
          <label for="rotate-overlap">Keep the old secret valid for</label>
          <select id="rotate-overlap" value={String(overlapSeconds)} onChange={(e) => setOverlapSeconds(Number(e.currentTarget.value))}>
            {OVERLAPS.map((o) => <option key={o.seconds} value={String(o.seconds)}>{o.label}</option>)}
          </select>
        </div>
      )}
    </ConfirmDialog>
  );
}
