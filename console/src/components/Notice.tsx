import type { ComponentChildren } from 'preact';

/** A message about the page's data: a failure (role=alert) or news (role=status). */
export function Notice({ kind, children }: { kind: 'error' | 'success'; children: ComponentChildren }) {
  return <p class={kind === 'error' ? 'notice notice-error' : 'notice notice-success'} role={kind === 'error' ? 'alert' : 'status'}>{children}</p>;
}
