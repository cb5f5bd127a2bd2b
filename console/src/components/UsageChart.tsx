// Verifications of one key over 24 h / 7 d / 30 d by outcome, drawn with uPlot. uPlot styles its
// elements through the CSSOM (el.style.x = …), which a `style-src 'self'` policy allows; its stylesheet
// comes with it. Loaded on first use, so the other pages do not fetch the charting code.
import type uPlot from 'uplot';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, errorMessage } from '../api';
import { formatNumber } from '../format';
import type { Usage, VerifyCode } from '../types';
import { VERIFY_CODES } from '../types';

const WINDOWS: { value: Usage['window']; label: string }[] = [
  { value: '24h', label: '24 hours' },
  { value: '7d', label: '7 days' },
  { value: '30d', label: '30 days' },
];

// Mid-tone colours that stay visible on light and dark backgrounds.
const COLOURS: Record<VerifyCode, string> = {
  VALID: '#2e9e5b', RATE_LIMITED: '#d08700', QUOTA_EXCEEDED: '#c2410c', PLAN_RATE_LIMITED: '#a16207',
  FORBIDDEN: '#9333ea', IP_NOT_ALLOWED: '#db2777', IP_BLOCKED: '#be123c', EXPIRED: '#64748b',
  DISABLED: '#0e7490', REVOKED: '#dc2626', INVALID: '#6d28d9',
};

export function UsageChart({ keyId }: { keyId: string }) {
  const [period, setPeriod] = useState<Usage['window']>('24h');
  const [usage, setUsage] = useState<Usage | null>(null);
  const [error, setError] = useState<string | null>(null);
  const box = useRef<HTMLDivElement>(null);

  useEffect(() => {
    let current = true;
    setError(null);
    api.get<Usage>(`/keys/${encodeURIComponent(keyId)}/usage`, { query: { window: period } })
      .then((u) => current && setUsage(u))
      .catch((err: unknown) => current && setError(errorMessage(err)));
    return () => {
      current = false;
    };
  }, [keyId, period]);

  const codes = usage ? VERIFY_CODES.filter((c) => usage.buckets.some((b) => (b.counts[c] ?? 0) > 0)) : [];
  const totals = Object.fromEntries(codes.map((c) => [c, usage?.buckets.reduce((sum, b) => sum + (b.counts[c] ?? 0), 0) ?? 0]));

  useEffect(() => {
    const el = box.current;
    if (!el || !usage) return;
    let plot: uPlot | null = null;
    let resize: ResizeObserver | null = null;
    let current = true;
    void loadUPlot().then((UPlot) => {
      if (!current) return;
      const text = getComputedStyle(el).color;
      const grid = getComputedStyle(document.documentElement).getPropertyValue('--border').trim() || '#888';
      const shown = codes.length ? codes : (['VALID'] as VerifyCode[]);
      const data: uPlot.AlignedData = [
        usage.buckets.map((b) => new Date(b.start).getTime() / 1000),
        ...shown.map((c) => usage.buckets.map((b) => b.counts[c] ?? 0)),
      ];
      const axis = { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
      plot = new UPlot({
        width: Math.max(280, el.clientWidth),
        height: 240,
        legend: { show: false },
        cursor: { drag: { x: false, y: false } },
        scales: { y: { range: (_u, _min, max) => [0, Math.max(4, max * 1.1)] } },
        axes: [axis, { ...axis, size: 50 }],
        series: [{}, ...shown.map((c) => ({ label: c, stroke: COLOURS[c], width: 2, points: { show: usage.buckets.length <= 31 } }))],
      }, data, el);
      resize = new ResizeObserver(() => plot?.setSize({ width: Math.max(280, el.clientWidth), height: 240 }));
      resize.observe(el);
    });
    return () => {
      current = false;
      resize?.disconnect();
      plot?.destroy();
    };
  }, [usage]);

  const label = WINDOWS.find((w) => w.value === period)?.label ?? period;
  return (
    <section aria-labelledby="usage-title">
      <h2 id="usage-title">Verifications</h2>
      <div class="tabs" role="group" aria-label="Chart period">
        {WINDOWS.map((w) => (
          <button key={w.value} type="button" class="button button-small" aria-pressed={w.value === period} onClick={() => setPeriod(w.value)}>{w.label}</button>
        ))}
      </div>
      {error && <p class="error" role="alert">{error}</p>}
      <figure class="chart-figure">
        <div ref={box} class="chart" role="img" aria-label={`Verifications per ${usage?.granularity ?? 'hour'} over the last ${label}, by outcome`} />
        <figcaption>
          {usage && codes.length === 0 && <p>No verifications in the last {label}.</p>}
          <ul class="legend" aria-label={`Totals over the last ${label}`}>
            {codes.map((c) => (
              <li key={c}><span class={`swatch swatch-${c}`} aria-hidden="true" />{c}: {formatNumber(totals[c] ?? 0)}</li>
            ))}
          </ul>
        </figcaption>
      </figure>
    </section>
  );
}

async function loadUPlot(): Promise<typeof uPlot> {
  const [module] = await Promise.all([import('uplot'), import('uplot/dist/uPlot.min.css')]);
  return module.default;
}
