/**
 * The two stages a derived run adds to the training pipeline (training-pipeline.ts), in the
 * worker: `fitDerived` replaces the ordinary fit (prune or distill, derived-fit.ts), and
 * `judgeDerived` compares the exported result with its source on the test rows and applies the
 * quality gate: a result that fails it ends the run with E_QUALITY_GATE and the numbers, and
 * nothing is registered.
 */
import type { IoSpec } from '@edgefleet/protocol';
import { configureModelSandbox } from '../../adapters/model-sandbox/sandbox';
import { TrainingError, type Table, type TrainedNetwork } from '../../core/training';
import type { Feeds } from '../quantize/quantize-session';
import type { PreparedSplit } from '../training/training-data';
import type { FlatMetrics } from '../training/training-metrics';
import type { EncodedSets } from '../training/training-sets';
import type { DerivedComparison, EpochEntry, TrainingInput } from '../training/training-types';
import { compareDerived, timeModel, type Predicted } from './derived-comparison';
import { distilledFit, prunedFit, readParent, type DerivedFit } from './derived-fit';

export interface DerivedReport {
  /** 0..1 of the training stage */
  training(fraction: number, epoch?: EpochEntry): void;
  log(message: string): void;
}

function deriveOf(input: TrainingInput) {
  const { derive } = input.spec;
  if (derive === null || input.derive === undefined) throw new Error('not a derived run');
  configureModelSandbox(input.derive.sandbox);
  return { derive, path: input.derive.sourcePath };
}

/** A pruned run's parent, read before the split is encoded (its preprocessing encodes the rows). */
export async function parentOf(input: TrainingInput): Promise<{ bytes: Uint8Array; network: TrainedNetwork } | undefined> {
  if (input.spec.derive?.kind !== 'prune' || input.derive === undefined) return undefined;
  return readParent(input.derive.sourcePath);
}

export async function fitDerived(
  input: TrainingInput,
  parent: { bytes: Uint8Array; network: TrainedNetwork } | undefined,
  data: { table: Table; split: PreparedSplit['split']; sets: EncodedSets },
  report: DerivedReport,
): Promise<DerivedFit> {
  const { derive, path } = deriveOf(input);
  const log = (message: string): void => report.log(message);
  if (derive.kind === 'prune') {
    if (parent === undefined) throw new Error('a pruned run reads its parent first');
    return prunedFit(input.spec, derive, parent, data.sets, (epoch, fraction) => report.training(fraction, epoch), log);
  }
  if (input.derive?.teacherIo === undefined) throw new Error('a distilled run needs its teacher\'s inputs and outputs');
  // The teacher's pass over the rows is the first fifth of the training stage; the student's epochs the rest.
  return distilledFit(
    { spec: input.spec, derive, teacherPath: path, teacherIo: input.derive.teacherIo, ...data },
    (fraction) => report.training(0.2 * fraction),
    (epoch, fraction) => report.training(0.2 + 0.8 * fraction, epoch),
    log,
  );
}

export interface JudgedResult {
  onnx: Uint8Array;
  io: { inputs: IoSpec[]; outputs: IoSpec[] };
  metrics: FlatMetrics;
  predicted: Predicted;
  /** test rows as the result's inputs, for timing */
  feeds: Feeds;
  /** how many test rows the metrics and agreement cover */
  rows: number;
}

export async function judgeDerived(input: TrainingInput, fit: DerivedFit, result: JudgedResult, log: (message: string) => void): Promise<DerivedComparison> {
  const { derive } = deriveOf(input);
  const resultLatency = await timeModel(result.onnx, result.feeds, result.io.inputs);
  // A parent takes the same inputs as its pruned child: timed on the same rows.
  const sourceLatency = fit.source.latencyMs ?? (await timeModel(fit.source.bytes, result.feeds, result.io.inputs));
  const names = derive.kind === 'prune' ? { result: 'pruned', source: 'parent' } : { result: 'student', source: 'teacher' };
  const { comparison, verdict } = compareDerived(
    input.spec.task,
    input.spec.metric,
    { version: derive.kind === 'prune' ? derive.parent : derive.teacher, bytes: fit.source.bytes, metrics: fit.source.metrics, predicted: fit.source.predicted, latencyMs: sourceLatency },
    { version: '', bytes: result.onnx, metrics: result.metrics, predicted: result.predicted, latencyMs: resultLatency },
    derive.gate,
    names,
    fit.details,
  );
  const pct = (value: number | undefined): string => (value === undefined ? '-' : `${(value * 100).toFixed(2)}%`);
  log(
    `${names.result} vs ${names.source} on ${result.rows} test rows: accuracy ${pct(comparison.result.metrics['accuracy'])} vs ${pct(comparison.source.metrics['accuracy'])}, agreement ${pct(comparison.result.agreement)}, size ${comparison.result.size} vs ${comparison.source.size} bytes (${comparison.result.sizeRatio}x; gzip ${comparison.result.compressedSize} vs ${comparison.result.sourceCompressedSize}), latency batch 1 ${comparison.result.latencyMs.batch1} vs ${comparison.source.latencyMs.batch1} ms${comparison.result.latencyMs.batch64 === undefined ? '' : `, batch 64 ${comparison.result.latencyMs.batch64} vs ${comparison.source.latencyMs.batch64 ?? '-'} ms`}`,
  );
  if (!verdict.pass) {
    const numbers = Object.fromEntries(Object.entries({ ...verdict.measured, ...verdict.limit }).map(([k, v]) => [k, v]));
    throw new TrainingError('E_QUALITY_GATE', `${verdict.reason}; nothing was registered`, numbers);
  }
  return comparison;
}
