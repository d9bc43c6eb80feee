/** A trained version's test-split metrics beside the trivial baseline's on the same split. */
import { formatDifference, formatNumber } from './format';
import type { Lineage } from './models-api';

export function BaselineMetrics({ lineage }: { lineage: Lineage }) {
  const metrics = lineage.metrics ?? {};
  const baseline = lineage.baselineMetrics ?? {};
  const names = [...new Set([...Object.keys(metrics), ...Object.keys(baseline)])];
  if (names.length === 0 || Object.keys(baseline).length === 0) return null;
  return (
    <section aria-labelledby="baseline-title">
      <h2 id="baseline-title">Metrics beside the baseline</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">Metric</th>
            <th scope="col" class="num">This version</th>
            <th scope="col" class="num">Baseline</th>
            <th scope="col" class="num">Difference</th>
          </tr>
        </thead>
        <tbody>
          {names.map((name) => {
            const value = metrics[name];
            const base = baseline[name];
            return (
              <tr key={name}>
                <th scope="row">{name}</th>
                <td class="num">{formatNumber(value)}</td>
                <td class="num">{formatNumber(base)}</td>
                <td class="num">{value !== undefined && base !== undefined ? formatDifference(value - base) : '—'}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}
