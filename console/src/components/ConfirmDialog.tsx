// Confirms one action; the confirm button repeats the action's name. With `typed`, the operator types a
// word (the key's name) before the button enables, for actions that cannot be undone.
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { Dialog } from './Dialog';

interface Props {
  title: string;
  action: string;
  danger?: boolean;
  typed?: string;
  busy?: boolean;
  error?: string | null;
  onConfirm: () => void;
  onCancel: () => void;
  children?: ComponentChildren;
}

export function ConfirmDialog({ title, action, danger, typed, busy, error, onConfirm, onCancel, children }: Props) {
  const [text, setText] = useState('');
  const ready = !busy && (typed === undefined || text === typed);
  return (
    <Dialog title={title} onCancel={onCancel}>
      <form
        method="dialog"
        onSubmit={(event) => {
          event.preventDefault();
          if (ready) onConfirm();
        }}
      >
        {children}
        {typed !== undefined && (
          <div class="field">
            <label for="confirm-typed">Type <strong>{typed}</strong> to confirm</label>
            <input id="confirm-typed" value={text} autocomplete="off" spellcheck={false} onInput={(e) => setText(e.currentTarget.value)} />
          </div>
        )}
        {error && <p class="error" role="alert">{error}</p>}
        <div class="dialog-actions">
          <button type="button" class="button" onClick={onCancel}>Cancel</button>
          <button type="submit" class={danger ? 'button button-danger' : 'button button-primary'} disabled={!ready}>{action}</button>
        </div>
      </form>
    </Dialog>
  );
}
