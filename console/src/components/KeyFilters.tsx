// Search and filters of the key table; their values live in the URL so a view can be shared and reloaded.
import { useEffect, useState } from 'preact/hooks';

export interface KeyFilterValues {
  q: string;
  status: string;
  environment: string;
  tag: string;
  group: string;
}

interface Props {
  filters: KeyFilterValues;
  onChange: (filters: KeyFilterValues) => void;
}

export function KeyFilters({ filters, onChange }: Props) {
  // Typing is echoed at once and sent after a pause, so each keystroke does not become a request.
  const [draft, setDraft] = useState(filters);
  useEffect(() => setDraft(filters), [filters.q, filters.status, filters.environment, filters.tag, filters.group]);
  useEffect(() => {
    if (draft.q === filters.q && draft.tag === filters.tag && draft.group === filters.group) return;
    const timer = setTimeout(() => onChange(draft), 300);
    return () => clearTimeout(timer);
  }, [draft.q, draft.tag, draft.group]);

  const text = (name: 'q' | 'tag' | 'group') => (e: Event) => setDraft({ ...draft, [name]: (e.currentTarget as HTMLInputElement).value });
  const select = (name: 'status' | 'environment') => (e: Event) => onChange({ ...draft, [name]: (e.currentTarget as HTMLSelectElement).value });

  return (
    <form class="filters" role="search" onSubmit={(e) => { e.preventDefault(); onChange(draft); }}>
      <div class="field field-search">
        <label for="filter-q">Search keys</label>
        <input id="filter-q" type="search" value={draft.q} placeholder="Name contains…" onInput={text('q')} />
      </div>
      <div class="field">
        <label for="filter-status">Status</label>
        <select id="filter-status" value={draft.status} onChange={select('status')}>
          <option value="">Any</option>
          <option value="active">Active</option>
          <option value="disabled">Disabled</option>
          <option value="expired">Expired</option>
          <option value="revoked">Revoked</option>
        </select>
      </div>
      <div class="field">
        <label for="filter-environment">Deployment</label>
        <select id="filter-environment" value={draft.environment} onChange={select('environment')}>
          <option value="">Any</option>
          <option value="production">Production</option>
          <option value="preview">Preview</option>
          <option value="development">Development</option>
        </select>
      </div>
      <div class="field">
        <label for="filter-tag">Tag</label>
        <input id="filter-tag" value={draft.tag} onInput={text('tag')} />
      </div>
      <div class="field">
        <label for="filter-group">Group filter</label>
        <input id="filter-group" value={draft.group} onInput={text('group')} />
      </div>
    </form>
  );
}
