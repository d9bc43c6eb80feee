/** The target's classes with their counts and shares, as a bar chart and as a table. */
import { useMemo } from 'preact/hooks';
import { ChartView } from '../../components/chart';
import { formatPercent } from '../models/format';
import { barConfig } from './bar-config';
import type { TargetSummary } from './datasets-api';

export function ClassBalance({ target }: { target: TargetSummary }) {
  const balance = target.classBalance;
  const config = useMemo(() => barConfig((balance ?? []).map((entry) => entry.value), (balance ?? []).map((entry) => entry.count), { histogram: false, axis: target.name }), [balance, target.name]);
  if (!balance) {
    return (
      <section aria-labelledby="balance-title">
        <h2 id="balance-title">Class balance</h2>
        <p class="muted">{target.name} is numeric: a regression target has no classes. Choose a categorical target for class balance.</p>
      </section>
    );
  }
  const label = `Class balance of ${target.name}: ${balance.map((entry) => `${entry.value} ${formatPercent(entry.fraction)}`).join(', ')}`;
  return (
    <section aria-labelledby="balance-title">
      <h2 id="balance-title">Class balance of {target.name}</h2>
      <div class="balance">
        <ChartView config={config} label={label} height={200} />
        <table aria-label={`Classes of ${target.name}`}>
          <thead>
            <tr>
              <th scope="col">Class</th>
              <th scope="col" class="num">Rows</th>
              <th scope="col" class="num">Share</th>
            </tr>
          </thead>
          <tbody>
            {balance.map((entry) => (
              <tr key={entry.value}>
                <td>{entry.value}</td>
                <td class="num">{entry.count.toLocaleString('en-US')}</td>
                <td class="num">{formatPercent(entry.fraction)}</td>
              </tr>
            ))}
            {target.missing > 0 ? (
              <tr>
                <td class="muted">missing</td>
                <td class="num">{target.missing.toLocaleString('en-US')}</td>
                <td class="num muted">—</td>
              </tr>
            ) : null}
          </tbody>
        </table>
      </div>
    </section>
  );
}
