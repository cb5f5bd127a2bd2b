// The workspace's limits and credit balance; editable by workspace admins.
import { useState } from 'preact/hooks';
import { api } from '../api';
import { formatDuration, formatNumber } from '../format';
import type { FieldSpec, Values } from '../forms/fields';
import { optionalInt } from '../forms/fields';
import type { UpdateWorkspaceRequest, Workspace } from '../types';
import { FormDialog } from './FormDialog';

const FIELDS: FieldSpec[] = [
  { name: 'name', label: 'Workspace name', required: true },
  { name: 'maxActiveKeys', label: 'Max active keys', kind: 'number', hint: 'Empty = no limit.' },
  { name: 'perSecond', label: 'Plan limit per second', kind: 'number', path: 'planLimits.perSecond', hint: 'Valid verifications of all keys together. Empty = no limit.' },
  { name: 'perMinute', label: 'Plan limit per minute', kind: 'number', path: 'planLimits.perMinute', hint: 'Empty = no limit.' },
  { name: 'creditBalance', label: 'Credit balance', kind: 'number', hint: 'Shared by all keys. Empty = unlimited.' },
  { name: 'maxFailures', label: 'Failed attempts before blocking', kind: 'number', min: 1, required: true, path: 'failedAuthPolicy.maxFailures' },
  { name: 'windowSeconds', label: 'Counted over (seconds)', kind: 'number', min: 1, required: true, path: 'failedAuthPolicy.windowSeconds' },
  { name: 'blockSeconds', label: 'Block for (seconds)', kind: 'number', min: 1, required: true, path: 'failedAuthPolicy.blockSeconds' },
];

const n = (v: number | null) => (v === null ? '' : String(v));
const orNull = (v: string | undefined) => optionalInt(v) ?? null;

export function WorkspaceSettings({ workspace, canEdit, onSaved }: { workspace: Workspace; canEdit: boolean; onSaved: (w: Workspace) => void }) {
  const [editing, setEditing] = useState(false);
  const rows: [string, string][] = [
    ['Slug (key prefix)', workspace.slug],
    ['Max active keys', workspace.maxActiveKeys === null ? 'No limit' : formatNumber(workspace.maxActiveKeys)],
    ['Plan limit per second', workspace.planLimits.perSecond === null ? 'No limit' : formatNumber(workspace.planLimits.perSecond)],
    ['Plan limit per minute', workspace.planLimits.perMinute === null ? 'No limit' : formatNumber(workspace.planLimits.perMinute)],
    ['Credit balance', workspace.creditBalance === null ? 'Unlimited' : formatNumber(workspace.creditBalance)],
    ['Failed-attempt policy', `${workspace.failedAuthPolicy.maxFailures} invalid keys from one IP in ${formatDuration(workspace.failedAuthPolicy.windowSeconds)} block it for ${formatDuration(workspace.failedAuthPolicy.blockSeconds)}`],
  ];
  const save = async (values: Values) => {
    const body: UpdateWorkspaceRequest = {
      name: (values.name ?? '').trim(),
      maxActiveKeys: orNull(values.maxActiveKeys),
      planLimits: { perSecond: orNull(values.perSecond), perMinute: orNull(values.perMinute) },
      failedAuthPolicy: { maxFailures: Number(values.maxFailures), windowSeconds: Number(values.windowSeconds), blockSeconds: Number(values.blockSeconds) },
    };
    // The balance is only sent when changed: it is spent all the time, and re-sending would reset it.
    if ((values.creditBalance ?? '') !== n(workspace.creditBalance)) body.creditBalance = orNull(values.creditBalance);
    onSaved(await api.patch<Workspace>('/workspace', body));
    setEditing(false);
  };
  return (
    <section aria-labelledby="ws-settings-title">
      <div class="page-head">
        <h2 id="ws-settings-title">Settings of {workspace.name}</h2>
        {canEdit && <button type="button" class="button" onClick={() => setEditing(true)}>Edit settings</button>}
      </div>
      <dl class="detail-grid">
        {rows.map(([t, v]) => <div key={t}><dt>{t}</dt><dd>{v}</dd></div>)}
      </dl>
      {editing && (
        <FormDialog
          title="Edit workspace settings"
          idPrefix="ws"
          fields={FIELDS}
          initial={{
            name: workspace.name, maxActiveKeys: n(workspace.maxActiveKeys), perSecond: n(workspace.planLimits.perSecond),
            perMinute: n(workspace.planLimits.perMinute), creditBalance: n(workspace.creditBalance),
            maxFailures: String(workspace.failedAuthPolicy.maxFailures), windowSeconds: String(workspace.failedAuthPolicy.windowSeconds),
            blockSeconds: String(workspace.failedAuthPolicy.blockSeconds),
          }}
          submitLabel="Save"
          onSubmit={save}
          onCancel={() => setEditing(false)}
          wide
        />
      )}
    </section>
  );
}
