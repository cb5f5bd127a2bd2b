// Edits a key's settings; sends only what changed, with If-Match so a concurrent edit is not overwritten.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { ApiError, api, errorMessage } from '../api';
import type { Errors, Values } from '../forms/fields';
import { checkAll, placeServerErrors } from '../forms/fields';
import { keyFields, keyValues, updateRequest } from '../forms/keyForm';
import type { Key, QuotaPolicy, QuotaPolicyList } from '../types';
import { focusFirstInvalid } from './CreateKeyDialog';
import { FormFields } from './FormFields';

interface Props {
  keyItem: Key;
  onSaved: (key: Key) => void;
  onCancel: () => void;
}

export function KeyEditPanel({ keyItem, onSaved, onCancel }: Props) {
  const original = useMemo(() => keyValues(keyItem), [keyItem]);
  const [policies, setPolicies] = useState<QuotaPolicy[]>([]);
  const [values, setValues] = useState<Values>(original);
  const [errors, setErrors] = useState<Errors>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const fields = useMemo(() => keyFields({ create: false, policies, keepExpiration: keyItem.expiresAt !== null }), [policies, keyItem.expiresAt]);

  useEffect(() => {
    api.get<QuotaPolicyList>('/quota-policies', { query: { limit: 100 } }).then((l) => setPolicies(l.items)).catch(() => setPolicies([]));
  }, []);

  const submit = async (event: Event) => {
    event.preventDefault();
    const found = checkAll(fields, values);
    setErrors(found);
    setFailure(null);
    if (Object.keys(found).length) {
      focusFirstInvalid();
      return;
    }
    const body = updateRequest(values, original);
    if (!Object.keys(body).length) {
      onCancel();
      return;
    }
    setBusy(true);
    try {
      onSaved(await api.patch<Key>(`/keys/${encodeURIComponent(keyItem.id)}`, body, { ifMatch: keyItem.version }));
    } catch (err) {
      if (err instanceof ApiError) {
        const placed = placeServerErrors(fields, err.details);
        setErrors(err.code === 'NAME_TAKEN' ? { name: err.message } : placed.errors);
        setFailure(err.status === 412 ? 'Someone changed this key while you edited it. Reload the page to see their change, then edit again.' : err.message);
        focusFirstInvalid();
      } else {
        setFailure(errorMessage(err));
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="card key-form" onSubmit={submit} noValidate aria-labelledby="edit-title">
      <h2 id="edit-title">Edit settings</h2>
      <div>
        <FormFields idPrefix="edit" fields={fields} values={values} errors={errors} onChange={(v, e) => { setValues(v); setErrors(e); }} disabled={busy} />
      </div>
      {failure && <p class="error" role="alert">{failure}</p>}
      <div class="dialog-actions">
        <button type="button" class="button" onClick={onCancel}>Cancel</button>
        <button type="submit" class="button button-primary" disabled={busy}>Save</button>
      </div>
    </form>
  );
}
