import { formatCredits, formatDate, formatNumber, formatQuota, formatRateLimit, formatRelative } from '../format';
import { useActorName } from '../actors';
import type { KeyDetails } from '../types';
import { QuotaBar } from './QuotaBar';

/** A key's settings as a description list, and its quota use per window. */
export function KeySettings({ keyItem, policyName }: { keyItem: KeyDetails; policyName: string | null }) {
  const actorName = useActorName();
  const rows: [string, string][] = [
    ['ID', keyItem.id],
    ['Key', keyItem.start],
    ['Environment', keyItem.environment],
    ['Status', keyItem.status],
    ['Group', keyItem.group],
    ['Tags', keyItem.tags.join(', ') || '—'],
    ['Permissions', keyItem.scopes.join(', ') || '—'],
    ['Allowed resources', keyItem.resources.join(', ') || 'All resources'],
    ['IP restrictions', keyItem.ipAllowlist.join(', ') || 'Unlimited'],
    ['Rate limit', formatRateLimit(keyItem.effectiveLimits.rateLimit)],
    ['Quota', formatQuota(keyItem.effectiveLimits.quota)],
    ['Credits', formatCredits(keyItem.effectiveLimits.credits)],
    ['Quota policy', policyName ?? (keyItem.quotaPolicyId ?? 'None')],
    ['Expiration', keyItem.expiresAt ? formatDate(keyItem.expiresAt) : 'Never expires'],
    ['Created', `${formatDate(keyItem.createdAt)} by ${actorName(keyItem.createdBy)}`],
    ['Last used', formatRelative(keyItem.lastUsedAt)],
    ['Last rotated', keyItem.lastRotatedAt ? formatDate(keyItem.lastRotatedAt) : 'Never'],
    ['Usage', formatNumber(keyItem.usageCount)],
    ['Metadata', keyItem.metadata ? JSON.stringify(keyItem.metadata) : '—'],
  ];
  const windows = keyItem.usage.filter((u) => u.limit !== null);
  return (
    <>
      <section aria-labelledby="settings-title">
        <h2 id="settings-title">Settings</h2>
        <dl class="detail-grid">
          {rows.map(([term, value]) => <div key={term}><dt>{term}</dt><dd>{term === 'Key' || term === 'ID' ? <code>{value}</code> : value}</dd></div>)}
        </dl>
      </section>
      <section aria-labelledby="quota-title">
        <h2 id="quota-title">Quota use</h2>
        {windows.length === 0 ? <p>No quota: requests are limited by the rate limit only.</p> : (
          <div class="quota-list">
            {windows.map((u) => <QuotaBar key={u.window} label={u.window} used={u.used} limit={u.limit ?? 0} />)}
          </div>
        )}
        <p class="muted">Used in total: {formatNumber(keyItem.usage.find((u) => u.window === 'total')?.used ?? keyItem.usageCount)}</p>
      </section>
    </>
  );
}
