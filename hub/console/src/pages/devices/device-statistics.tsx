/**
 * A device's own statistics, drift and shadow results for the version it runs: the per-version
 * routes filtered to this device (`?device=`), over their default range (the last 24 hours).
 * Statistics windows arrive without an audit row, so this part also polls while the device is online.
 */
import { Link } from 'wouter-preact';
import { api, ok } from '../../api/client';
import { useResource } from '../../api/use-resource';
import { Badge, ErrorNote, Loading } from '../../components/status';
import { EFFECT_SIZES, signalRows } from './feature-reports';
import type { Device, DriftView, ShadowView, StatsView } from './types';

const POLL_MS = 30_000;
const num = (value: number | null | undefined, digits = 3): string => (value === null || value === undefined || !Number.isFinite(value) ? '—' : value.toFixed(digits));
const percent = (value: number | null): string => (value === null ? '—' : `${(value * 100).toFixed(1)}%`);
const total = (counts: Record<string, number>): number => Object.values(counts).reduce((a, b) => a + b, 0);

/** Mean of binned values: their sum over how many were counted (bins, under- and overflow). */
function meanOf(binned: { counts: number[]; underflow: number; overflow: number; sum: number }): number | null {
  const count = binned.counts.reduce((a, b) => a + b, 0) + binned.underflow + binned.overflow;
  return count > 0 ? binned.sum / count : null;
}

interface Figures {
  stats: StatsView;
  /** null when the release has no reference profile (no drift to evaluate) */
  drift: DriftView | null;
  shadow: ShadowView | null;
}

async function loadFigures(device: string, model: string, version: string, shadow: { model: string; version: string } | null): Promise<Figures> {
  const query = { device };
  const path = { model, version };
  const [stats, release, shadowView] = await Promise.all([
    api.GET('/api/v1/models/{model}/versions/{version}/stats', { params: { path, query } }).then(ok),
    api.GET('/api/v1/models/{model}/versions/{version}', { params: { path } }).then(ok),
    shadow ? api.GET('/api/v1/models/{model}/versions/{version}/shadow', { params: { path: shadow, query } }).then(ok) : Promise.resolve(null),
  ]);
  // Asking for drift without a reference profile is a 409 by design; the release says so first.
  const drift = release.manifest.reference ? ok(await api.GET('/api/v1/models/{model}/versions/{version}/drift', { params: { path, query } })) : null;
  return { stats, drift, shadow: shadowView };
}

function StatsFacts({ stats }: { stats: StatsView }) {
  const merged = stats.merged;
  if (!merged) return <p class="muted">No statistics from this device between {new Date(stats.from).toLocaleString()} and {new Date(stats.to).toLocaleString()}.</p>;
  const errors = total(merged.errors);
  return (
    <dl class="facts">
      <dt>Predictions</dt>
      <dd>{merged.n}</dd>
      <dt>Failed predictions</dt>
      <dd>{errors === 0 ? 'none' : Object.entries(merged.errors).map(([code, count]) => `${code} ${count}`).join(', ')}</dd>
      <dt>Mean latency</dt>
      <dd>{meanOf(merged.latencyMs) === null ? '—' : `${num(meanOf(merged.latencyMs), 2)} ms`} {merged.latencyMs.max !== null ? <span class="muted">(max {num(merged.latencyMs.max, 2)} ms)</span> : null}</dd>
      <dt>Windows</dt>
      <dd>
        {stats.windows}
        {merged.lost ? <span class="device-error"> ({merged.lost} lost on the device)</span> : null}
      </dd>
    </dl>
  );
}

function DriftFacts({ drift, model, version, device }: { drift: DriftView; model: string; version: string; device: string }) {
  const rows = drift.report ? signalRows(drift.report) : [];
  const link = `/drift?${new URLSearchParams({ model, version, device }).toString()}`;
  return (
    <>
      <p>
        Drift verdict: <Badge value={drift.verdict} /> {drift.report ? <span>{drift.report.evidence}</span> : null} · <Link href={link}>Drift charts of this device</Link>
      </p>
      {rows.length > 0 ? (
        <table aria-label="Drift per signal">
          <thead>
            <tr>
              <th scope="col">Signal</th>
              <th scope="col">Verdict</th>
              <th scope="col" class="num">n</th>
              {EFFECT_SIZES.map((name) => (
                <th key={name} scope="col" class="num">
                  {name}
                </th>
              ))}
              <th scope="col" class="num">adjusted p</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={`${row.kind}-${row.name}`}>
                <td>
                  {row.name} <span class="muted">{row.kind}</span>
                </td>
                <td>
                  <Badge value={row.verdict} />
                </td>
                <td class="num">{row.n}</td>
                {EFFECT_SIZES.map((name) => (
                  <td key={name} class="num">
                    {num(row.statistics[name])}
                  </td>
                ))}
                <td class="num">{num(row.adjustedPValue, 4)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </>
  );
}

function ShadowFacts({ shadow }: { shadow: ShadowView }) {
  const figures = shadow.shadow;
  return (
    <>
      <h3>
        Shadow {shadow.model}@{shadow.version}
      </h3>
      {!figures ? (
        <p class="muted">The device has not compared a shadow run of it yet.</p>
      ) : (
        <dl class="facts">
          <dt>Agreement</dt>
          <dd>
            {percent(figures.agreement)} <span class="muted">({figures.agree} of {figures.n} rows)</span>
          </dd>
          <dt>Latency p95</dt>
          <dd>{figures.latencyP95Ms === null ? '—' : `${num(figures.latencyP95Ms, 2)} ms`}</dd>
          <dt>Failed shadow runs</dt>
          <dd>{total(figures.errors)}</dd>
          <dt>Not compared (queue full)</dt>
          <dd>{figures.dropped}</dd>
        </dl>
      )}
    </>
  );
}

export function DeviceStatistics({ device }: { device: Device }) {
  // What it runs is what it counts statistics for; before its first report, what it is assigned.
  const target = device.state?.active ?? device.assignment;
  const shadow = device.assignment?.shadow ?? null;
  const key = target ? `${target.model}@${target.version}` : '';
  const shadowKey = shadow ? `${shadow.model}@${shadow.version}` : '';
  const figures = useResource(
    async () => (target ? loadFigures(device.id, target.model, target.version, shadow) : null),
    [device.id, key, shadowKey],
    { live: (event) => event.subject === `device:${device.id}`, pollMs: () => (device.online ? POLL_MS : undefined), throttleMs: 2_000 },
  );
  return (
    <section aria-labelledby="device-stats-title" class="device-section">
      <h2 id="device-stats-title">Statistics and drift{target ? ` of ${key}` : ''} (last 24 h)</h2>
      {!target ? (
        <p class="muted">The device runs no model, so it has no statistics.</p>
      ) : (
        <>
          <ErrorNote error={figures.error} />
          {!figures.data ? (
            figures.error ? null : <Loading what="statistics" />
          ) : (
            <>
              <StatsFacts stats={figures.data.stats} />
              {figures.data.drift ? (
                <DriftFacts drift={figures.data.drift} model={target.model} version={target.version} device={device.id} />
              ) : (
                <p class="muted">
                  {key} has no reference profile in its release, so its drift is not evaluated.
                </p>
              )}
              {figures.data.shadow ? <ShadowFacts shadow={figures.data.shadow} /> : null}
            </>
          )}
        </>
      )}
    </section>
  );
}
