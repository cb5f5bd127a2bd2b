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
    const lines: string[] = [];
    for (const [name, { help, values }] of this.counters) {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`);
      for (const [labels, value] of values) lines.push(`${name}${labels ? `{${labels}}` : ''} ${value}`);
    }
    for (const [name, { help, read }] of this.gauges) {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, `${name} ${read()}`);
    }
    return `${lines.join('\n')}\n`;
  }
}

/** The database work verification does, by purpose: what the benchmark reads to show garbage costs none. */
export type DbPurpose = 'lookup' | 'first_use' | 'lease' | 'lease_return' | 'flush' | 'config';

export function countDbQuery(metrics: Metrics, purpose: DbPurpose): void {
  metrics.count('keysmith_verify_db_queries_total', 'Database round trips made by verification, by purpose', `purpose="${purpose}"`);
}
