/** The fleet at a glance (GET /api/v1/overview), refreshed by any audit row. */
import { Link } from 'wouter-preact';
import { api, ok } from '../api/client';
import { useResource } from '../api/use-resource';
import { Badge, Empty, ErrorNote, Loading, PageTitle, Progress, When } from '../components/status';

export function OverviewPage() {
  const overview = useResource(async () => ok(await api.GET('/api/v1/overview')), [], { live: () => true, throttleMs: 1_000 });
  const data = overview.data;
  return (
    <>
      <PageTitle>Overview</PageTitle>
      <ErrorNote error={overview.error} />
      {!data ? (
        <Loading what="the overview" />
      ) : (
        <>
          <section class="tiles" aria-label="Fleet counts">
            <div class="tile">
              <span class="figure">{data.devices.inService}</span> devices in service
            </div>
            <div class="tile">
              <span class="figure">{data.devices.online}</span> online
            </div>
            <div class="tile">
              <span class="figure">{data.devices.offline}</span> offline
            </div>
            <div class="tile">
              <span class="figure">{data.alerts.open}</span> open alerts
            </div>
          </section>
          <div class="columns">
            <section aria-labelledby="versions-title">
              <h2 id="versions-title">Versions in service</h2>
              <table>
                <thead>
                  <tr><th scope="col">Model</th><th scope="col">Version</th><th scope="col" class="num">Devices</th></tr>
                </thead>
                <tbody>
                  {data.versions.length === 0 ? <Empty colSpan={3}>No device reports a model yet.</Empty> : null}
                  {data.versions.map((row) => (
                    <tr key={`${row.model}@${row.version}`}>
                      <td>{row.model}</td>
                      <td><Link href={`/models/${encodeURIComponent(row.model)}/${encodeURIComponent(row.version)}`}>{row.version}</Link></td>
                      <td class="num">{row.devices}</td>
                    </tr>
                  ))}
                  {data.runningNothing > 0 ? (
                    <tr><td colSpan={2} class="muted">running nothing</td><td class="num">{data.runningNothing}</td></tr>
                  ) : null}
                </tbody>
              </table>
            </section>
            <section aria-labelledby="rollouts-title">
              <h2 id="rollouts-title">Active rollouts</h2>
              <table>
                <thead>
                  <tr><th scope="col">Rollout</th><th scope="col">State</th><th scope="col">Step</th></tr>
                </thead>
                <tbody>
                  {data.rollouts.length === 0 ? <Empty colSpan={3}>No rollout is running.</Empty> : null}
                  {data.rollouts.map((rollout) => (
                    <tr key={rollout.id}>
                      <td><Link href={`/rollouts/${encodeURIComponent(rollout.id)}`}>{rollout.model}@{rollout.version}</Link></td>
                      <td><Badge value={rollout.state} /></td>
                      <td>
                        <Progress value={rollout.step} max={rollout.steps} label={`step ${rollout.step} of ${rollout.steps}`} /> {rollout.step}/{rollout.steps}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
          </div>
          <div class="columns">
            <section aria-labelledby="alerts-title">
              <h2 id="alerts-title">Open alerts</h2>
              <table>
                <thead>
                  <tr><th scope="col">Alert</th><th scope="col">Severity</th><th scope="col">Opened</th></tr>
                </thead>
                <tbody>
                  {data.alerts.latest.length === 0 ? <Empty colSpan={3}>No open alerts.</Empty> : null}
                  {data.alerts.latest.map((alert) => (
                    <tr key={alert.id}>
                      <td><Link href={`/alerts/${encodeURIComponent(alert.id)}`}>{alert.model}@{alert.version} · {alert.scope}</Link></td>
                      <td><Badge value={alert.severity} /></td>
                      <td><When at={alert.openedAt} /></td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
            <section aria-labelledby="audit-title">
              <h2 id="audit-title">Recent activity</h2>
              <ol class="feed">
                {data.audit.map((entry) => (
                  <li key={entry.id}>
                    <When at={entry.at} /> <strong>{entry.action}</strong> {entry.subject} <span class="muted">by {entry.actor}</span>
                  </li>
                ))}
              </ol>
              <Link href="/audit">The whole audit log</Link>
            </section>
          </div>
        </>
      )}
    </>
  );
}
