// One key: settings and edit, lifecycle actions, charts, quota use, request logs and audit trail.
import { useEffect, useState } from 'preact/hooks';
import { api, errorMessage } from '../api';
import { AuditTrail } from '../components/AuditTrail';
import type { KeyAction } from '../components/KeyActionDialog';
import { KeyActionDialog, hasHistory } from '../components/KeyActionDialog';
import { KeyEditPanel } from '../components/KeyEditPanel';
import { KeyRowActions } from '../components/KeyRowActions';
import { KeySettings } from '../components/KeySettings';
import { Notice } from '../components/Notice';
import { RequestLogs } from '../components/RequestLogs';
import { UsageChart } from '../components/UsageChart';
import { BASE, followLink, navigate } from '../router';
import { useCan } from '../session';
import type { KeyDetails, QuotaPolicy } from '../types';

export function KeyDetailPage({ id }: { id: string }) {
  const canWrite = useCan('keys:write');
  const [key, setKey] = useState<KeyDetails | null>(null);
  const [policy, setPolicy] = useState<QuotaPolicy | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [news, setNews] = useState<string | null>(null);
  const [editing, setEditing] = useState(false);
  const [action, setAction] = useState<KeyAction | null>(null);
  const [reload, setReload] = useState(0);

  useEffect(() => {
    let current = true;
    api.get<KeyDetails>(`/keys/${encodeURIComponent(id)}`)
      .then((k) => {
        if (!current) return;
        setKey(k);
        if (k.quotaPolicyId) api.get<QuotaPolicy>(`/quota-policies/${encodeURIComponent(k.quotaPolicyId)}`).then((p) => current && setPolicy(p)).catch(() => undefined);
      })
      .catch((err: unknown) => current && setError(errorMessage(err)));
    return () => {
      current = false;
    };
  }, [id, reload]);

  if (error && !key) return <section><h1>Key</h1><Notice kind="error">{error}</Notice><p><a href={`${BASE}/keys`} onClick={followLink}>Back to keys</a></p></section>;
  if (!key) return <p role="status">Loading the key…</p>;

  return (
    <section aria-labelledby="key-title">
      <p><a href={`${BASE}/keys`} onClick={followLink}>← Keys</a></p>
      <div class="page-head">
        <h1 id="key-title">{key.name} <span class={`badge badge-${key.status}`}>{key.status}</span></h1>
        {canWrite && (
          <div class="row-actions">
            {!editing && key.status !== 'revoked' && <button type="button" class="button button-small" onClick={() => setEditing(true)}>Edit</button>}
            <KeyRowActions keyItem={key} onAction={setAction} idPrefix="detail" />
          </div>
        )}
      </div>
      {canWrite && hasHistory(key) && <p class="muted">Delete is not available: this key has been used, and its history is kept. Disable or revoke it instead.</p>}
      {news && <Notice kind="success">{news}</Notice>}
      {error && <Notice kind="error">{error}</Notice>}
      {editing && (
        <KeyEditPanel
          keyItem={key}
          onCancel={() => setEditing(false)}
          onSaved={(k) => { setEditing(false); setNews(`Saved ${k.name}.`); setReload((n) => n + 1); }}
        />
      )}
      <KeySettings keyItem={key} policyName={policy?.name ?? null} />
      <UsageChart keyId={key.id} />
      <RequestLogs keyId={key.id} />
      <AuditTrail keyId={key.id} key={`${key.id}-${reload}`} />
      {action && (
        <KeyActionDialog
          keyItem={key}
          action={action}
          onCancel={() => setAction(null)}
          onDone={({ deleted }) => {
            setAction(null);
            if (deleted) {
              navigate('/keys');
              return;
            }
            setNews(`${key.name}: ${action === 'rotate' ? 'rotated' : `${action}d`}.`);
            setReload((n) => n + 1);
          }}
        />
      )}
    </section>
  );
}
