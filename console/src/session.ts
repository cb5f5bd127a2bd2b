import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { RootScope, Session } from './types';

export interface SessionState {
  session: Session;
  setSession: (session: Session | null) => void;
}

export const SessionContext = createContext<SessionState | null>(null);

export function useSession(): SessionState {
  const state = useContext(SessionContext);
  if (!state) throw new Error('useSession outside a signed-in page');
  return state;
}

/** Whether the signed-in operator's role grants a scope; write buttons show only when it does. */
export function useCan(scope: RootScope): boolean {
  return useSession().session.scopes.includes(scope);
}
