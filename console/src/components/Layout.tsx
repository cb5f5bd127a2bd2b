import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, errorMessage } from '../api';
import { BASE, followLink, navigate } from '../router';
import { useSession } from '../session';

const NAV = [
  { path: '/keys', label: 'Keys' },
  { path: '/policies', label: 'Quota policies' },
  { path: '/workspace', label: 'Workspace' },
  { path: '/getting-started', label: 'Getting started' },
];

export function Layout({ path, children }: { path: string; children: ComponentChildren }) {
  const { session, setSession } = useSession();
  const [error, setError] = useState<string | null>(null);
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);
  // A new page: name it in the title and move focus to it, as a full page load would.
  useEffect(() => {
    const section = NAV.find((item) => path === item.path || path.startsWith(`${item.path}/`));
    document.title = `${section ? `${section.label} · ` : ''}Keysmith console`;
    if (first.current) first.current = false;
    else main.current?.focus();
  }, [path]);
  const signOut = async () => {
    try {
      await api.post('/auth/logout');
    } catch (err) {
      setError(errorMessage(err));
      return;
    }
    setSession(null);
    navigate('/login', { replace: true });
  };
  return (
    <>
      <a class="skip" href="#main">Skip to content</a>
      <header class="topbar">
        <a class="brand" href={`${BASE}/keys`} onClick={followLink}>Keysmith</a>
        <nav aria-label="Main">
          <ul>
            {NAV.map((item) => (
              <li key={item.path}>
                <a href={`${BASE}${item.path}`} onClick={followLink} aria-current={path === item.path || path.startsWith(`${item.path}/`) ? 'page' : undefined}>{item.label}</a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="who">
          <span class="who-name">{session.operator.name || session.operator.email} · {session.workspace.slug} · {session.role}</span>
          <button type="button" class="button" onClick={signOut}>Sign out</button>
        </div>
      </header>
      {error && <p class="error banner" role="alert">{error}</p>}
      <main id="main" tabIndex={-1} ref={main}>{children}</main>
    </>
  );
}
