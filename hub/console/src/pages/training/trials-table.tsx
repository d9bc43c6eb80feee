/** A search's finished trials: each one's params and validation metrics, the best by the search's metric marked in words. */
import { formatNumber, formatValue, lowerIsBetter, type RunDetail } from './types';

export function TrialsTable({ trials, metric }: { trials: RunDetail['trials']; metric: string }) {
  const paramKeys = [...new Set(trials.flatMap((trial) => Object.keys(trial.params)))];
  const metricKeys = [...new Set(trials.flatMap((trial) => Object.keys(trial.metrics)))];
  const scored = trials.filter((trial) => trial.metrics[metric] !== undefined);
  const best = scored.reduce<RunDetail['trials'][number] | undefined>((top, trial) => {
    if (!top) return trial;
    const [a, b] = [trial.metrics[metric] ?? 0, top.metrics[metric] ?? 0];
    return (lowerIsBetter(metric) ? a < b : a > b) ? trial : top;
  }, undefined);
  return (
    <section aria-labelledby="trials-title">
      <h2 id="trials-title">Trials</h2>
      <table>
        <thead>
          <tr>
            <th scope="col" class="num">Trial</th>
            {paramKeys.map((key) => (
              <th scope="col" key={`p-${key}`}>{key}</th>
            ))}
            {metricKeys.map((key) => (
              <th scope="col" class="num" key={`m-${key}`}>
                {key} (validation)
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {trials.length === 0 ? (
            <tr>
              <td colSpan={1 + paramKeys.length + metricKeys.length} class="muted">No trial has finished yet.</td>
            </tr>
          ) : null}
          {trials.map((trial) => (
            <tr key={trial.index} class={trial === best ? 'training-best' : ''}>
              <td class="num">
                {trial.index}
                {trial === best ? <strong> (best)</strong> : null}
              </td>
              {paramKeys.map((key) => (
                <td key={`p-${key}`}>{formatValue(trial.params[key])}</td>
              ))}
              {metricKeys.map((key) => (
                <td class="num" key={`m-${key}`}>{trial.metrics[key] === undefined ? '—' : formatNumber(trial.metrics[key] ?? 0)}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
