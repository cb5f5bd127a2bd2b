import { formatNumber } from '../format';

interface Props {
  label: string;
  used: number;
  limit: number;
}

/** Remaining of a quota window as text and as a <meter>, which screen readers announce. */
export function QuotaBar({ label, used, limit }: Props) {
  const remaining = Math.max(0, limit - used);
  return (
    <div class="quota">
      <span class="quota-text">{label}: {formatNumber(remaining)} / {formatNumber(limit)}</span>
      <meter class="quota-bar" min={0} max={limit} low={limit * 0.2} high={limit * 0.5} optimum={limit} value={remaining} aria-label={`${label} remaining`}>
        {formatNumber(remaining)} of {formatNumber(limit)}
      </meter>
    </div>
  );
}
