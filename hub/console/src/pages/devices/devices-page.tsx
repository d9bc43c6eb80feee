/**
 * #/devices: one server-side page of the fleet at a time (GET /api/v1/devices?limit&cursor, keyset
 * pages in id order, filtered by the database), so the first page costs the same at 10,000 devices
 * as at 10. Filters, page size and cursor are the URL's search: a page can be linked.
 */
import { useMemo } from 'preact/hooks';
import { Link, useLocation, useSearch } from 'wouter-preact';
import { api, ok } from '../../api/client';
import { useResource } from '../../api/use-resource';
import { ErrorNote, Loading, PageTitle } from '../../components/status';
import { DeviceFiltersForm } from './device-filters';
import { DeviceRows } from './device-rows';
import { apiQueryOf, hasFilters, parseListState, searchOf, type ListState } from './list-query';
import './devices.css';

const rangeOf = (devices: readonly { id: string }[]): string => `${devices[0]?.id ?? ''} to ${devices[devices.length - 1]?.id ?? ''}`;

export function DevicesPage() {
  const search = useSearch();
  const [, navigate] = useLocation();
  const state = useMemo(() => parseListState(search), [search]);
  // Any device.* audit row (enrolled, placed, assigned, state changed, decommissioned) may change
  // this page; across a busy fleet that is many rows a second, hence the 2 s throttle.
  const page = useResource(async () => ok(await api.GET('/api/v1/devices', { params: { query: apiQueryOf(state) } })), [search], {
    live: (event) => event.action.startsWith('device.'),
    throttleMs: 2_000,
  });
  // `?` even when empty: without it wouter's hash navigation keeps the old search.
  const go = (next: ListState) => navigate(`/devices?${searchOf(next)}`);
  const data = page.data;
  return (
    <>
      <PageTitle>Devices</PageTitle>
      <DeviceFiltersForm key={JSON.stringify(state.filters)} initial={state.filters} onApply={(filters) => go({ ...state, filters, cursor: undefined })} />
      <ErrorNote error={page.error} />
      {!data ? (
        page.error ? null : <Loading what="devices" />
      ) : (
        <>
          <p class="muted" aria-live="polite">
            {data.devices.length === 0
              ? hasFilters(state.filters) ? 'No device matches these filters.' : 'No device on this page.'
              : `${state.cursor ? 'A later page' : 'First page'}: ${data.devices.length} devices${hasFilters(state.filters) ? ' matching the filters' : ''}, ${rangeOf(data.devices)} (${state.limit} per page, in id order).`}
          </p>
          <DeviceRows devices={data.devices} busy={page.loading} />
          {/* a group, not a <nav>: the layout styles <nav> as the sidebar */}
          <div class="pager" role="group" aria-label="Pages">
            <button type="button" disabled={!state.cursor} onClick={() => go({ ...state, cursor: undefined })}>
              First page
            </button>
            <button type="button" disabled={!data.nextCursor} onClick={() => data.nextCursor && go({ ...state, cursor: data.nextCursor })}>
              Next page
            </button>
          </div>
        </>
      )}
      <p class="hint">
        A device's own page shows its state, events, statistics and assignment. Enrol devices with <code>POST /api/v1/devices</code>{' '}
        (<Link href="/audit">every enrolment is in the audit log</Link>).
      </p>
    </>
  );
}
