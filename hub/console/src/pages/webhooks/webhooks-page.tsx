/**
 * #/webhooks: webhook notifications (alerts, continuous training, rollout halts and rollbacks)
 * and how their delivery went: state, attempts, last error, next attempt. A page at a time,
 * filterable by state. Rows are queued with an audit row (reloaded on those), deliveries happen
 * without one, so the page polls while any shown notification is still pending.
 */
import { useState } from 'preact/hooks';
import { api, ok } from '../../api/client';
import type { AuditEvent } from '../../api/live';
import { useResource } from '../../api/use-resource';
import { Badge, Empty, ErrorNote, Loading, PageTitle, When } from '../../components/status';
import { JsonDetails } from '../audit/json-details';
import { currentCursor, FIRST_PAGE, Pager, type PageStack } from '../audit/pager';
import '../audit/audit.css';

const PAGE_SIZE = 50;
const PENDING_POLL_MS = 5_000;
const STATES = ['pending', 'delivered', 'failed', 'skipped'] as const;
type State = (typeof STATES)[number];

/** The audit rows written beside a queued notification (services/drift/notifications.ts NotificationKind). */
const queuesNotification = (event: AuditEvent): boolean =>
  event.action.startsWith('alert.') || event.action === 'training.triggered' || ['rollout.halted', 'rollout.rolled-back', 'rollout.aborted', 'rollout.superseded'].includes(event.action);

export function WebhooksPage() {
  const [query, setQuery] = useState<{ status: State | ''; stack: PageStack }>({ status: '', stack: FIRST_PAGE });
  const cursor = currentCursor(query.stack);
  const page = useResource(
    async () => ok(await api.GET('/api/v1/notifications', { params: { query: { limit: PAGE_SIZE, ...(cursor ? { cursor } : {}), ...(query.status ? { status: query.status } : {}) } } })),
    [JSON.stringify(query)],
    { live: queuesNotification, pollMs: (data) => (data?.notifications.some((n) => n.status === 'pending') ? PENDING_POLL_MS : undefined) },
  );
  const rows = page.data?.notifications;
  return (
    <>
      <PageTitle>Webhook deliveries</PageTitle>
      <form class="filters" aria-label="Filter deliveries" onSubmit={(event) => event.preventDefault()}>
        <label for="webhook-state">
          State
          <select id="webhook-state" value={query.status} onChange={(event) => setQuery({ status: (event.target as HTMLSelectElement).value as State | '', stack: FIRST_PAGE })}>
            <option value="">All</option>
            {STATES.map((state) => (
              <option key={state} value={state}>
                {state}
              </option>
            ))}
          </select>
        </label>
      </form>
      <p class="hint">Skipped: no webhook was configured when the notification was queued. Pending ones are retried with backoff by the webhook-delivery job.</p>
      <ErrorNote error={page.error} />
      {!rows ? (
        page.error ? null : <Loading what="the deliveries" />
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col" class="num">#</th>
              <th scope="col">Kind</th>
              <th scope="col">State</th>
              <th scope="col" class="num">Attempts</th>
              <th scope="col">Queued</th>
              <th scope="col">Next attempt</th>
              <th scope="col">Delivered</th>
              <th scope="col">Last error</th>
              <th scope="col">Payload</th>
            </tr>
          </thead>
          <tbody>
            {rows.length === 0 ? <Empty colSpan={9}>No notifications{query.status ? ` ${query.status}` : ''}.</Empty> : null}
            {rows.map((n) => (
              <tr key={n.id}>
                <td class="num">{n.id}</td>
                <td>{n.kind}</td>
                <td>
                  <Badge value={n.status} />
                </td>
                <td class="num">{n.attempts}</td>
                <td>
                  <When at={n.createdAt} />
                </td>
                <td>{n.status === 'pending' ? <When at={n.nextAttemptAt} /> : <span class="muted">—</span>}</td>
                <td>
                  <When at={n.deliveredAt} />
                </td>
                <td>{n.lastError ? <span class="error-text">{n.lastError}</span> : <span class="muted">—</span>}</td>
                <td>
                  <JsonDetails value={n.payload} summary={`Payload #${n.id}`} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager label="Delivery pages" stack={query.stack} nextCursor={page.data?.nextCursor} onChange={(stack) => setQuery({ ...query, stack })} />
    </>
  );
}
