/**
 * Starting a run or a search (POST /api/v1/training-runs). The form sends what the admin chose and
 * leaves the rest to the hub's defaults; the hub validates (columns exist, trainer fits the task,
 * params parse) and its 400 is shown as it is, next to the form, with the field it names marked.
 */
import { useState } from 'preact/hooks';
import { useLocation } from 'wouter-preact';
import { ApiError, api, errorText, ok } from '../../api/client';
import { useResource } from '../../api/use-resource';
import { ErrorNote } from '../../components/status';
import { SearchFields, NO_SEARCH, type SearchState } from './search-fields';
import { TASKS, TASK_METRICS, TASK_TRAINERS, type Dataset, type Task, type Trainer, type TrainingBody } from './types';

interface FormState {
  dataset: string;
  task: Task;
  target: string;
  trainer: '' | Trainer;
  params: string;
  features: string[];
  model: string;
  version: string;
  seed: string;
  register: boolean;
  search: SearchState;
}

const INITIAL: FormState = { dataset: '', task: 'classification', target: '', trainer: '', params: '{}', features: [], model: '', version: '', seed: '1', register: true, search: NO_SEARCH };

/** A JSON object typed in a textarea, or a message saying why it is not one. */
export function parseObject(text: string, field: string): Record<string, unknown> | string {
  if (text.trim() === '') return {};
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return `${field}: must be a JSON object like {"epochs": 20}`;
    return value as Record<string, unknown>;
  } catch (failure) {
    return `${field}: not JSON (${failure instanceof Error ? failure.message : String(failure)})`;
  }
}

function bodyOf(form: FormState): TrainingBody | string {
  const params = parseObject(form.params, 'params');
  if (typeof params === 'string') return params;
  const body: TrainingBody = { dataset: form.dataset, target: form.target, task: form.task, params, register: form.register, seed: Number(form.seed) };
  if (form.trainer) body.trainer = form.trainer;
  if (form.features.length > 0) body.features = form.features;
  if (form.model.trim()) body.model = form.model.trim();
  if (form.version.trim()) body.version = form.version.trim();
  if (form.search.on) {
    const space = parseObject(form.search.space, 'search.space');
    if (typeof space === 'string') return space;
    body.search = { kind: form.search.kind, space: space as NonNullable<TrainingBody['search']>['space'], metric: form.search.metric || (TASK_METRICS[form.task][0] ?? 'accuracy') };
    if (form.search.kind === 'random') body.search.trials = Number(form.search.trials);
  }
  return body;
}

/** The form field an API validation error names (its details' first path, e.g. 'params.speed' → 'params'). */
function fieldOf(error: unknown): string | undefined {
  if (!(error instanceof ApiError) || !Array.isArray(error.details)) return undefined;
  const first: unknown = error.details[0];
  if (typeof first !== 'object' || first === null || !('path' in first) || typeof first.path !== 'string') return undefined;
  const path = first.path;
  return path.startsWith('search') ? 'search' : path.split('.')[0];
}

