import type { AttributePath, Diagnostic } from './contract';

/** Diagnostics collected over one call: errors mark it failed, warnings ride along; nothing is thrown. */
export class Diagnostics {
  readonly list: Diagnostic[] = [];

  error(summary: string, detail?: string, attribute?: AttributePath): this {
    return this.add({ severity: 'error', summary, detail, attribute });
  }

  warning(summary: string, detail?: string, attribute?: AttributePath): this {
    return this.add({ severity: 'warning', summary, detail, attribute });
  }

  append(diagnostics: readonly Diagnostic[]): this {
    for (const d of diagnostics) this.add(d);
    return this;
  }

  hasErrors(): boolean {
    return this.list.some((d) => d.severity === 'error');
  }

  private add(d: Diagnostic): this {
    const clean: Diagnostic = { severity: d.severity, summary: d.summary };
    if (d.detail !== undefined) clean.detail = d.detail;
    if (d.attribute !== undefined) clean.attribute = d.attribute;
    this.list.push(clean);
    return this;
  }
}

/** An error diagnostic for one attribute. */
export function attributeError(path: AttributePath, summary: string, detail?: string): Diagnostic {
  return { severity: 'error', summary, ...(detail ? { detail } : {}), attribute: path };
}

/** `rotation.every`, `ip_allowlist[2]`: a path as a person reads it. */
export function formatPath(path: AttributePath): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}
