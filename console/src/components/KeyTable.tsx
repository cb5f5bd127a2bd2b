// The key table: one row per key, its name as the row header, and per-row actions for those who may write.
import { useActorName } from '../actors';
import type { Key, KeyDetails } from '../types';
import { BASE, followLink } from '../router';
import { formatCredits, formatDate, formatNumber, formatRelative } from '../format';
import type { KeyAction } from './KeyActionDialog';
import { KeyRowActions } from './KeyRowActions';
import { QuotaBar } from './QuotaBar';

interface Props {
  keys: Key[];
  details: Record<string, KeyDetails>;
  selected: Set<string>;
  canWrite: boolean;
  onSelect: (ids: string[], on: boolean) => void;
  onAction: (key: Key, action: KeyAction) => void;
}

export function KeyTable({ keys, details, selected, canWrite, onSelect, onAction }: Props) {
  const actorName = useActorName();
  const allSelected = keys.length > 0 && keys.every((k) => selected.has(k.id));
  return (
    <div class="table-scroll" tabIndex={0} role="region" aria-label="API keys table">
      <table class="table keys-table">
        <caption class="visually-hidden">API keys</caption>
        <thead>
          <tr>
            {canWrite && (
              <td class="select-cell">
                <input type="checkbox" aria-label="Select all keys on this page" checked={allSelected} onChange={(e) => onSelect(keys.map((k) => k.id), e.currentTarget.checked)} />
              </td>
            )}
            <th scope="col">Name</th>
            <th scope="col">Key</th>
            <th scope="col">Environment</th>
            <th scope="col">Status</th>
            <th scope="col">Group</th>
            <th scope="col">Tags</th>
            <th scope="col">Permissions</th>
            <th scope="col">Quota</th>
            <th scope="col">Credits</th>
            <th scope="col">IP restrictions</th>
            <th scope="col">Expiration</th>
            <th scope="col">Created</th>
            <th scope="col">Last used</th>
            <th scope="col">Usage</th>
            {canWrite && <th scope="col">Actions</th>}
          </tr>
        </thead>
        <tbody>
          {keys.map((key) => (
            <tr key={key.id} aria-selected={canWrite ? selected.has(key.id) : undefined}>
              {canWrite && (
                <td class="select-cell">
                  <input type="checkbox" aria-label={`Select ${key.name}`} checked={selected.has(key.id)} onChange={(e) => onSelect([key.id], e.currentTarget.checked)} />
                </td>
              )}
              <th scope="row"><a href={`${BASE}/keys/${encodeURIComponent(key.id)}`} onClick={followLink}>{key.name}</a></th>
              <td><code>{key.start}</code></td>
              <td>{key.environment}</td>
              <td><span class={`badge badge-${key.status}`}>{key.status}</span></td>
              <td>{key.group}</td>
              <td>{key.tags.length ? key.tags.map((t) => <span key={t} class="tag">{t}</span>) : '—'}</td>
              <td>{key.scopes.length ? key.scopes.join(', ') : '—'}</td>
              <td><QuotaCell keyItem={key} details={details[key.id]} /></td>
              <td>{formatCredits(key.credits)}</td>
              <td>{key.ipAllowlist.length ? key.ipAllowlist.join(', ') : 'Unlimited'}</td>
              <td>{key.expiresAt ? formatDate(key.expiresAt) : 'Never expires'}</td>
              <td>{formatDate(key.createdAt)}<br /><span class="muted">by {actorName(key.createdBy)}</span></td>
              <td>{formatRelative(key.lastUsedAt)}</td>
              <td>{formatNumber(key.usageCount)}</td>
              {canWrite && <td><KeyRowActions keyItem={key} onAction={(action) => onAction(key, action)} /></td>}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function QuotaCell({ keyItem, details }: { keyItem: Key; details: KeyDetails | undefined }) {
  const windows = details?.usage.filter((u) => u.limit !== null) ?? [];
  if (windows.length) return <>{windows.map((u) => <QuotaBar key={u.window} label={u.window} used={u.used} limit={u.limit ?? 0} />)}</>;
  if (!keyItem.quota && !keyItem.quotaPolicyId) return <>Unlimited</>;
  return <>{details ? 'Unlimited' : '…'}</>;
}
