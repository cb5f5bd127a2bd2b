// Names the operator behind `operator:<id>` (createdBy): the signed-in operator always, everyone for
// those who may list operators; other actors as formatActor reads them.
import { useEffect, useState } from 'preact/hooks';
import { api } from './api';
import { formatActor } from './format';
import { useSession } from './session';
import type { Operator } from './types';

export function useActorName(): (actor: string) => string {
  const { session } = useSession();
  const [emails, setEmails] = useState<Map<string, string>>(() => new Map([[session.operator.id, session.operator.email]]));
  useEffect(() => {
    if (!session.scopes.includes('operators:admin')) return;
    api.get<{ items: Operator[] }>('/operators')
      .then((list) => setEmails((before) => new Map([...before, ...list.items.map((o) => [o.id, o.email] as const)])))
      .catch(() => undefined);
  }, [session.operator.id]);
  return (actor) => (actor.startsWith('operator:') && emails.get(actor.slice('operator:'.length))) || formatActor(actor);
}
