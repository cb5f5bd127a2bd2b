// Routes, the session probe, and the signed-in frame.
import { useEffect, useState } from 'preact/hooks';
import { ApiError, api, onSessionLost, setCsrfToken } from './api';
import { Layout } from './components/Layout';
import { GettingStartedPage } from './pages/GettingStartedPage';
import { KeyDetailPage } from './pages/KeyDetailPage';
import { KeysPage } from './pages/KeysPage';
import { LoginPage } from './pages/LoginPage';
import { NotFoundPage } from './pages/NotFoundPage';
import { PoliciesPage } from './pages/PoliciesPage';
import { SetupPage } from './pages/SetupPage';
import { WorkspacePage } from './pages/WorkspacePage';
import { navigate, useLocation } from './router';
import { SessionContext } from './session';
import type { Session } from './types';

export function App() {
  const location = useLocation();
  const [session, setSessionState] = useState<Session | null | undefined>(undefined);
  const [sessionEnded, setSessionEnded] = useState(false);

  const setSession = (next: Session | null) => {
    if (next) setSessionEnded(false);
    setCsrfToken(next?.csrfToken ?? null);
    setSessionState(next);
  };

  useEffect(() => {
    onSessionLost(() => {
      setSessionEnded(true);
      setSession(null);
      const here = window.location.pathname.replace(/^\/console/, '');
      navigate(`/login${here && !here.startsWith('/login') ? `?next=${encodeURIComponent(here)}` : ''}`, { replace: true });
    });
    api.get<Session>('/auth/session', { expectUnauthorized: true })
      .then(setSession)
      .catch((err: unknown) => {
        if (!(err instanceof ApiError) || err.status !== 401) console.error('session check failed', err instanceof Error ? err.message : err);
        setSession(null);
      });
  }, []);

  const { path } = location;
  useEffect(() => {
    if (session === null && path !== '/login' && path !== '/setup') navigate('/login', { replace: true });
    else if (session && (path === '/' || path === '/login')) navigate(location.query.get('next') || '/keys', { replace: true });
  }, [session, path]);

  if (path === '/setup') return <SetupPage token={location.query.get('token') ?? ''} onSignedIn={setSession} />;
  if (path === '/login' || session === null) return <LoginPage onSignedIn={setSession} sessionEnded={sessionEnded} />;
  if (session === undefined) return <p class="loading" role="status">Loading…</p>;

  let page;
  const keyMatch = /^\/keys\/([^/]+)$/.exec(path);
  if (path === '/keys') page = <KeysPage query={location.query} />;
  else if (keyMatch?.[1]) page = <KeyDetailPage id={decodeURIComponent(keyMatch[1])} />;
  else if (path === '/policies') page = <PoliciesPage />;
  else if (path === '/workspace') page = <WorkspacePage />;
  else if (path === '/getting-started') page = <GettingStartedPage />;
  else if (path === '/' ) page = null;
  else page = <NotFoundPage />;

  return (
    <SessionContext.Provider value={{ session, setSession }}>
      <Layout path={path}>{page}</Layout>
    </SessionContext.Provider>
  );
}
