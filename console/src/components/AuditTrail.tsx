// Audit events, newest first: of one key (keyId) or of the whole workspace.
import { useEffect, useState } from 'preact/hooks';
import { api, errorMessage } from '../api';
import { formatDate } from '../format';
import type { AuditEvent, AuditEventList } from '../types';

function actorText(actor: AuditEvent['actor']): string {
  const email = (actor as { email?: string }).email;
  return email ?? `${actor.type.replace(/_/g, ' ')} ${actor.id}`;
}

function changeText(event: AuditEvent): string {
  const before = event.before ?? {};
  const after = event.after ?? {};
  const fields = [...new Set([...Object.keys(before), ...Object.keys(after)])]
    .filter((f) => JSON.stringify(before[f]) !== JSON.stringify(after[f]) && !['updatedAt', 'version'].includes(f));
  return event.before && event.after ? fields.join(', ') : '';
}

export function AuditTrail({ keyId, title = 'Audit trail' }: { keyId?: string; title?: string }) {
  const [events, setEvents] = useState<AuditEvent[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loaded, setLoaded] = useState(false);

  const load = async (cursor?: string) => {
    try {
      const page = await api.get<AuditEventList>('/audit-events', { query: { keyId, cursor, limit: 20 } });
      setEvents((before) => (cursor ? [...before, ...page.items] : page.items));
      setNext(page.nextCursor);
      setLoaded(true);
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  useEffect(() => {
    void load();
  }, [keyId]);

  return (
    <section aria-labelledby={`audit-title${keyId ? '-key' : ''}`}>
      <h2 id={`audit-title${keyId ? '-key' : ''}`}>{title}</h2>
      {error && <p class="error" role="alert">{error}</p>}
      {loaded && events.length === 0 && <p>No events yet.</p>}
      {events.length > 0 && (
        <div class="table-scroll" tabIndex={0} role="region" aria-label={`${title} table`}>
          <table class="table">
            <thead><tr><th scope="col">Time</th><th scope="col">Action</th><th scope="col">Target</th><th scope="col">By</th><th scope="col">Changed</th></tr></thead>
            <tbody>
              {events.map((e) => (
                <tr key={e.id}>
                  <td>{formatDate(e.createdAt)}</td>
                  <td>{e.action}</td>
                  <td>{e.targetType} <code>{e.targetId}</code></td>
                  <td>{actorText(e.actor)}</td>
                  <td>{changeText(e) || '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {next && <div class="pager"><button type="button" class="button" onClick={() => load(next)}>Load older events</button></div>}
    </section>
  );
}
