// The workspace: settings and credit balance, root keys, operators (owners), the account, the audit log.
import { useEffect, useState } from 'preact/hooks';
import { api, errorMessage } from '../api';
import { AuditTrail } from '../components/AuditTrail';
import { Notice } from '../components/Notice';
import { Operators } from '../components/Operators';
import { PasswordChange } from '../components/PasswordChange';
import { RootKeys } from '../components/RootKeys';
import { WorkspaceSettings } from '../components/WorkspaceSettings';
import { useSession } from '../session';
import type { Workspace } from '../types';

export function WorkspacePage() {
  const { session } = useSession();
  const [workspace, setWorkspace] = useState<Workspace | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [news, setNews] = useState<string | null>(null);
  const admin = session.scopes.includes('workspaces:admin');

  useEffect(() => {
    api.get<Workspace>('/workspace').then(setWorkspace).catch((err: unknown) => setError(errorMessage(err)));
  }, []);

  return (
    <section aria-labelledby="workspace-title">
      <h1 id="workspace-title">Workspace</h1>
      {news && <Notice kind="success">{news}</Notice>}
      {error && <Notice kind="error">{error}</Notice>}
      {workspace && <WorkspaceSettings workspace={workspace} canEdit={admin} onSaved={(w) => { setWorkspace(w); setNews('Workspace settings saved.'); }} />}
      {admin && <RootKeys scopes={session.scopes} />}
      {session.scopes.includes('operators:admin') && <Operators selfId={session.operator.id} />}
      <PasswordChange />
      <AuditTrail title="Audit log" />
    </section>
  );
}
