/**
 * #/alerts/:id: one drift alert with the evidence of its latest alarming evaluation: per signal
 * why it alarms, the devices flagged and the fleet statistics, and each recent hour's verdict;
 * links to the drift page for the version, and for each flagged device.
 */
import { Fragment } from 'preact';
import { Link } from 'wouter-preact';
import { api, ok } from '../../api/client';
import { useResource } from '../../api/use-resource';
import { Badge, ErrorNote, Loading, PageTitle, When } from '../../components/status';
import { driftHref } from '../drift/scope';
import { isAlertEvent, type Alert } from '../drift/types';
import { VerdictTimeline } from '../drift/verdict-timeline';
import '../drift/drift.css';

function Facts({ alert }: { alert: Alert }) {
  return (
    <dl class="facts">
      <dt>Version</dt>
      <dd>
        <Link href={`/models/${encodeURIComponent(alert.model)}/${encodeURIComponent(alert.version)}`}>
          {alert.model}@{alert.version}
        </Link>
      </dd>
      <dt>State</dt>
      <dd>
        <Badge value={alert.status} />
      </dd>
      <dt>Severity</dt>
      <dd>
        <Badge value={alert.severity} />
      </dd>
      <dt>Scope</dt>
      <dd>{alert.scope}</dd>
      <dt>Signals</dt>
      <dd>{alert.signals.join(', ')}</dd>
      <dt>Opened</dt>
      <dd>
        <When at={alert.openedAt} />
      </dd>
      <dt>Last evaluated</dt>
      <dd>
        <When at={alert.updatedAt} />
      </dd>
      <dt>Resolved</dt>
      <dd>
        <When at={alert.resolvedAt} />
      </dd>
      <dt>Evaluations</dt>
      <dd>
        {alert.alarmingEvaluations} alarming, {alert.quietEvaluations} quiet since the last alarm
      </dd>
    </dl>
  );
}

function Signals({ alert }: { alert: Alert }) {
  const signals = alert.evidence.signals;
  if (signals.length === 0) return <p class="muted">No signal alarmed in the latest evaluation.</p>;
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">Signal</th>
          <th scope="col">Severity</th>
          <th scope="col">Why</th>
          <th scope="col">Devices flagged</th>
          <th scope="col">Latest hour's statistics</th>
        </tr>
      </thead>
      <tbody>
        {signals.map((signal) => (
          <tr key={signal.name}>
            <th scope="row">{signal.name}</th>
            <td>
              <Badge value={signal.severity} />
            </td>
            <td>
              <ul class="drift-reasons">
                {signal.reasons.map((reason) => (
                  <li key={reason}>{reason}</li>
                ))}
              </ul>
            </td>
            <td>
              {signal.devices.length === 0 ? (
                <span class="muted">none alone</span>
              ) : (
                signal.devices.map((device, i) => (
                  <Fragment key={device}>
                    {i > 0 ? ', ' : null}
                    <a href={driftHref({ model: alert.model, version: alert.version, device })}>{device}</a>
                  </Fragment>
                ))
              )}
            </td>
            <td>{signal.evidence}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function AlertPage({ params }: { params: Record<string, string | undefined> }) {
  const id = params['id'] ?? '';
  const alert = useResource(async () => ok(await api.GET('/api/v1/alerts/{id}', { params: { path: { id } } })), [id], { live: isAlertEvent });
  const data = alert.data;
  return (
    <>
      <PageTitle actions={data ? <a class="button" href={driftHref({ model: data.model, version: data.version })}>Drift of {data.model}@{data.version}</a> : null}>
        {data ? `Alert: ${data.model}@${data.version}` : 'Alert'}
      </PageTitle>
      <ErrorNote error={alert.error} />
      {!data ? (
        alert.error ? null : <Loading what="the alert" />
      ) : (
        <>
          <Facts alert={data} />
          <section aria-labelledby="alert-evidence-title">
            <h2 id="alert-evidence-title">Evidence</h2>
            <p>
              Latest evaluated hour: {data.evidence.latestHour ? <When at={data.evidence.latestHour} /> : <span class="muted">none</span>}, fleet verdict <Badge value={data.evidence.verdict} />
            </p>
            <Signals alert={data} />
          </section>
          <section aria-labelledby="alert-hours-title">
            <h2 id="alert-hours-title">Recent hours</h2>
            <VerdictTimeline hours={data.evidence.hours} />
          </section>
        </>
      )}
    </>
  );
}
