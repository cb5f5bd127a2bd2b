// Quota policies: list, create, edit, delete (refused while keys use it, naming them).
import { useEffect, useMemo, useState } from 'preact/hooks';
import { ApiError, api, errorMessage } from '../api';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { FormDialog } from '../components/FormDialog';
import { Notice } from '../components/Notice';
import { formatCredits, formatDate, formatQuota, formatRateLimit } from '../format';
import { policyFields, policyRequest, policyValues } from '../forms/policyForm';
import { BASE, followLink } from '../router';
import { useCan } from '../session';
import type { QuotaPolicy, QuotaPolicyList } from '../types';

export function PoliciesPage() {
  const canWrite = useCan('policies:write');
  const [policies, setPolicies] = useState<QuotaPolicy[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [news, setNews] = useState<string | null>(null);
  const [editing, setEditing] = useState<QuotaPolicy | 'new' | null>(null);
  const [deleting, setDeleting] = useState<QuotaPolicy | null>(null);
  const [deleteError, setDeleteError] = useState<{ message: string; keys: string[] } | null>(null);
  const [busy, setBusy] = useState(false);
  const fields = useMemo(policyFields, []);

  const load = async (cursor?: string) => {
    try {
      const page = await api.get<QuotaPolicyList>('/quota-policies', { query: { cursor, limit: 50 } });
      setPolicies((before) => (cursor ? [...(before ?? []), ...page.items] : page.items));
      setNext(page.nextCursor);
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  useEffect(() => {
    void load();
  }, []);

  const save = async (values: Record<string, string>) => {
    const body = policyRequest(values);
    if (editing === 'new') {
      const created = await api.post<QuotaPolicy>('/quota-policies', body);
      setNews(`Created policy ${created.name}.`);
    } else if (editing) {
      const saved = await api.patch<QuotaPolicy>(`/quota-policies/${encodeURIComponent(editing.id)}`, body, { ifMatch: editing.version });
      setNews(`Saved policy ${saved.name}. Keys that use it follow the change.`);
    }
    setEditing(null);
    await load();
  };

  const remove = async () => {
    if (!deleting) return;
    setBusy(true);
    try {
      await api.del(`/quota-policies/${encodeURIComponent(deleting.id)}`);
      setNews(`Deleted policy ${deleting.name}.`);
      setDeleting(null);
      await load();
    } catch (err) {
      setDeleteError({
        message: errorMessage(err),
        keys: err instanceof ApiError && err.code === 'POLICY_IN_USE' ? err.details.filter((d) => d.field === 'keys').map((d) => d.message) : [],
      });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="policies-title">
      <div class="page-head">
        <h1 id="policies-title">Quota policies</h1>
        {canWrite && <button type="button" class="button button-primary" onClick={() => setEditing('new')}>Create policy</button>}
      </div>
      <p class="muted">A policy is a reusable bundle of quota, rate limit and credits. Keys that point at it follow its changes; a key's own settings override it.</p>
      {news && <Notice kind="success">{news}</Notice>}
      {error && <Notice kind="error">{error}</Notice>}
      {policies && policies.length === 0 && <div class="empty"><p>No quota policies yet.</p></div>}
      {policies && policies.length > 0 && (
        <div class="table-scroll" tabIndex={0} role="region" aria-label="Quota policies table">
          <table class="table">
            <thead><tr><th scope="col">Name</th><th scope="col">Quota</th><th scope="col">Rate limit</th><th scope="col">Credits</th><th scope="col">Updated</th>{canWrite && <th scope="col">Actions</th>}</tr></thead>
            <tbody>
              {policies.map((p) => (
                <tr key={p.id}>
                  <th scope="row">{p.name}</th>
                  <td>{formatQuota(p.quota)}</td>
                  <td>{p.rateLimit ? formatRateLimit(p.rateLimit) : '—'}</td>
                  <td>{formatCredits(p.credits)}</td>
                  <td>{formatDate(p.updatedAt)}</td>
                  {canWrite && (
                    <td>
                      <div class="row-actions">
                        <button type="button" class="button button-small" onClick={() => setEditing(p)}>Edit</button>
                        <button type="button" class="button button-small button-danger-outline" onClick={() => { setDeleteError(null); setDeleting(p); }}>Delete</button>
                      </div>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {next && <div class="pager"><button type="button" class="button" onClick={() => load(next)}>Load more</button></div>}
      {editing && (
        <FormDialog
          title={editing === 'new' ? 'Create quota policy' : `Edit ${editing.name}`}
          idPrefix="policy"
          fields={fields}
          initial={policyValues(editing === 'new' ? undefined : editing)}
          submitLabel={editing === 'new' ? 'Create' : 'Save'}
          onSubmit={save}
          onCancel={() => setEditing(null)}
          wide
        />
      )}
      {deleting && (
        <ConfirmDialog title={`Delete ${deleting.name}?`} action="Delete" danger busy={busy} error={deleteError?.message ?? null} onConfirm={remove} onCancel={() => setDeleting(null)}>
          <p>The policy is removed. A policy that keys still use cannot be deleted.</p>
          {deleteError && deleteError.keys.length > 0 && (
            <>
              <p>Keys using it:</p>
              <ul>{deleteError.keys.map((k) => <li key={k}><KeyReference text={k} /></li>)}</ul>
            </>
          )}
        </ConfirmDialog>
      )}
    </section>
  );
}

/** `key_… (name)` from POLICY_IN_USE, linked to the key's page. */
function KeyReference({ text }: { text: string }) {
  const id = /^(key_[A-Za-z0-9]+)/.exec(text)?.[1];
  return id ? <a href={`${BASE}/keys/${id}`} onClick={followLink}>{text}</a> : <>{text}</>;
}
