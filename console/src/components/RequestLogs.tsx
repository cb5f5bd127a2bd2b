// The key's request logs, newest first, with a filter by outcome and cursor paging.
import { useEffect, useState } from 'preact/hooks';
import { api, errorMessage } from '../api';
import { formatDate } from '../format';
import type { RequestLogList } from '../types';
import { VERIFY_CODES } from '../types';

const PAGE_SIZE = 20;

export function RequestLogs({ keyId }: { keyId: string }) {
  const [code, setCode] = useState('');
  const [cursors, setCursors] = useState<string[]>([]);
  const [page, setPage] = useState<RequestLogList | null>(null);
  const [error, setError] = useState<string | null>(null);
  const cursor = cursors[cursors.length - 1] ?? '';

  useEffect(() => {
    let current = true;
    setError(null);
    api.get<RequestLogList>(`/keys/${encodeURIComponent(keyId)}/logs`, { query: { code, cursor, limit: PAGE_SIZE } })
      .then((p) => current && setPage(p))
      .catch((err: unknown) => current && setError(errorMessage(err)));
    return () => {
      current = false;
    };
  }, [keyId, code, cursor]);

  return (
    <section aria-labelledby="logs-title">
      <h2 id="logs-title">Request logs</h2>
      <div class="filters">
        <div class="field">
          <label for="logs-code">Outcome</label>
          <select id="logs-code" value={code} onChange={(e) => { setCode(e.currentTarget.value); setCursors([]); }}>
            <option value="">All outcomes</option>
            {VERIFY_CODES.map((c) => <option key={c} value={c}>{c}</option>)}
          </select>
        </div>
      </div>
      {error && <p class="error" role="alert">{error}</p>}
      {page && page.items.length === 0 && <p>No requests{code ? ` with outcome ${code}` : ''} yet.</p>}
      {page && page.items.length > 0 && (
        <div class="table-scroll" tabIndex={0} role="region" aria-label="Request logs table">
          <table class="table">
            <thead>
              <tr><th scope="col">Time</th><th scope="col">Endpoint</th><th scope="col">Outcome</th><th scope="col">Duration</th><th scope="col">IP</th><th scope="col">Credits</th></tr>
            </thead>
            <tbody>
              {page.items.map((log) => (
                <tr key={log.id}>
                  <td>{formatDate(log.createdAt)}</td>
                  <td>{log.endpoint ?? '—'}</td>
                  <td>{log.code}</td>
                  <td>{(log.durationMicros / 1000).toFixed(2)} ms</td>
                  <td>{log.clientIp ?? '—'}</td>
                  <td>{log.creditsSpent}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <nav class="pager" aria-label="Pages of request logs">
        {cursors.length > 0 && <button type="button" class="button" onClick={() => setCursors(cursors.slice(0, -1))}>Newer</button>}
        {page?.nextCursor && <button type="button" class="button" onClick={() => setCursors([...cursors, page.nextCursor ?? ''])}>Older</button>}
      </nav>
    </section>
  );
}
