/**
 * #/drift?model=&version=&ring=&device=: one version's drift in one scope over the last 24 hours
 * (GET .../drift): the verdict, the OOD exceedance rates, every input feature's reference and
 * current distribution (drifting ones first) and the verdict hour by hour. Statistics arrive
 * without audit rows, so the page polls; the drift job's alert rows reload it at once.
 */
import { api, ok } from '../../api/client';
import { useResource } from '../../api/use-resource';
import { Badge, ErrorNote, Loading, PageTitle, When } from '../../components/status';
import { FeaturePanel } from './feature-panel';
import { formatStat, percent } from './format';
import { ScopeForm } from './scope-form';
import { useDriftScope, type DriftScope } from './scope';
import { isAlertEvent, VERDICT_ORDER, type DriftView, type SignalReport } from './types';
import { VerdictTimeline } from './verdict-timeline';
import './drift.css';

const POLL_MS = 30_000;

function scopeText(scope: DriftScope): string {
  const parts = [scope.ring ? `ring ${scope.ring}` : '', scope.device ? `device ${scope.device}` : ''].filter(Boolean);
  return parts.length > 0 ? parts.join(', ') : 'whole fleet';
}

function Summary({ view, scope }: { view: DriftView; scope: DriftScope }) {
  const ood = view.report?.ood ?? null;
  return (
    <section aria-labelledby="drift-summary-title">
      <h2 id="drift-summary-title">
        {scope.model}@{scope.version} · {scopeText(scope)}
      </h2>
      <div class="tiles">
        <div class="tile">
          <span class="figure">
            <Badge value={view.verdict} />
          </span>
          overall verdict
        </div>
        <div class="tile">
          <span class="figure">{ood ? percent(ood.statistics['rateP95']) : '—'}</span>
          OOD rate beyond the reference p95 {ood ? <Badge value={ood.verdict} /> : <span class="muted">(no OOD score)</span>}
        </div>
        <div class="tile">
          <span class="figure">{ood ? percent(ood.statistics['rateP99']) : '—'}</span>
          OOD rate beyond the reference p99
        </div>
        <div class="tile">
          <span class="figure">{view.report?.n ?? 0}</span>
          rows from {view.devices} {view.devices === 1 ? 'device' : 'devices'} ({view.windows} {view.windows === 1 ? 'window' : 'windows'})
        </div>
      </div>
      <p class="drift-summary">
        <span>
          From <When at={view.from} /> to <When at={view.to} />
        </span>
        {view.report ? <span>{view.report.evidence}</span> : <span class="muted">No statistics in this scope and range.</span>}
      </p>
    </section>
  );
}

function Features({ view }: { view: DriftView }) {
  const reports = new Map<string, SignalReport>((view.report?.features ?? []).map((f) => [f.name, f]));
  // Drifting first, then warnings, ok and insufficient data; the reference's order within each.
  const ordered = view.distributions
    .map((distribution, index) => ({ distribution, index, report: reports.get(distribution.name) }))
    .sort((a, b) => VERDICT_ORDER[a.report?.verdict ?? 'insufficient-data'] - VERDICT_ORDER[b.report?.verdict ?? 'insufficient-data'] || a.index - b.index);
  return (
    <section aria-labelledby="drift-features-title">
      <h2 id="drift-features-title">Features: reference and current distribution</h2>
      {ordered.length === 0 ? <p class="muted">The reference profile has no input features.</p> : null}
      <div class="drift-features">
        {ordered.map(({ distribution, report }) => (
          <FeaturePanel key={distribution.name} distribution={distribution} report={report} />
        ))}
      </div>
    </section>
  );
}

function Outputs({ view }: { view: DriftView }) {
  const signals = [...(view.report?.outputs ?? []), ...(view.report?.ood ? [view.report.ood] : [])];
  if (signals.length === 0) return null;
  return (
    <section aria-labelledby="drift-outputs-title">
      <h2 id="drift-outputs-title">Outputs and OOD score</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">Signal</th>
            <th scope="col">Verdict</th>
            <th scope="col" class="num">Adjusted p</th>
            <th scope="col">Evidence</th>
          </tr>
        </thead>
        <tbody>
          {signals.map((s) => (
            <tr key={s.name}>
              <th scope="row">{s.name}</th>
              <td>
                <Badge value={s.verdict} />
              </td>
              <td class="num">{formatStat(s.adjustedPValue)}</td>
              <td>{s.evidence}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

export function DriftPage() {
  const scope = useDriftScope();
  const drift = useResource(
    async () => {
      if (!scope.model || !scope.version) return null;
      const query = { ...(scope.ring ? { ring: scope.ring } : {}), ...(scope.device ? { device: scope.device } : {}) };
      return ok(await api.GET('/api/v1/models/{model}/versions/{version}/drift', { params: { path: { model: scope.model, version: scope.version }, query } }));
    },
    [scope.model, scope.version, scope.ring, scope.device],
    { live: isAlertEvent, pollMs: () => POLL_MS },
  );
  const view = drift.data;
  return (
    <>
      <PageTitle>Drift</PageTitle>
      <ScopeForm scope={scope} />
      <ErrorNote error={drift.error} />
      {!scope.model ? (
        <p class="muted">Choose a model version (and a ring or device to narrow it) and press Show drift.</p>
      ) : view === undefined ? (
        drift.error ? null : <Loading what="the drift report" />
      ) : view === null ? null : (
        <>
          <Summary view={view} scope={scope} />
          <Features view={view} />
          <section aria-labelledby="drift-hours-title">
            <h2 id="drift-hours-title">Verdict per hour</h2>
            <VerdictTimeline hours={view.hours} />
          </section>
          <Outputs view={view} />
        </>
      )}
    </>
  );
}
