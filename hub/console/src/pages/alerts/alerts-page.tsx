/**
 * #/alerts: drift alerts, open ones first (each newest first), live on the drift job's alert rows.
 * Open alerts are few (one per version and scope at a time); resolved ones show the latest 100.
 */
import { Link } from 'wouter-preact';
import { api, ok } from '../../api/client';
import { useResource } from '../../api/use-resource';
import { Badge, Empty, ErrorNote, Loading, PageTitle, When } from '../../components/status';
import { isAlertEvent } from '../drift/types';
import '../drift/drift.css';

const RESOLVED_SHOWN = 100;

async function loadAlerts() {
  const [open, resolved] = await Promise.all([
    api.GET('/api/v1/alerts', { params: { query: { status: 'open', limit: 1000 } } }).then(ok),
    api.GET('/api/v1/alerts', { params: { query: { status: 'resolved', limit: RESOLVED_SHOWN } } }).then(ok),
  ]);
  return [...open.alerts, ...resolved.alerts];
}

export function AlertsPage() {
  const alerts = useResource(loadAlerts, [], { live: isAlertEvent });
  const rows = alerts.data;
  return (
    <>
      <PageTitle>Alerts</PageTitle>
      <p class="hint">The drift job evaluates every version with recent statistics each hour; an alert opens when drift persists and resolves after quiet hours.</p>
      <ErrorNote error={alerts.error} />
      {!rows ? (
        alerts.error ? null : <Loading what="the alerts" />
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Alert</th>
              <th scope="col">State</th>
              <th scope="col">Severity</th>
              <th scope="col">Scope</th>
              <th scope="col">Signals</th>
              <th scope="col">Opened</th>
              <th scope="col">Resolved</th>
            </tr>
          </thead>
          <tbody>
            {rows.length === 0 ? <Empty colSpan={7}>No alerts.</Empty> : null}
            {rows.map((alert) => (
              <tr key={alert.id}>
                <td>
                  <Link href={`/alerts/${encodeURIComponent(alert.id)}`}>
                    {alert.model}@{alert.version}
                  </Link>
                </td>
                <td>
                  <Badge value={alert.status} />
                </td>
                <td>
                  <Badge value={alert.severity} />
                </td>
                <td>{alert.scope}</td>
                <td>{alert.signals.join(', ')}</td>
                <td>
                  <When at={alert.openedAt} />
                </td>
                <td>
                  <When at={alert.resolvedAt} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {rows && rows.length > 0 ? <p class="hint">Open alerts first; the latest {RESOLVED_SHOWN} resolved ones after them.</p> : null}
    </>
  );
}
