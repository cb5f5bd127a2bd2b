// Keys: search and filters from the URL, the table, cursor paging, bulk actions and the create dialog.
import { useEffect, useState } from 'preact/hooks';
import { api, errorMessage, queryString } from '../api';
import { BulkBar } from '../components/BulkBar';
import { CreateKeyDialog } from '../components/CreateKeyDialog';
import type { KeyAction } from '../components/KeyActionDialog';
import { KeyActionDialog } from '../components/KeyActionDialog';
import type { KeyFilterValues } from '../components/KeyFilters';
import { KeyFilters } from '../components/KeyFilters';
import { KeyTable } from '../components/KeyTable';
import { Notice } from '../components/Notice';
import { navigate } from '../router';
import { useCan } from '../session';
import type { Key, KeyDetails, KeyList } from '../types';

const PAGE_SIZE = 25;

function filtersOf(query: URLSearchParams): KeyFilterValues {
  return { q: query.get('q') ?? '', status: query.get('status') ?? '', environment: query.get('environment') ?? '', tag: query.get('tag') ?? '', group: query.get('group') ?? '' };
}

export function KeysPage({ query }: { query: URLSearchParams }) {
  const canWrite = useCan('keys:write');
  const filters = filtersOf(query);
  const cursor = query.get('cursor') ?? '';
  const [list, setList] = useState<KeyList | null>(null);
  const [details, setDetails] = useState<Record<string, KeyDetails>>({});
  const [error, setError] = useState<string | null>(null);
  const [news, setNews] = useState<string | null>(null);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [creating, setCreating] = useState(false);
  const [pending, setPending] = useState<{ key: Key; action: KeyAction } | null>(null);
  const [reload, setReload] = useState(0);
  const queryKey = queryString({ ...filters, cursor });

  useEffect(() => {
    let current = true;
    setError(null);
    api.get<KeyList>('/keys', { query: { ...filters, cursor, limit: PAGE_SIZE } })
      .then((answer) => {
        if (!current) return;
        setList(answer);
        setSelected((before) => new Set(answer.items.filter((k) => before.has(k.id)).map((k) => k.id)));
        // Remaining quota per window is in each key's own record; fetch it for the keys that have quotas.
        for (const key of answer.items.filter((k) => k.quota || k.quotaPolicyId)) {
          api.get<KeyDetails>(`/keys/${encodeURIComponent(key.id)}`)
            .then((d) => current && setDetails((all) => ({ ...all, [d.id]: d })))
            .catch(() => undefined);
        }
      })
      .catch((err: unknown) => current && setError(errorMessage(err)));
    return () => {
      current = false;
    };
  }, [queryKey, reload]);

  const setFilters = (next: KeyFilterValues) => navigate(`/keys${queryString({ ...next })}`, { replace: true });
  const filtered = Object.values(filters).some(Boolean);
  const refresh = () => setReload((n) => n + 1);

  return (
    <section aria-labelledby="keys-title">
      <div class="page-head">
        <h1 id="keys-title">API keys</h1>
        {canWrite && <button type="button" class="button button-primary" onClick={() => setCreating(true)}>Create API Key</button>}
      </div>
      <KeyFilters filters={filters} onChange={setFilters} />
      {news && <Notice kind="success">{news}</Notice>}
      {error && <Notice kind="error">{error}</Notice>}
      {canWrite && selected.size > 0 && list && (
        <BulkBar
          keys={list.items.filter((k) => selected.has(k.id))}
          onDone={(message) => { setNews(message); setSelected(new Set()); refresh(); }}
          onClear={() => setSelected(new Set())}
        />
      )}
      {list === null && !error && <p role="status">Loading keys…</p>}
      {list && list.items.length === 0 && !cursor && (
        filtered ? (
          <div class="empty"><p>No keys match these filters.</p><button type="button" class="button" onClick={() => setFilters({ q: '', status: '', environment: '', tag: '', group: '' })}>Clear filters</button></div>
        ) : (
          <div class="empty">
            <h2>No API keys yet</h2>
            <p>Create your first key, copy its secret, and verify it with <code>POST /v1/verify</code>.</p>
            {canWrite ? <button type="button" class="button button-primary" onClick={() => setCreating(true)}>Create your first API key</button> : <p>Ask a workspace admin or developer to create one.</p>}
          </div>
        )
      )}
      {list && list.items.length > 0 && (
        <KeyTable
          keys={list.items}
          details={details}
          selected={selected}
          canWrite={canWrite}
          onSelect={(ids, on) => setSelected((before) => {
            const next = new Set(before);
            for (const id of ids) if (on) next.add(id); else next.delete(id);
            return next;
          })}
          onAction={(key, action) => setPending({ key, action })}
        />
      )}
      {list && (cursor || list.nextCursor) && (
        <nav class="pager" aria-label="Pages of keys">
          {cursor && <button type="button" class="button" onClick={() => setFilters(filters)}>First page</button>}
          {list.nextCursor && <button type="button" class="button" onClick={() => navigate(`/keys${queryString({ ...filters, cursor: list.nextCursor })}`)}>Next page</button>}
        </nav>
      )}
      {creating && (
        <CreateKeyDialog
          onCancel={() => setCreating(false)}
          onCreated={(key) => { setCreating(false); setNews(`Created ${key.name}.`); refresh(); }}
        />
      )}
      {pending && (
        <KeyActionDialog
          keyItem={pending.key}
          action={pending.action}
          onCancel={() => setPending(null)}
          onDone={({ deleted }) => {
            setNews(`${pending.key.name}: ${deleted ? 'deleted' : `${pending.action === 'rotate' ? 'rotated' : `${pending.action}d`}`}.`);
            setPending(null);
            refresh();
          }}
        />
      )}
    </section>
  );
}
