// A dialog holding a form built from field descriptions: browser checks first, then the service's
// errors placed at the fields they name.
import { useState } from 'preact/hooks';
import { ApiError, errorMessage } from '../api';
import type { Errors, FieldSpec, Values } from '../forms/fields';
import { checkAll, placeServerErrors } from '../forms/fields';
import { focusFirstInvalid } from './CreateKeyDialog';
import { Dialog } from './Dialog';
import { FormFields } from './FormFields';

interface Props {
  title: string;
  idPrefix: string;
  fields: FieldSpec[];
  initial: Values;
  submitLabel: string;
  onSubmit: (values: Values) => Promise<void>;
  onCancel: () => void;
  wide?: boolean;
}

export function FormDialog({ title, idPrefix, fields, initial, submitLabel, onSubmit, onCancel, wide }: Props) {
  const [values, setValues] = useState<Values>(initial);
  const [errors, setErrors] = useState<Errors>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    const found = checkAll(fields, values);
    setErrors(found);
    setFailure(null);
    if (Object.keys(found).length) {
      focusFirstInvalid();
      return;
    }
    setBusy(true);
    try {
      await onSubmit(values);
    } catch (err) {
      if (err instanceof ApiError) {
        const placed = placeServerErrors(fields, err.details);
        setErrors(err.code === 'NAME_TAKEN' && fields.some((f) => f.name === 'name') ? { name: err.message } : placed.errors);
        setFailure(err.message);
        focusFirstInvalid();
      } else {
        setFailure(errorMessage(err));
      }
      setBusy(false);
    }
  };

  return (
    <Dialog title={title} onCancel={onCancel} wide={wide}>
      <form onSubmit={submit} noValidate>
        <div class={wide && !fields.some((f) => f.section) ? 'form-grid' : undefined}>
          <FormFields idPrefix={idPrefix} fields={fields} values={values} errors={errors} onChange={(v, e) => { setValues(v); setErrors(e); }} disabled={busy} />
        </div>
        {failure && <p class="error" role="alert">{failure}</p>}
        <div class="dialog-actions">
          <button type="button" class="button" onClick={onCancel}>Cancel</button>
          <button type="submit" class="button button-primary" disabled={busy}>{submitLabel}</button>
        </div>
      </form>
    </Dialog>
  );
}
