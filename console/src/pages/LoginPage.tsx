import { useState } from 'preact/hooks';
import { ApiError, api, errorMessage } from '../api';
import { FormFields } from '../components/FormFields';
import type { Errors, FieldSpec, Values } from '../forms/fields';
import { checkAll } from '../forms/fields';
import type { Session } from '../types';

const FIELDS: FieldSpec[] = [
  { name: 'email', label: 'Email', kind: 'email', required: true, autocomplete: 'username' },
  { name: 'password', label: 'Password', kind: 'password', required: true, autocomplete: 'current-password' },
];

export function LoginPage({ onSignedIn, sessionEnded }: { onSignedIn: (session: Session) => void; sessionEnded?: boolean }) {
  const [values, setValues] = useState<Values>({ email: '', password: '' });
  const [errors, setErrors] = useState<Errors>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    const found = checkAll(FIELDS, values);
    setErrors(found);
    if (Object.keys(found).length) return;
    setBusy(true);
    setFailure(null);
    try {
      onSignedIn(await api.post<Session>('/auth/login', { email: values.email?.trim(), password: values.password }, { expectUnauthorized: true }));
    } catch (err) {
      if (err instanceof ApiError && err.code === 'LOGIN_THROTTLED') {
        const minutes = err.retryAfterSeconds ? Math.ceil(err.retryAfterSeconds / 60) : null;
        setFailure(`Too many failed sign-ins. Try again${minutes ? ` in ${minutes} minute${minutes === 1 ? '' : 's'}` : ' later'}.`);
      } else {
        setFailure(errorMessage(err));
      }
      setValues({ ...values, password: '' });
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main" class="auth">
      <h1>Sign in to Keysmith</h1>
      {sessionEnded && <p class="notice" role="status">Your session has ended. Sign in again to continue.</p>}
      <form class="card" onSubmit={submit} noValidate>
        <FormFields idPrefix="login" fields={FIELDS} values={values} errors={errors} onChange={(v, e) => { setValues(v); setErrors(e); }} />
        {failure && <p class="error" role="alert">{failure}</p>}
        <button type="submit" class="button button-primary" disabled={busy}>Sign in</button>
      </form>
    </main>
  );
}
