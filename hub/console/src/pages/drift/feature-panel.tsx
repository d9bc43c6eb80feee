/**
 * One input feature: its verdict and statistics, and its reference and current distributions as
 * two bar series over the reference's bins (shares of rows, since the reference and the window
 * count different numbers of rows), with the same numbers in a table.
 */
import type { ChartConfiguration } from 'chart.js';
import { Fragment } from 'preact';
import { useMemo } from 'preact/hooks';
import { ChartView, SERIES_COLOURS } from '../../components/chart';
import { Badge } from '../../components/status';
import { formatStat, percent } from './format';
import type { Distribution, SignalReport } from './types';

interface Bin {
  label: string;
  reference: number;
  current: number;
  referenceShare: number;
  currentShare: number;
}

/** Bins with rows on either side (empty under/overflow and missing bins say nothing). */
function binsOf(distribution: Distribution): Bin[] {
  const referenceTotal = distribution.reference.reduce((a, b) => a + b, 0);
  const currentTotal = distribution.current.reduce((a, b) => a + b, 0);
  return distribution.bins
    .map((label, i) => {
      const reference = distribution.reference[i] ?? 0;
      const current = distribution.current[i] ?? 0;
      return { label, reference, current, referenceShare: referenceTotal > 0 ? reference / referenceTotal : 0, currentShare: currentTotal > 0 ? current / currentTotal : 0 };
    })
    .filter((bin) => bin.reference > 0 || bin.current > 0);
}

function chartOf(bins: Bin[]): ChartConfiguration {
  return {
    type: 'bar',
    data: {
      labels: bins.map((b) => b.label),
      datasets: [
        { label: 'Reference', data: bins.map((b) => b.referenceShare * 100), backgroundColor: SERIES_COLOURS[0] },
        { label: 'Current', data: bins.map((b) => b.currentShare * 100), backgroundColor: SERIES_COLOURS[1] },
      ],
    },
    options: { scales: { y: { beginAtZero: true, title: { display: true, text: '% of rows' } } }, plugins: { legend: { position: 'bottom' } } },
  };
}

function Statistics({ report }: { report: SignalReport }) {
  const effects = Object.entries(report.thresholds);
  const extra = ['ks', 'ksPValue', 'wasserstein'].filter((key) => report.statistics[key] !== undefined && !(key in report.thresholds));
  return (
    <dl class="facts">
      {effects.map(([name, threshold]) => (
        <Fragment key={name}>
          <dt>{name}</dt>
          <dd>
            <strong>{formatStat(report.statistics[name])}</strong> <span class="muted">(warning {threshold.warning}, drift {threshold.drift})</span>
          </dd>
        </Fragment>
      ))}
      {extra.map((name) => (
        <Fragment key={name}>
          <dt>{name}</dt>
          <dd>{formatStat(report.statistics[name])}</dd>
        </Fragment>
      ))}
      <dt>Holm-adjusted p</dt>
      <dd>{formatStat(report.adjustedPValue)}</dd>
      <dt>Rows</dt>
      <dd>{report.n}</dd>
    </dl>
  );
}

export function FeaturePanel({ distribution, report }: { distribution: Distribution; report: SignalReport | undefined }) {
  const bins = useMemo(() => binsOf(distribution), [distribution]);
  const config = useMemo(() => chartOf(bins), [bins]);
  const id = `feature-${distribution.name.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  return (
    <section class="drift-feature" aria-labelledby={id}>
      <h3 id={id}>
        {distribution.name} {report ? <Badge value={report.verdict} /> : null}
      </h3>
      {report ? <p class="hint">{report.evidence}</p> : null}
      <ChartView config={config} label={`${distribution.name}: reference and current distribution, percent of rows per bin`} height={200} />
      {report ? <Statistics report={report} /> : null}
      <details>
        <summary>Numbers for {distribution.name}</summary>
        <table>
          <caption class="drift-caption">{distribution.name}: rows per bin, reference and current</caption>
          <thead>
            <tr>
              <th scope="col">Bin</th>
              <th scope="col" class="num">Reference</th>
              <th scope="col" class="num">Current</th>
              <th scope="col" class="num">Reference rows</th>
              <th scope="col" class="num">Current rows</th>
            </tr>
          </thead>
          <tbody>
            {bins.map((bin) => (
              <tr key={bin.label}>
                <th scope="row">{bin.label}</th>
                <td class="num">{percent(bin.referenceShare)}</td>
                <td class="num">{percent(bin.currentShare)}</td>
                <td class="num">{bin.reference}</td>
                <td class="num">{bin.current}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </section>
  );
}
