/**
 * #/audit: the audit trail a page at a time (GET /api/v1/audit: limit, cursor), newest first,
 * filtered by action prefix, actor and subject. On the first page, rows that commit while it is
 * open arrive over the live stream and are put on top (the API's cursor stays right: it points
 * below the page's last row, which new rows never move).
 */
import { useEffect, useState } from 'preact/hooks';
import { api, ok } from '../../api/client';
import { useLive, type AuditEvent } from '../../api/live';
import { useResource } from '../../api/use-resource';
import { Empty, ErrorNote, Loading, PageTitle, When } from '../../components/status';
import { JsonDetails } from './json-details';
import { currentCursor, FIRST_PAGE, Pager, pageNumber, type PageStack } from './pager';
import './audit.css';

const PAGE_SIZE = 50;

interface Filters {
  action: string;
  actor: string;
  subject: string;
}
const NO_FILTERS: Filters = { action: '', actor: '', subject: '' };

const matches = (filters: Filters, event: AuditEvent): boolean =>
  event.action.startsWith(filters.action) && (!filters.actor || event.actor === filters.actor) && (!filters.subject || event.subject === filters.subject);

function FilterForm({ applied, onApply }: { applied: Filters; onApply: (filters: Filters) => void }) {
  const [draft, setDraft] = useState(applied);
  const field = (key: keyof Filters, label: string, placeholder: string) => (
    <label for={`audit-${key}`}>
      {label}
      <input id={`audit-${key}`} value={draft[key]} placeholder={placeholder} onInput={(event) => setDraft({ ...draft, [key]: (event.target as HTMLInputElement).value })} />
    </label>
  );
  return (
    <form
      class="filters"
      aria-label="Filter the audit log"
      onSubmit={(event) => {
        event.preventDefault();
        onApply({ action: draft.action.trim(), actor: draft.actor.trim(), subject: draft.subject.trim() });
      }}
    >
      {field('action', 'Action starts with', 'e.g. rollout.')}
      {field('actor', 'Actor', 'e.g. admin')}
      {field('subject', 'Subject', 'e.g. device:abc')}
      <button type="submit" class="primary">
        Filter
      </button>
      <button
        type="button"
        onClick={() => {
          setDraft(NO_FILTERS);
          onApply(NO_FILTERS);
        }}
      >
        Clear
      </button>
    </form>
  );
}

export function AuditPage() {
  const [query, setQuery] = useState<{ filters: Filters; stack: PageStack }>({ filters: NO_FILTERS, stack: FIRST_PAGE });
  const { filters, stack } = query;
  const cursor = currentCursor(stack);
  const key = JSON.stringify(query);
  const page = useResource(
    async () => {
      const q = { limit: PAGE_SIZE, ...(cursor ? { cursor } : {}), ...(filters.action ? { action: filters.action } : {}), ...(filters.actor ? { actor: filters.actor } : {}), ...(filters.subject ? { subject: filters.subject } : {}) };
      return ok(await api.GET('/api/v1/audit', { params: { query: q } }));
    },
    [key],
  );
  // Rows that arrived live on the first page, newest first.
  const [fresh, setFresh] = useState<AuditEvent[]>([]);
  useEffect(() => setFresh([]), [key]);
  const onFirstPage = pageNumber(stack) === 1;
  useLive(
    (event) => onFirstPage && matches(filters, event),
    (event) => setFresh((rows) => (rows.some((r) => r.id === event.id) ? rows : [event, ...rows])),
  );
  const loaded = page.data?.entries ?? [];
  const newest = loaded[0]?.id ?? 0;
  // A live row the page already holds (it loaded after the row committed) is not shown twice.
  const live = fresh.filter((row) => row.id > newest);
  const rows = [...live.map((row) => ({ ...row, fresh: true })), ...loaded.map((row) => ({ ...row, fresh: false }))];
  return (
    <>
      <PageTitle>Audit log</PageTitle>
      <FilterForm applied={filters} onApply={(next) => setQuery({ filters: next, stack: FIRST_PAGE })} />
      <ErrorNote error={page.error} />
      <p class="hint" role="status">
        {onFirstPage ? (live.length > 0 ? `${live.length} new ${live.length === 1 ? 'entry' : 'entries'} since the page opened (highlighted).` : 'New entries appear here as they happen.') : 'Older entries; new ones appear on the first page.'}
      </p>
      {!page.data && !page.error ? (
        <Loading what="the audit log" />
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Action</th>
              <th scope="col">Subject</th>
              <th scope="col">Actor</th>
              <th scope="col">Details</th>
            </tr>
          </thead>
          <tbody>
            {rows.length === 0 ? <Empty colSpan={5}>No audit entries{filters.action || filters.actor || filters.subject ? ' match these filters' : ''}.</Empty> : null}
            {rows.map((row) => (
              <tr key={row.id} class={row.fresh ? 'audit-new' : ''}>
                <td>
                  <When at={row.at} />
                </td>
                <td>
                  <strong>{row.action}</strong>
                </td>
                <td class="audit-subject">{row.subject}</td>
                <td class="audit-actor">{row.actor}</td>
                <td>
                  <JsonDetails value={row.details} summary={`Details #${row.id}`} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager label="Audit log pages" stack={stack} nextCursor={page.data?.nextCursor} onChange={(next) => setQuery({ filters, stack: next })} />
    </>
  );
}
