// Shows a new secret once: read-only field, Copy, the warning, and "I have saved the key" to close.
// Closing any other way (Escape, Cancel) asks again, since the secret cannot be shown a second time.
import { useState } from 'preact/hooks';
import { CopyButton } from './CopyButton';
import { Dialog } from './Dialog';
import { ConfirmDialog } from './ConfirmDialog';

interface Props {
  title: string;
  secret: string;
  what?: string;
  onClose: () => void;
}

export function SecretDialog({ title, secret, what = 'API key', onClose }: Props) {
  const [asking, setAsking] = useState(false);
  return (
    <>
      <Dialog title={title} onCancel={() => setAsking(true)} wide initialFocus="#secret-value">
        <p class="warning" id="secret-warning">
          Copy this {what} now and keep it somewhere safe. It will not be shown again: Keysmith stores only a
          hash of it.
        </p>
        <div class="field">
          <label for="secret-value">Your new {what}</label>
          <div class="secret-row">
            <input
              id="secret-value"
              class="secret"
              readOnly
              value={secret}
              autocomplete="off"
              spellcheck={false}
              aria-describedby="secret-warning"
              onFocus={(e) => e.currentTarget.select()}
            />
            <CopyButton text={secret} />
          </div>
        </div>
        <div class="dialog-actions">
          <button type="button" class="button button-primary" onClick={onClose}>I have saved the key</button>
        </div>
      </Dialog>
      {asking && (
        <ConfirmDialog
          title="Close without saving?"
          action="Close anyway"
          danger
          onConfirm={onClose}
          onCancel={() => setAsking(false)}
        >
          <p>The {what} will not be shown again. If you have not copied it, go back and copy it first.</p>
        </ConfirmDialog>
      )}
    </>
  );
}
