// The signed-in operator changes their password; their other sessions end.
import { useState } from 'preact/hooks';
import { api } from '../api';
import type { FieldSpec, Values } from '../forms/fields';
import { FormDialog } from './FormDialog';

export const PASSWORD_FIELD: FieldSpec = {
  name: 'newPassword', label: 'New password', kind: 'password', required: true, live: true, autocomplete: 'new-password',
  hint: '12 to 72 bytes. bcrypt reads only the first 72 bytes of a password.',
  validate: (v) => {
    const bytes = new TextEncoder().encode(v).length;
    if (bytes < 12) return 'Password must be at least 12 bytes';
    return bytes > 72 ? 'Password must be at most 72 bytes (bcrypt reads only the first 72)' : null;
  },
};

const FIELDS: FieldSpec[] = [
  { name: 'currentPassword', label: 'Current password', kind: 'password', required: true, autocomplete: 'current-password' },
  PASSWORD_FIELD,
];

export function PasswordChange() {
  const [open, setOpen] = useState(false);
  const [done, setDone] = useState(false);
  const change = async (v: Values) => {
    await api.post('/auth/password', { currentPassword: v.currentPassword, newPassword: v.newPassword });
    setOpen(false);
    setDone(true);
  };
  return (
    <section aria-labelledby="account-title">
      <h2 id="account-title">Your account</h2>
      <button type="button" class="button" onClick={() => { setDone(false); setOpen(true); }}>Change password</button>
      {done && <p role="status">Password changed. Your other sessions were signed out.</p>}
      {open && <FormDialog title="Change password" idPrefix="pw" fields={FIELDS} initial={{}} submitLabel="Change password" onSubmit={change} onCancel={() => setOpen(false)} />}
    </section>
  );
}
