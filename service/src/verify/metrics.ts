/**
 * Counters for `GET /metrics` (Prometheus text format). Never labelled with anything secret: codes,
 * purposes and states only.
 */
export class Metrics {
  private readonly counters = new Map<string, { help: string; values: Map<string, number> }>();
  private readonly gauges = new Map<string, { help: string; read: () => number }>();

  count(name: string, help: string, labels: string, by = 1): void {
    let counter = this.counters.get(name);
    if (!counter) {
      counter = { help, values: new Map() };
      this.counters.set(name, counter);
    }
    counter.values.set(labels, (counter.values.get(labels) ?? 0) + by);
  }

  gauge(name: string, help: string, read: () => number): void {
    this.gauges.set(name, { help, read });
  }

  value(name: string, labels: string): number {
    return this.counters.get(name)?.values.get(labels) ?? 0;
  }

  render(): string {
    return renderSnapshots([{ label: '', snapshot: this.snapshot() }]);
  }

  /** Every counter and gauge as it reads now: what a worker sends the primary for the whole service's metrics. */
  snapshot(): MetricsSnapshot {
    return {
      counters: [...this.counters].map(([name, { help, values }]) => ({ name, help, values: [...values] })),
      gauges: [...this.gauges].map(([name, { help, read }]) => ({ name, help, value: read() })),
    };
  }
}

export interface MetricsSnapshot {
  counters: Array<{ name: string; help: string; values: Array<[labels: string, value: number]> }>;
  gauges: Array<{ name: string; help: string; value: number }>;
}

/**
 * Snapshots in the Prometheus text format, each metric's HELP and TYPE once and then its series from every
 * snapshot, with that snapshot's `label` (`worker="2"`) put first among the series' labels.
 */
export function renderSnapshots(snapshots: Array<{ label: string; snapshot: MetricsSnapshot }>): string {
  const families = new Map<string, { help: string; type: 'counter' | 'gauge'; series: string[] }>();
  const add = (name: string, help: string, type: 'counter' | 'gauge', labels: string, value: number): void => {
    let family = families.get(name);
    if (!family) families.set(name, (family = { help, type, series: [] }));
    family.series.push(`${name}${labels ? `{${labels}}` : ''} ${value}`);
  };
  const join = (a: string, b: string): string => (a && b ? `${a},${b}` : a || b);
  for (const { label, snapshot } of snapshots) {
    for (const { name, help, values } of snapshot.counters) for (const [labels, value] of values) add(name, help, 'counter', join(label, labels), value);
    for (const { name, help, value } of snapshot.gauges) add(name, help, 'gauge', label, value);
  }
  const lines: string[] = [];
  for (const [name, { help, type, series }] of families) lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...series);
  return `${lines.join('\n')}\n`;
}

/** The database work verification does, by purpose: what the benchmark reads to show garbage costs none. */
export type DbPurpose = 'lookup' | 'first_use' | 'lease' | 'lease_return' | 'flush' | 'config';

export function countDbQuery(metrics: Metrics, purpose: DbPurpose): void {
  metrics.count('keysmith_verify_db_queries_total', 'Database round trips made by verification, by purpose', `purpose="${purpose}"`);
}
