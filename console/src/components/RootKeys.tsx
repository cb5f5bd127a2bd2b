// Root keys of the workspace: create with scopes (secret shown once), revoke, last used.
import { useEffect, useState } from 'preact/hooks';
import { api, errorMessage } from '../api';
import { formatDate, formatRelative } from '../format';
import { useActorName } from '../actors';
import type { FieldSpec, Values } from '../forms/fields';
import { list } from '../forms/fields';
import type { CreatedRootKey, RootKey } from '../types';
import { ROOT_SCOPES } from '../types';
import { ConfirmDialog } from './ConfirmDialog';
import { FormDialog } from './FormDialog';
import { SecretDialog } from './SecretDialog';

export function RootKeys({ scopes }: { scopes: string[] }) {
  const actorName = useActorName();
  const [keys, setKeys] = useState<RootKey[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const [secret, setSecret] = useState<{ name: string; secret: string } | null>(null);
  const [revoking, setRevoking] = useState<RootKey | null>(null);
  const [revokeError, setRevokeError] = useState<string | null>(null);

  const load = () => api.get<{ items: RootKey[] }>('/root-keys').then((l) => setKeys(l.items)).catch((err: unknown) => setError(errorMessage(err)));
  useEffect(() => {
    void load();
  }, []);

  // A root key can only get scopes the operator holds.
  const fields: FieldSpec[] = [
    { name: 'name', label: 'Name', required: true, hint: 'What uses it, e.g. "orders service".' },
    {
      name: 'scopes', label: 'Scopes', kind: 'checkboxes', required: true,
      options: ROOT_SCOPES.filter((s) => scopes.includes(s)).map((s) => ({ value: s, label: s })),
      hint: 'keys:verify is all a service that checks keys needs.',
    },
  ];
  const create = async (values: Values) => {
    const answer = await api.post<CreatedRootKey>('/root-keys', { name: (values.name ?? '').trim(), scopes: list(values.scopes) });
    setCreating(false);
    setSecret({ name: answer.rootKey.name, secret: answer.secret });
    void load();
  };
  const revoke = async () => {
    if (!revoking) return;
    try {
      await api.post(`/root-keys/${encodeURIComponent(revoking.id)}/revoke`);
      setRevoking(null);
      void load();
    } catch (err) {
      setRevokeError(errorMessage(err));
    }
  };

  return (
    <section aria-labelledby="root-keys-title">
      <div class="page-head">
        <h2 id="root-keys-title">Root keys</h2>
        <button type="button" class="button" onClick={() => setCreating(true)}>Create root key</button>
      </div>
      {error && <p class="error" role="alert">{error}</p>}
      {keys && (
        <div class="table-scroll" tabIndex={0} role="region" aria-label="Root keys table">
          <table class="table">
            <thead><tr><th scope="col">Name</th><th scope="col">Key</th><th scope="col">Scopes</th><th scope="col">Status</th><th scope="col">Created</th><th scope="col">Last used</th><th scope="col">Actions</th></tr></thead>
            <tbody>
              {keys.map((k) => (
                <tr key={k.id}>
                  <th scope="row">{k.name}</th>
                  <td><code>{k.start}</code></td>
                  <td>{k.scopes.join(', ')}</td>
                  <td><span class={`badge badge-${k.status}`}>{k.status}</span></td>
                  <td>{formatDate(k.createdAt)}{k.createdBy && <><br /><span class="muted">by {actorName(k.createdBy)}</span></>}</td>
                  <td>{formatRelative(k.lastUsedAt)}</td>
                  <td>{k.status === 'active' && <button type="button" class="button button-small button-danger-outline" onClick={() => { setRevokeError(null); setRevoking(k); }}>Revoke</button>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {creating && <FormDialog title="Create root key" idPrefix="root" fields={fields} initial={{ name: '', scopes: 'keys:verify' }} submitLabel="Create" onSubmit={create} onCancel={() => setCreating(false)} />}
      {secret && <SecretDialog title={`Root key created: ${secret.name}`} secret={secret.secret} what="root key" onClose={() => setSecret(null)} />}
      {revoking && (
        <ConfirmDialog title={`Revoke root key ${revoking.name}?`} action="Revoke" danger typed={revoking.name} error={revokeError} onConfirm={revoke} onCancel={() => setRevoking(null)}>
          <p>Whatever uses this root key stops working at once. Revoking is permanent.</p>
        </ConfirmDialog>
      )}
    </section>
  );
}
