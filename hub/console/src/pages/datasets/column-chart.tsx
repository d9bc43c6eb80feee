/**
 * One column's distribution: a numeric column's histogram (equal-width bins) or a categorical
 * column's most frequent categories (the rest summed as "other"), as a bar chart, with the
 * numbers in a table for screen readers and anyone who wants them exact.
 */
import { useMemo } from 'preact/hooks';
import { ChartView } from '../../components/chart';
import { Badge } from '../../components/status';
import { formatNumber } from '../models/format';
import { barConfig } from './bar-config';
import type { ColumnSummary } from './datasets-api';

interface Bars {
  /** the chart's axis labels */
  labels: string[];
  /** what the table's first column says of each bar */
  names: string[];
  counts: number[];
}

function barsOf(column: ColumnSummary): Bars {
  if (column.kind === 'numeric') {
    const { edges, counts } = column.histogram;
    const names = counts.map((_, i) => `${formatNumber(edges[i])} to ${formatNumber(edges[i + 1])}`);
    return { labels: counts.map((_, i) => formatNumber(edges[i])), names, counts };
  }
  const names = column.top.map((category) => category.value);
  const counts = column.top.map((category) => category.count);
  if (column.otherCount > 0) {
    names.push(`other (${column.distinct - column.top.length} categories)`);
    counts.push(column.otherCount);
  }
  return { labels: names, names, counts };
}

function describe(column: ColumnSummary, bars: Bars): string {
  if (bars.counts.length === 0) return `${column.name}: no values`;
  const peak = bars.counts.indexOf(Math.max(...bars.counts));
  const what = column.kind === 'numeric' ? `Histogram of ${column.name} in ${bars.counts.length} bins from ${formatNumber(column.min)} to ${formatNumber(column.max)}` : `Most frequent categories of ${column.name}`;
  return `${what}; the most rows (${bars.counts[peak]}) in ${bars.names[peak]}`;
}

export function ColumnChart({ column }: { column: ColumnSummary }) {
  const bars = useMemo(() => barsOf(column), [column]);
  const config = useMemo(() => barConfig(bars.labels, bars.counts, { histogram: column.kind === 'numeric', axis: column.kind === 'numeric' ? `${column.name} (bin start)` : column.name }), [bars]);
  const headingId = `column-${column.name.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  return (
    <article class="column-card" aria-labelledby={headingId}>
      <h3 id={headingId}>
        {column.name} <Badge value={column.kind} />
      </h3>
      {column.idLike ? <p class="hint">Looks like an id ({column.idLike.detail}); training leaves it out by default.</p> : null}
      {bars.counts.length === 0 ? <p class="muted">No values.</p> : <ChartView config={config} label={describe(column, bars)} height={180} />}
      <details>
        <summary>The numbers</summary>
        <table>
          <thead>
            <tr>
              <th scope="col">{column.kind === 'numeric' ? 'Bin' : 'Category'}</th>
              <th scope="col" class="num">Rows</th>
            </tr>
          </thead>
          <tbody>
            {bars.names.map((name, i) => (
              <tr key={name}>
                <td>{name}</td>
                <td class="num">{(bars.counts[i] ?? 0).toLocaleString('en-US')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </article>
  );
}
