// First-owner setup from the one-time link the service prints on its first start.
import { useEffect, useState } from 'preact/hooks';
import { ApiError, api, errorMessage } from '../api';
import { FormFields } from '../components/FormFields';
import type { Errors, FieldSpec, Values } from '../forms/fields';
import { checkAll, placeServerErrors } from '../forms/fields';
import { navigate } from '../router';
import type { Session, SetupTokenStatus } from '../types';

const FIELDS: FieldSpec[] = [
  { name: 'email', label: 'Email', kind: 'email', required: true, autocomplete: 'username' },
  { name: 'name', label: 'Name', required: true, autocomplete: 'name' },
  {
    name: 'password', label: 'Password', kind: 'password', required: true, autocomplete: 'new-password', live: true,
    hint: '12 to 72 bytes. Passwords are hashed with bcrypt, which reads only the first 72 bytes.',
    validate: (v) => {
      const bytes = new TextEncoder().encode(v).length;
      if (bytes < 12) return 'Password must be at least 12 bytes';
      return bytes > 72 ? 'Password must be at most 72 bytes (bcrypt reads only the first 72)' : null;
    },
  },
];

export function SetupPage({ token: linkToken, onSignedIn }: { token: string; onSignedIn: (session: Session) => void }) {
  // Read once: the address bar loses the token as soon as the page has it.
  const [token] = useState(linkToken);
  const [workspace, setWorkspace] = useState<string | null>(null);
  const [invalid, setInvalid] = useState<string | null>(token ? null : 'This setup link has no token. Use the link the service printed when it first started.');
  const [values, setValues] = useState<Values>({});
  const [errors, setErrors] = useState<Errors>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!token) return;
    api.get<SetupTokenStatus>('/auth/setup', { query: { token }, expectUnauthorized: true })
      .then((answer) => setWorkspace(answer.workspace.slug))
      .catch((err: unknown) => setInvalid(err instanceof ApiError && err.status === 404
        ? 'This setup link is not valid: it was used already or has expired (links last 24 hours). Ask the service\'s operator for a new one, or create an operator with the keysmith CLI.'
        : errorMessage(err)));
    // The token must not linger in the address bar or the history once read.
    window.history.replaceState(null, '', window.location.pathname);
  }, [token]);

  const submit = async (event: Event) => {
    event.preventDefault();
    const found = checkAll(FIELDS, values);
    setErrors(found);
    if (Object.keys(found).length) return;
    setBusy(true);
    setFailure(null);
    try {
      const session = await api.post<Session>('/auth/setup', { token, email: values.email?.trim(), name: values.name?.trim(), password: values.password }, { expectUnauthorized: true });
      onSignedIn(session);
      navigate('/getting-started', { replace: true });
    } catch (err) {
      const placed = err instanceof ApiError ? placeServerErrors(FIELDS, err.details) : { errors: {}, unplaced: [] };
      setErrors(placed.errors);
      setFailure(Object.keys(placed.errors).length && !placed.unplaced.length ? null : errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main" class="auth">
      <h1>Create the first owner</h1>
      {invalid ? (
        <p class="error" role="alert">{invalid}</p>
      ) : (
        <form class="card" onSubmit={submit} noValidate>
          <p>{workspace ? <>You will own the workspace <strong>{workspace}</strong>.</> : 'Checking the setup link…'}</p>
          <FormFields idPrefix="setup" fields={FIELDS} values={values} errors={errors} onChange={(v, e) => { setValues(v); setErrors(e); }} />
          {failure && <p class="error" role="alert">{failure}</p>}
          <button type="submit" class="button button-primary" disabled={busy || !workspace}>Create owner</button>
        </form>
      )}
    </main>
  );
}
