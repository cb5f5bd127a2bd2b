import type { Key } from '../types';
import type { KeyAction } from './KeyActionDialog';
import { hasHistory } from './KeyActionDialog';

interface Props {
  keyItem: Key;
  onAction: (action: KeyAction) => void;
  idPrefix?: string;
}

/** Disable or Enable, Rotate, Revoke, Delete: what the key's status allows. */
export function KeyRowActions({ keyItem, onAction, idPrefix = 'row' }: Props) {
  const live = keyItem.status !== 'revoked';
  const used = hasHistory(keyItem);
  const reasonId = `${idPrefix}-${keyItem.id}-delete-reason`;
  return (
    <div class="row-actions">
      {keyItem.status === 'active' && <button type="button" class="button button-small" onClick={() => onAction('disable')}>Disable</button>}
      {keyItem.status === 'disabled' && <button type="button" class="button button-small" onClick={() => onAction('enable')}>Enable</button>}
      {live && keyItem.status !== 'expired' && <button type="button" class="button button-small" onClick={() => onAction('rotate')}>Rotate</button>}
      {live && <button type="button" class="button button-small button-danger-outline" onClick={() => onAction('revoke')}>Revoke</button>}
      <button type="button" class="button button-small button-danger-outline" disabled={used} aria-describedby={used ? reasonId : undefined} onClick={() => onAction('delete')}>Delete</button>
      {used && <span id={reasonId} class="visually-hidden">This key has been used: disable or revoke it instead.</span>}
    </div>
  );
}
