// Operators of the workspace and their roles; owners only (scope operators:admin).
import { useEffect, useState } from 'preact/hooks';
import { api, errorMessage } from '../api';
import { formatDate, formatRelative } from '../format';
import type { FieldSpec, Values } from '../forms/fields';
import type { Operator } from '../types';
import { ROLES } from '../types';
import { ConfirmDialog } from './ConfirmDialog';
import { FormDialog } from './FormDialog';
import { PASSWORD_FIELD } from './PasswordChange';

const ROLE_FIELD: FieldSpec = {
  name: 'role', label: 'Role', kind: 'select', required: true,
  options: ROLES.map((r) => ({ value: r, label: r })),
  hint: 'owner: everything; admin: keys, policies, workspace; developer: keys; viewer: read only.',
};

const ADD_FIELDS: FieldSpec[] = [
  { name: 'email', label: 'Email', kind: 'email', required: true },
  { name: 'name', label: 'Name', required: true },
  ROLE_FIELD,
  { ...PASSWORD_FIELD, name: 'password', label: 'Initial password', hint: '12 to 72 bytes; ignored when the person already has an account. Share it with them safely.' },
];

const EDIT_FIELDS: FieldSpec[] = [{ name: 'name', label: 'Name', required: true }, ROLE_FIELD];

export function Operators({ selfId }: { selfId: string }) {
  const [operators, setOperators] = useState<Operator[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [adding, setAdding] = useState(false);
  const [editing, setEditing] = useState<Operator | null>(null);
  const [removing, setRemoving] = useState<Operator | null>(null);
  const [removeError, setRemoveError] = useState<string | null>(null);

  const load = () => api.get<{ items: Operator[] }>('/operators').then((l) => setOperators(l.items)).catch((err: unknown) => setError(errorMessage(err)));
  useEffect(() => {
    void load();
  }, []);

  const add = async (v: Values) => {
    await api.post<Operator>('/operators', { email: (v.email ?? '').trim(), name: (v.name ?? '').trim(), role: v.role, password: v.password });
    setAdding(false);
    void load();
  };
  const save = async (v: Values) => {
    if (!editing) return;
    await api.patch<Operator>(`/operators/${encodeURIComponent(editing.id)}`, { name: (v.name ?? '').trim(), role: v.role });
    setEditing(null);
    void load();
  };
  const remove = async () => {
    if (!removing) return;
    try {
      await api.del(`/operators/${encodeURIComponent(removing.id)}`);
      setRemoving(null);
      void load();
    } catch (err) {
      setRemoveError(errorMessage(err));
    }
  };

  return (
    <section aria-labelledby="operators-title">
      <div class="page-head">
        <h2 id="operators-title">Operators</h2>
        <button type="button" class="button" onClick={() => setAdding(true)}>Add operator</button>
      </div>
      {error && <p class="error" role="alert">{error}</p>}
      {operators && (
        <div class="table-scroll" tabIndex={0} role="region" aria-label="Operators table">
          <table class="table">
            <thead><tr><th scope="col">Name</th><th scope="col">Email</th><th scope="col">Role</th><th scope="col">Added</th><th scope="col">Last sign-in</th><th scope="col">Actions</th></tr></thead>
            <tbody>
              {operators.map((o) => (
                <tr key={o.id}>
                  <th scope="row">{o.name}{o.id === selfId ? ' (you)' : ''}</th>
                  <td>{o.email}</td>
                  <td>{o.role}</td>
                  <td>{formatDate(o.createdAt)}</td>
                  <td>{formatRelative(o.lastLoginAt)}</td>
                  <td>
                    <div class="row-actions">
                      <button type="button" class="button button-small" onClick={() => setEditing(o)}>Edit</button>
                      <button type="button" class="button button-small button-danger-outline" onClick={() => { setRemoveError(null); setRemoving(o); }}>Remove</button>
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {adding && <FormDialog title="Add operator" idPrefix="op-add" fields={ADD_FIELDS} initial={{ role: 'developer' }} submitLabel="Add" onSubmit={add} onCancel={() => setAdding(false)} />}
      {editing && <FormDialog title={`Edit ${editing.name}`} idPrefix="op-edit" fields={EDIT_FIELDS} initial={{ name: editing.name, role: editing.role }} submitLabel="Save" onSubmit={save} onCancel={() => setEditing(null)} />}
      {removing && (
        <ConfirmDialog title={`Remove ${removing.name}?`} action="Remove" danger error={removeError} onConfirm={remove} onCancel={() => setRemoving(null)}>
          <p>{removing.email} loses access to this workspace and their sessions in it end. The last owner cannot be removed.</p>
        </ConfirmDialog>
      )}
    </section>
  );
}