export function StartForm() {
  const datasets = useResource(async () => ok(await api.GET('/api/v1/datasets')).datasets, [], { live: (event) => event.action.startsWith('dataset.') });
  const [form, setForm] = useState<FormState>(INITIAL);
  const [error, setError] = useState<string | undefined>(undefined);
  const [badField, setBadField] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [, navigate] = useLocation();
  const set = <K extends keyof FormState>(key: K, value: FormState[K]) => setForm((current) => ({ ...current, [key]: value }));

  const dataset: Dataset | undefined = datasets.data?.find((d) => d.id === form.dataset);
  const columns = dataset?.columns ?? [];

  const submit = async (event: Event) => {
    event.preventDefault();
    const body = bodyOf(form);
    if (typeof body === 'string') {
      setError(body);
      setBadField(body.startsWith('search') ? 'search' : 'params');
      return;
    }
    setBusy(true);
    setError(undefined);
    setBadField(undefined);
    try {
      const { id } = ok(await api.POST('/api/v1/training-runs', { body }));
      navigate(`/training/${id}`);
    } catch (failure) {
      setError(errorText(failure));
      setBadField(fieldOf(failure));
    } finally {
      setBusy(false);
    }
  };

  const invalid = (field: string) => (badField === field ? { 'aria-invalid': true, 'aria-describedby': 'training-form-error' } : {});

  return (
    <section aria-labelledby="training-start-title" class="training-start">
      <h2 id="training-start-title">Start a run or a search</h2>
      <ErrorNote error={datasets.error} />
      <form class="training-form" onSubmit={(event) => void submit(event)}>
        <div class="training-grid">
          <label for="training-dataset">Dataset</label>
          <select id="training-dataset" required value={form.dataset} onChange={(event) => setForm((current) => ({ ...current, dataset: event.currentTarget.value, target: '', features: [] }))} {...invalid('dataset')}>
            <option value="">{datasets.data ? (datasets.data.length === 0 ? 'No dataset: upload one on Datasets' : 'Choose a dataset') : 'Loading datasets…'}</option>
            {datasets.data?.map((d) => (
              <option key={d.id} value={d.id}>
                {d.name} ({d.rows} rows, {d.columns.length} columns)
              </option>
            ))}
          </select>

          <label for="training-task">Task</label>
          <select id="training-task" value={form.task} onChange={(event) => setForm((current) => ({ ...current, task: event.currentTarget.value as Task, trainer: '', search: { ...current.search, metric: '' } }))} {...invalid('task')}>
            {TASKS.map((task) => (
              <option key={task} value={task}>
                {task}
              </option>
            ))}
          </select>

          <label for="training-target">Target column</label>
          <select id="training-target" required value={form.target} onChange={(event) => setForm((current) => ({ ...current, target: event.currentTarget.value, features: current.features.filter((f) => f !== event.currentTarget.value) }))} {...invalid('target')}>
            <option value="">{dataset ? 'Choose the column to predict' : 'Choose a dataset first'}</option>
            {columns.map((column) => (
              <option key={column.name} value={column.name}>
                {column.name} ({column.kind})
              </option>
            ))}
          </select>

          <label for="training-trainer">Trainer</label>
          <select id="training-trainer" value={form.trainer} onChange={(event) => set('trainer', event.currentTarget.value as FormState['trainer'])} {...invalid('trainer')}>
            <option value="">default ({TASK_TRAINERS[form.task][0]})</option>
            {TASK_TRAINERS[form.task].map((trainer) => (
              <option key={trainer} value={trainer}>
                {trainer}
              </option>
            ))}
          </select>

          <label for="training-params">Params (JSON)</label>
          <div>
            <textarea id="training-params" rows={3} spellcheck={false} value={form.params} onInput={(event) => set('params', event.currentTarget.value)} aria-describedby="training-params-hint" {...invalid('params')} />
            <p id="training-params-hint" class="hint">
              The trainer's params; unset ones take its defaults. mlp: hidden, activation, epochs, batchSize, lr, l2, patience. linear: l2, epochs, batchSize, lr, patience. autoencoder: hidden, bottleneck, activation, epochs, batchSize, lr, l2, patience, thresholdQuantile.
            </p>
          </div>

          <label for="training-model">Model name</label>
          <input id="training-model" value={form.model} placeholder={dataset ? `${dataset.name}-${form.task}` : 'default: <dataset>-<task>'} onInput={(event) => set('model', event.currentTarget.value)} {...invalid('model')} />

          <label for="training-version">Version label</label>
          <input id="training-version" value={form.version} placeholder="default: the next release number" onInput={(event) => set('version', event.currentTarget.value)} {...invalid('version')} />

          <label for="training-seed">Seed</label>
          <input id="training-seed" type="number" min={0} step={1} required value={form.seed} onInput={(event) => set('seed', event.currentTarget.value)} {...invalid('seed')} />
        </div>

        {columns.length > 0 ? (
          <fieldset class="training-features">
            <legend>Features</legend>
            <p class="hint">None ticked: every column but the target and those the dataset's exploration flags as id-like.</p>
            {columns
              .filter((column) => column.name !== form.target)
              .map((column) => (
                <label key={column.name} class="training-check">
                  <input
                    type="checkbox"
                    checked={form.features.includes(column.name)}
                    onChange={(event) => {
                      const on = event.currentTarget.checked;
                      setForm((current) => ({ ...current, features: on ? [...current.features, column.name] : current.features.filter((f) => f !== column.name) }));
                    }}
                  />{' '}
                  {column.name}
                </label>
              ))}
          </fieldset>
        ) : null}

        <SearchFields task={form.task} value={form.search} onChange={(search) => set('search', search)} invalid={badField === 'search'} />

        <label class="training-check">
          <input type="checkbox" checked={form.register} onChange={(event) => set('register', event.currentTarget.checked)} /> Register the trained model as a version
        </label>

        <div id="training-form-error">
          <ErrorNote error={error} />
        </div>
        <div>
          <button type="submit" class="primary" disabled={busy}>
            {busy ? 'Starting…' : form.search.on ? 'Start search' : 'Start run'}
          </button>
        </div>
      </form>
    </section>
  );
}
