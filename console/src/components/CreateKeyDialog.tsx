// "Create API Key": every field of a key, checked in the browser, the service's errors at their field,
// and then the secret, shown once.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { ApiError, api, errorMessage } from '../api';
import type { Errors, Values } from '../forms/fields';
import { checkAll, placeServerErrors } from '../forms/fields';
import { createRequest, emptyKeyValues, keyFields } from '../forms/keyForm';
import type { CreatedKey, QuotaPolicy, QuotaPolicyList } from '../types';
import { Dialog } from './Dialog';
import { FormFields } from './FormFields';
import { SecretDialog } from './SecretDialog';

interface Props {
  onCreated: (created: CreatedKey['key']) => void;
  onCancel: () => void;
}

export function CreateKeyDialog({ onCreated, onCancel }: Props) {
  const [policies, setPolicies] = useState<QuotaPolicy[]>([]);
  const [values, setValues] = useState<Values>(emptyKeyValues);
  const [errors, setErrors] = useState<Errors>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<CreatedKey | null>(null);
  // Kept while answers are lost, so sending the form again returns the same key rather than a second one;
  // replaced once the service has answered, since the next attempt is then a new request.
  const [idempotencyKey, setIdempotencyKey] = useState(randomId);
  const fields = useMemo(() => keyFields({ create: true, policies }), [policies]);

  useEffect(() => {
    api.get<QuotaPolicyList>('/quota-policies', { query: { limit: 100 } })
      .then((list) => setPolicies(list.items))
      .catch(() => setPolicies([]));
  }, []);

  const submit = async (event: Event) => {
    event.preventDefault();
    const found = checkAll(fields, values);
    setErrors(found);
    setFailure(null);
    if (Object.keys(found).length) {
      setFailure('Some fields need attention.');
      focusFirstInvalid();
      return;
    }
    setBusy(true);
    try {
      setCreated(await api.post<CreatedKey>('/keys', createRequest(values), { idempotencyKey }));
    } catch (err) {
      if (err instanceof ApiError) {
        if (err.status !== 0) setIdempotencyKey(randomId());
        const placed = placeServerErrors(fields, err.details);
        setErrors(placed.errors);
        setFailure(placed.unplaced.length || !Object.keys(placed.errors).length ? err.message : 'Some fields need attention.');
        if (Object.keys(placed.errors).length === 0 && err.code === 'NAME_TAKEN') setErrors({ name: err.message });
        focusFirstInvalid();
      } else {
        setFailure(errorMessage(err));
      }
    } finally {
      setBusy(false);
    }
  };

  if (created) {
    return <SecretDialog title={`API key created: ${created.key.name}`} secret={created.secret} onClose={() => onCreated(created.key)} />;
  }

  return (
    <Dialog title="Create API Key" onCancel={onCancel} wide>
      <form onSubmit={submit} noValidate class="key-form">
        <div>
          <FormFields idPrefix="create" fields={fields} values={values} errors={errors} onChange={(v, e) => { setValues(v); setErrors(e); }} disabled={busy} />
        </div>
        {failure && <p class="error" role="alert">{failure}</p>}
        <div class="dialog-actions">
          <button type="button" class="button" onClick={onCancel}>Cancel</button>
          <button type="submit" class="button button-primary" disabled={busy}>Create</button>
        </div>
      </form>
    </Dialog>
  );
}

export function focusFirstInvalid(): void {
  // After the render that marks the fields.
  setTimeout(() => document.querySelector<HTMLElement>('dialog[open] [aria-invalid="true"], main [aria-invalid="true"]')?.focus(), 0);
}

/** 128 random bits as hex; crypto.getRandomValues works where randomUUID does not (plain http off loopback). */
function randomId(): string {
  return [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, '0')).join('');
}
