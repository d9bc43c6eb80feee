/**
 * The loss per epoch: a line chart (train and validation loss; for a search, each trial's
 * validation loss), and the same numbers in a table for screen readers and for reading exact
 * values. `data-epochs` on the figure counts the epochs plotted.
 */
import { useMemo } from 'preact/hooks';
import type { ChartConfiguration } from 'chart.js';
import { ChartView, SERIES_COLOURS } from '../../components/chart';
import { formatNumber, type EpochEntry } from './types';

/** The table shows at most this many of the latest epochs (a run may have 10,000). */
const TABLE_ROWS = 200;

interface Series {
  label: string;
  points: Map<number, number>;
}

function seriesOf(epochs: readonly EpochEntry[], search: boolean): Series[] {
  if (!search) {
    const train: Series = { label: 'train loss', points: new Map() };
    const validation: Series = { label: 'validation loss', points: new Map() };
    for (const entry of epochs) {
      train.points.set(entry.epoch, entry.loss);
      if (entry.valLoss !== undefined) validation.points.set(entry.epoch, entry.valLoss);
    }
    return validation.points.size > 0 ? [train, validation] : [train];
  }
  // A search: one curve per trial, its validation loss where it has one (what the trials are compared by).
  const byTrial = new Map<number, Series>();
  for (const entry of epochs) {
    const trial = entry.trial ?? 0;
    let series = byTrial.get(trial);
    if (!series) byTrial.set(trial, (series = { label: `trial ${trial}`, points: new Map() }));
    series.points.set(entry.epoch, entry.valLoss ?? entry.loss);
  }
  return [...byTrial.entries()].sort(([a], [b]) => a - b).map(([, series]) => series);
}

export function LossChart({ epochs, search }: { epochs: readonly EpochEntry[]; search: boolean }) {
  const data = useMemo<ChartConfiguration<'line'>['data']>(() => {
    const series = seriesOf(epochs, search);
    const labels = [...new Set(epochs.map((entry) => entry.epoch))].sort((a, b) => a - b);
    return {
      labels,
      datasets: series.map((s, i) => ({
        label: s.label,
        data: labels.map((epoch) => s.points.get(epoch) ?? null),
        borderColor: SERIES_COLOURS[i % SERIES_COLOURS.length],
        backgroundColor: SERIES_COLOURS[i % SERIES_COLOURS.length],
        // Dashed validation curve: told apart by more than its colour.
        borderDash: !search && i === 1 ? [6, 4] : [],
        pointRadius: labels.length > 60 ? 0 : 2,
        spanGaps: true,
      })),
    };
  }, [epochs, search]);
  const config: ChartConfiguration = {
    type: 'line',
    data,
    options: { scales: { x: { title: { display: true, text: 'epoch' } }, y: { title: { display: true, text: search ? 'validation loss' : 'loss' } } }, plugins: { legend: { position: 'bottom' } } },
  };
  const rows = epochs.slice(-TABLE_ROWS);
  const hasVal = epochs.some((entry) => entry.valLoss !== undefined);
  const hasMetric = epochs.some((entry) => entry.valMetric !== undefined);
  return (
    <section aria-labelledby="loss-title">
      <h2 id="loss-title">Loss per epoch</h2>
      {epochs.length === 0 ? (
        <p class="muted">No epoch yet.</p>
      ) : (
        <div class="training-loss">
          <figure class="training-figure" data-epochs={epochs.length}>
            <ChartView config={config} label={`Loss per epoch over ${epochs.length} epochs${search ? ', one line per trial' : ''}; the numbers are in the table beside`} height={260} />
            <figcaption class="hint">{search ? 'Each trial\'s validation loss.' : hasVal ? 'Solid: train loss; dashed: validation loss.' : 'Train loss.'}</figcaption>
          </figure>
          <div class="training-scroll" role="region" aria-label="Loss per epoch, as numbers" tabIndex={0}>
            <table>
              <caption class="training-sr">Loss per epoch{epochs.length > rows.length ? `: the last ${rows.length} of ${epochs.length}` : ''}</caption>
              <thead>
                <tr>
                  {search ? <th scope="col" class="num">Trial</th> : null}
                  <th scope="col" class="num">Epoch</th>
                  <th scope="col" class="num">Train loss</th>
                  {hasVal ? <th scope="col" class="num">Validation loss</th> : null}
                  {hasMetric ? <th scope="col" class="num">Validation metric</th> : null}
                </tr>
              </thead>
              <tbody>
                {rows.map((entry) => (
                  <tr key={`${entry.trial ?? ''}-${entry.epoch}`}>
                    {search ? <td class="num">{entry.trial ?? '—'}</td> : null}
                    <td class="num">{entry.epoch}</td>
                    <td class="num">{formatNumber(entry.loss)}</td>
                    {hasVal ? <td class="num">{entry.valLoss === undefined ? '—' : formatNumber(entry.valLoss)}</td> : null}
                    {hasMetric ? <td class="num">{entry.valMetric === undefined ? '—' : formatNumber(entry.valMetric)}</td> : null}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      )}
    </section>
  );
}
