/** The search part of the start form: off, or a grid / random search over a JSON space, chosen by a validation metric. */
import { TASK_METRICS, type SearchMetric, type Task } from './types';

export interface SearchState {
  on: boolean;
  kind: 'grid' | 'random';
  space: string;
  trials: string;
  /** '' = the task's default metric */
  metric: '' | SearchMetric;
}

export const NO_SEARCH: SearchState = { on: false, kind: 'grid', space: '{"lr": [0.001, 0.01]}', trials: '10', metric: '' };

interface Props {
  task: Task;
  value: SearchState;
  onChange(next: SearchState): void;
  invalid: boolean;
}

export function SearchFields({ task, value, onChange, invalid }: Props) {
  const set = <K extends keyof SearchState>(key: K, next: SearchState[K]) => onChange({ ...value, [key]: next });
  const marks = invalid ? { 'aria-invalid': true, 'aria-describedby': 'training-form-error' } : {};
  return (
    <fieldset class="training-search">
      <legend>Search</legend>
      <label class="training-check">
        <input type="checkbox" checked={value.on} onChange={(event) => set('on', event.currentTarget.checked)} /> Search hyperparameters (one trial per point; the best is refitted)
      </label>
      {value.on ? (
        <div class="training-grid">
          <label for="training-search-kind">Kind</label>
          <select id="training-search-kind" value={value.kind} onChange={(event) => set('kind', event.currentTarget.value === 'random' ? 'random' : 'grid')}>
            <option value="grid">grid: every combination</option>
            <option value="random">random: sampled points</option>
          </select>

          <label for="training-search-space">Space (JSON)</label>
          <div>
            <textarea id="training-search-space" rows={3} spellcheck={false} value={value.space} onInput={(event) => set('space', event.currentTarget.value)} aria-describedby="training-space-hint" {...marks} />
            <p id="training-space-hint" class="hint">
              Per param a list of values ({'{"lr": [0.001, 0.01]}'}); a random search also takes ranges ({'{"lr": {"min": 0.0001, "max": 0.1, "log": true}}'}).
            </p>
          </div>

          {value.kind === 'random' ? (
            <>
              <label for="training-search-trials">Trials</label>
              <input id="training-search-trials" type="number" min={1} max={100} step={1} value={value.trials} onInput={(event) => set('trials', event.currentTarget.value)} />
            </>
          ) : null}

          <label for="training-search-metric">Choose by (validation)</label>
          <select id="training-search-metric" value={value.metric} onChange={(event) => set('metric', event.currentTarget.value as SearchState['metric'])}>
            <option value="">default ({TASK_METRICS[task][0]})</option>
            {TASK_METRICS[task].map((metric) => (
              <option key={metric} value={metric}>
                {metric}
              </option>
            ))}
          </select>
        </div>
      ) : null}
    </fieldset>
  );
}
