/** Readable views of training runs and their progress. Pure. */
import type { TrainingLogs, TrainingRun, TrainingRunList } from '../api-types';
import { clock, duration, keyValues, num, percent, table, time, shortTime } from '../output';

type RunSummary = TrainingRunList['runs'][number];

export const isFinished = (status: string): boolean => status === 'succeeded' || status === 'failed' || status === 'cancelled';

const metricText = (m: RunSummary['metric']): string => (m.value === null ? '-' : `${m.name} ${num(m.value, 4)}${m.baseline === null ? '' : ` (baseline ${num(m.baseline, 4)})`}`);
const resultText = (r: RunSummary['resultVersion']): string => (r ? `${r.model}@${r.version}` : '-');

/** `succeeded`, or while it runs, its stage and share done: `training 45%`. */
const statusText = (r: RunSummary): string => (r.status === 'running' ? `${r.stage} ${percent(r.progress, 0)}` : r.status);

export function runsTable(runs: readonly RunSummary[], width: number): string[] {
  if (runs.length === 0) return ['No training runs.'];
  return table(
    ['ID', 'STATUS', 'DATASET', 'RESULT', 'METRIC', 'CREATED'],
    runs.map((r) => [r.id.slice(0, 8), statusText(r), r.dataset.name ?? r.dataset.id.slice(0, 12), resultText(r.resultVersion), r.metric.value === null ? '-' : `${r.metric.name} ${num(r.metric.value, 3)}`, shortTime(r.createdAt)]),
    { width },
  );
}

const metricsText = (metrics: Record<string, number> | null): string =>
  metrics === null
    ? '-'
    : Object.entries(metrics)
        .filter(([name]) => !name.includes('['))
        .map(([name, value]) => `${name} ${num(value, 4)}`)
        .join(', ');

export function runView(r: TrainingRun, width: number): string[] {
  const last = r.epochs.at(-1);
  return keyValues(
    [
      ['id', r.id],
      ['status', r.status],
      ['stage', `${r.stage} (${percent(r.progress, 0)})`],
      ['dataset', `${r.dataset.name ?? '-'} ${r.dataset.id}`],
      ['task', `${r.task}, target ${r.target}, trainer ${r.trainer}`],
      ['model', r.model],
      ['result', resultText(r.resultVersion)],
      ['metric', `${metricText(r.metric)}${r.metric.beatsBaseline === null ? '' : r.metric.beatsBaseline ? ', beats the baseline' : ', does NOT beat the baseline'}`],
      ['test metrics', metricsText(r.metrics)],
      ['epochs', last ? `${r.epochs.length} (last loss ${num(last.loss, 4)}${last.valLoss === undefined ? '' : `, val ${num(last.valLoss, 4)}`})` : '-'],
      ['trials', String(r.trials.length)],
      ['error', r.error ? `${r.error.code} ${r.error.message}` : '-'],
      ['created', time(r.createdAt)],
      ['took', r.durationMs === null ? (r.startedAt ? `running since ${time(r.startedAt)}` : '-') : duration(r.durationMs)],
    ],
    width,
  );
}

/** What the progress display shows: stage, percent, the latest epoch and its losses. */
export function progressLabel(r: Pick<TrainingRun, 'stage' | 'epochs'>): string {
  const last = r.epochs.at(-1);
  const epoch = last ? ` epoch ${last.epoch}${last.trial === undefined ? '' : ` (trial ${last.trial})`} loss ${num(last.loss, 4)}${last.valLoss === undefined ? '' : ` val ${num(last.valLoss, 4)}`}` : '';
  return `${r.stage}${epoch}`;
}

/** One progress line for logs and pipes: `[ 45%] training epoch 12 loss 0.1234`. */
export const progressLine = (r: Pick<TrainingRun, 'stage' | 'epochs' | 'progress'>): string => `[${percent(r.progress, 0).padStart(4)}] ${progressLabel(r)}`;

export const logLine = (l: TrainingLogs['logs'][number]): string => `${clock(l.at)} ${l.level.padEnd(5)} ${l.message}`;

/** The last lines of a watch. */
export function runOutcome(r: TrainingRun): string[] {
  if (r.status === 'succeeded') return [`Run ${r.id} succeeded: ${r.resultVersion ? resultText(r.resultVersion) : 'not registered'}, ${metricText(r.metric)}.`, `Test metrics: ${metricsText(r.metrics)}`];
  return [`Run ${r.id} ${r.status}${r.error ? `: ${r.error.code} ${r.error.message}` : ''}.`];
}
