/** The run's test metrics beside the baseline's on the same test split, with which is better in words. */
import { formatNumber, isScore, lowerIsBetter, metricOrder } from './types';

export function MetricsTable({ metrics, baseline }: { metrics: Record<string, number>; baseline: Record<string, number> | null }) {
  return (
    <section aria-labelledby="metrics-title">
      <h2 id="metrics-title">Test metrics</h2>
      <table class="training-narrow">
        <thead>
          <tr>
            <th scope="col">Metric</th>
            <th scope="col" class="num">Model</th>
            <th scope="col" class="num">Baseline</th>
            <th scope="col">Better</th>
          </tr>
        </thead>
        <tbody>
          {Object.entries(metrics)
            .sort(([a], [b]) => metricOrder(a, b))
            .map(([name, value]) => {
              const base = baseline?.[name];
              const better = base === undefined || base === value || !isScore(name) ? '—' : (lowerIsBetter(name) ? value < base : value > base) ? 'model' : 'baseline';
              return (
                <tr key={name}>
                  <th scope="row">{name}</th>
                  <td class="num">{formatNumber(value)}</td>
                  <td class="num">{base === undefined ? '—' : formatNumber(base)}</td>
                  <td>{better}</td>
                </tr>
              );
            })}
        </tbody>
      </table>
    </section>
  );
}
