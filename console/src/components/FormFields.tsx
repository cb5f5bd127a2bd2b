// Renders fields from their descriptions: every input labelled, hints and errors tied to it.
import type { Errors, FieldSpec, Values } from '../forms/fields';
import { checkField, isVisible } from '../forms/fields';

interface Props {
  idPrefix: string;
  fields: FieldSpec[];
  values: Values;
  errors: Errors;
  onChange: (values: Values, errors: Errors) => void;
  disabled?: boolean;
}

export function FormFields({ idPrefix, fields, values, errors, onChange, disabled }: Props) {
  const set = (field: FieldSpec, value: string) => {
    const next = { ...values, [field.name]: value };
    const nextErrors = { ...errors };
    delete nextErrors[field.name];
    if (field.live) {
      const problem = checkField(field, next);
      if (problem) nextErrors[field.name] = problem;
    }
    onChange(next, nextErrors);
  };
  const render = (list: FieldSpec[]) => list.filter((f) => isVisible(f, values)).map((field) => (
    <FormField key={field.name} id={`${idPrefix}-${field.name}`} field={field} value={values[field.name] ?? ''} error={errors[field.name]} onInput={(v) => set(field, v)} disabled={disabled} />
  ));
  const sections = [...new Set(fields.map((f) => f.section).filter((s): s is string => Boolean(s)))];
  if (!sections.length) return <>{render(fields)}</>;
  return (
    <>
      {render(fields.filter((f) => !f.section))}
      {sections.map((section) => (
        <fieldset key={section} class="form-section">
          <legend>{section}</legend>
          <div class="form-grid">{render(fields.filter((f) => f.section === section))}</div>
        </fieldset>
      ))}
    </>
  );
}

interface FieldProps {
  id: string;
  field: FieldSpec;
  value: string;
  error: string | undefined;
  onInput: (value: string) => void;
  disabled?: boolean;
}

function FormField({ id, field, value, error, onInput, disabled }: FieldProps) {
  const hintId = field.hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(' ') || undefined;
  const common = {
    id,
    name: field.name,
    disabled,
    'aria-invalid': error ? ('true' as const) : undefined,
    'aria-describedby': describedBy,
    required: field.required,
  };
  let input;
  switch (field.kind) {
    case 'select':
      input = (
        <select {...common} value={value} onChange={(e) => onInput(e.currentTarget.value)}>
          {field.options?.map((o) => <option key={o.value} value={o.value}>{o.label}</option>)}
        </select>
      );
      break;
    case 'textarea':
    case 'lines':
      input = <textarea {...common} value={value} rows={field.kind === 'lines' ? 3 : 4} placeholder={field.placeholder} spellcheck={false} onInput={(e) => onInput(e.currentTarget.value)} />;
      break;
    case 'checkboxes': {
      const chosen = new Set(value.split(',').filter(Boolean));
      return (
        <fieldset class="field" aria-describedby={describedBy}>
          <legend>{field.label}</legend>
          <div class="checkboxes">
            {field.options?.map((o) => (
              <label key={o.value} class="checkbox">
                <input
                  type="checkbox"
                  name={field.name}
                  value={o.value}
                  disabled={disabled}
                  checked={chosen.has(o.value)}
                  onChange={(e) => {
                    if (e.currentTarget.checked) chosen.add(o.value);
                    else chosen.delete(o.value);
                    onInput([...chosen].join(','));
                  }}
                />
                {o.label}
              </label>
            ))}
          </div>
          {field.hint && <p class="hint" id={hintId}>{field.hint}</p>}
          {error && <p class="error" id={errorId}>{error}</p>}
        </fieldset>
      );
    }
    default:
      input = (
        <input
          {...common}
          type={field.kind === 'number' ? 'text' : field.kind ?? 'text'}
          inputMode={field.kind === 'number' ? 'numeric' : undefined}
          value={value}
          placeholder={field.placeholder}
          autocomplete={field.autocomplete ?? 'off'}
          onInput={(e) => onInput(e.currentTarget.value)}
        />
      );
  }
  return (
    <div class="field">
      <label for={id}>{field.label}</label>
      {input}
      {field.hint && <p class="hint" id={hintId}>{field.hint}</p>}
      {error && <p class="error" id={errorId}>{error}</p>}
    </div>
  );
}
