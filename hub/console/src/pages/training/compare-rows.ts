/**
 * The compare table's rows, one column per run: what each run trained on, its params (as resolved
 * by the trainer, or as requested while not yet trained), its test metrics and the baseline's.
 * A row `differs` when the runs do not all hold the same value; in metric rows the best run is named.
 */
import { formatDuration, formatValue, isScore, lowerIsBetter, metricOrder, searchOf, type RunDetail } from './types';

export interface CompareRow {
  label: string;
  values: string[];
  differs: boolean;
  /** indices of the runs with the best value (metric rows whose values differ) */
  best: number[];
}

export interface CompareGroup {
  title: string;
  rows: CompareRow[];
}

function row(label: string, raw: readonly unknown[], text: (value: unknown) => string = formatValue): CompareRow {
  const keys = raw.map((value) => JSON.stringify(value ?? null));
  return { label, values: raw.map(text), differs: new Set(keys).size > 1, best: [] };
}

function metricRow(label: string, metric: string, raw: readonly (number | undefined)[]): CompareRow {
  const base = row(label, raw);
  const present = raw.filter((value): value is number => value !== undefined);
  if (!base.differs || present.length < 2 || !isScore(metric)) return base;
  const top = lowerIsBetter(metric) ? Math.min(...present) : Math.max(...present);
  return { ...base, best: raw.flatMap((value, i) => (value === top ? [i] : [])) };
}

const keysOf = (records: readonly (Record<string, unknown> | null | undefined)[]): string[] => [...new Set(records.flatMap((record) => Object.keys(record ?? {})))].sort();

const paramsOf = (run: RunDetail): Record<string, unknown> => {
  if (run.params !== null) return run.params;
  const requested = run.request['params'];
  return typeof requested === 'object' && requested !== null ? (requested as Record<string, unknown>) : {};
};

export function compareGroups(runs: readonly RunDetail[]): CompareGroup[] {
  const all = <T>(pick: (run: RunDetail) => T) => runs.map(pick);
  const search = (run: RunDetail) => {
    const spec = searchOf(run);
    return spec ? `${spec.kind} by ${spec.metric}: ${JSON.stringify(spec.space)}` : null;
  };
  const params = runs.map(paramsOf);
  const metricNames = keysOf(all((run) => run.metrics)).sort(metricOrder);
  const baselineNames = keysOf(all((run) => run.baselineMetrics)).sort(metricOrder);
  return [
    {
      title: 'Run',
      rows: [
        row('State', all((run) => run.status)),
        row('Dataset', all((run) => run.dataset.name ?? run.dataset.id)),
        row('Task', all((run) => run.task)),
        row('Target', all((run) => run.target)),
        row('Trainer', all((run) => run.trainer)),
        row('Features', all((run) => run.request['features']), (value) => (Array.isArray(value) ? value.join(', ') : formatValue(value))),
        row('Split', all((run) => run.request['split'])),
        row('Seed', all((run) => run.request['seed'])),
        row('Balance', all((run) => run.request['balance'])),
        row('Search', all(search)),
        row('Version produced', all((run) => (run.resultVersion ? `${run.resultVersion.model}@${run.resultVersion.version}` : null))),
        row('Duration', all((run) => run.durationMs), (value) => formatDuration(typeof value === 'number' ? value : null)),
      ],
    },
    { title: 'Params', rows: keysOf(params).map((key) => row(key, params.map((p) => p[key]))) },
    { title: 'Test metrics', rows: metricNames.map((name) => metricRow(name, name, all((run) => run.metrics?.[name]))) },
    { title: 'Baseline on the same test split', rows: baselineNames.map((name) => row(name, all((run) => run.baselineMetrics?.[name]))) },
  ];
}
