/**
 * A training run as a list of named stages, all pure core calls but the file read and the
 * onnxruntime parity check: load -> prepare (split, balance, features) -> baseline -> train
 * (or search) -> evaluate on the test split -> export ONNX -> parity (onnxruntime vs the JS
 * forward pass on raw test rows) -> profile (drift reference, probe). Runs inside the training
 * worker; registration happens back in the main thread.
 */
import { DEFAULT_OPSET, compareOutputs, encodeFeatures, exportNetwork, predictNetwork } from '../../core/onnx';
import { TrainingError, createRandom, encodeTable, trainWith, type TrainedNetwork } from '../../core/training';
import { prepareSplit, rawRows, readTable } from './training-data';
import { fitModel } from './training-fit';
import { evaluateBody, noSkillAnomalyMetrics } from './training-metrics';
import { numericOutputs, openOnnx } from './training-onnx';
import { buildProbe, buildReference, featureNames, probeRows } from './training-profile';
import { classReport, formatMetrics as fmt, stoppingLine } from './training-report';
import { encodeSets } from './training-sets';
import type { TrainingInput, TrainingOutcome, TrainingProgress, TrainingStage } from './training-types';

export interface PipelineReport {
  progress(progress: TrainingProgress): void;
  log(level: 'info' | 'warn' | 'error', message: string): void;
}

/** Where each stage starts on the 0..1 progress bar; training fills the gap up to `evaluating`. */
const STAGE_START: Partial<Record<TrainingStage, number>> = { loading: 0, preparing: 0.05, baseline: 0.1, training: 0.12, evaluating: 0.85, exporting: 0.88, parity: 0.91, profiling: 0.95 };
/** Most test rows the parity check runs (all of them on ordinary datasets). */
export const PARITY_MAX_ROWS = 5_000;
/** onnxruntime vs the JS forward pass: summation order and float32 rounding, nothing more. */
export const PARITY_TOLERANCE = { abs: 1e-4, rel: 1e-3 } as const;

export async function runTrainingPipeline(input: TrainingInput, report: PipelineReport): Promise<TrainingOutcome> {
  const { spec } = input;
  const stage = (name: TrainingStage): void => report.progress({ stage: name, progress: STAGE_START[name] ?? 0 });

  stage('loading');
  const table = await readTable(input.csvPath, input.columns);
  report.log('info', `loaded ${table.rows} rows x ${table.columns.length} columns from dataset ${spec.dataset.slice(0, 12)}`);

  stage('preparing');
  const prepared = prepareSplit(table, spec);
  const { split } = prepared;
  if (split.train.length === 0 || split.test.length === 0) {
    throw new TrainingError('E_INVALID_DATA', `too few rows with a target: ${split.train.length} train, ${split.test.length} test`, { train: split.train.length, test: split.test.length });
  }
  const sets = encodeSets(table, prepared, spec);
  report.log('info', `split ${split.train.length} / ${split.validation.length} / ${split.test.length} rows (seed ${spec.seed}); ${sets.data.train.width} encoded features; balance ${spec.balance}`);
  report.log('info', `features: ${spec.features.join(', ')}`);
  for (const left of spec.excludedFeatures) {
    report.log('warn', `feature "${left.column}" left out: it looks like an id (${left.reason}); name it in "features" to use it`);
  }

  stage('baseline');
  const baselineMetrics =
    spec.task === 'anomaly' ? noSkillAnomalyMetrics(sets.test) : evaluateBody(await trainWith('baseline', sets.baselineData, {}, { random: createRandom(spec.seed + 3) }), sets.test, spec.task);
  report.log('info', `baseline on the test split: ${fmt(baselineMetrics)}`);

  stage('training');
  const span = (STAGE_START.evaluating ?? 1) - (STAGE_START.training ?? 0);
  const at = (fraction: number): number => (STAGE_START.training ?? 0) + span * fraction;
  const fit = await fitModel(sets.data, spec, {
    onEpoch: (epoch, fraction) => report.progress({ stage: 'training', progress: at(fraction), epoch }),
    onTrial: (trial, fraction) => {
      report.progress({ stage: 'training', progress: at(fraction), trial });
      report.log('info', `trial ${trial.index}: ${JSON.stringify(trial.params)} -> ${fmt(trial.metrics)}`);
    },
  });

  if (fit.stopping !== undefined) {
    const line = stoppingLine(fit.stopping, fit.params['patience']);
    report.log(line.level, line.message);
  }

  stage('evaluating');
  const metrics = evaluateBody(fit.body, sets.test, spec.task);
  report.log('info', `${spec.trainer} on the test split: ${fmt(metrics)}`);
  if (sets.classes !== null) for (const line of classReport(metrics, sets.classes)) report.log('info', line);

  stage('exporting');
  const net: TrainedNetwork = { features: sets.features, ...fit.body };
  const onnx = exportNetwork(net, { producerVersion: input.codeVersion, docString: `trained by edgefleet training run ${input.runId}`, metadata: { 'edgefleet.training-run': input.runId, 'edgefleet.dataset': spec.dataset } });

  stage('parity');
  const session = await openOnnx(onnx);
  try {
    const raw = rawRows(table, featureNames(net), split.test.slice(0, PARITY_MAX_ROWS));
    const fromOrt = numericOutputs(await session.run(raw));
    const fromJs = predictNetwork(net, encodeFeatures(net.features, raw.numeric, raw.categorical), raw.rows);
    const parity = compareOutputs(fromOrt, fromJs, PARITY_TOLERANCE);
    if (!parity.ok) {
      const where = parity.problem ?? (parity.worst ? `output ${parity.worst.output}[${parity.worst.index}]: onnxruntime ${parity.worst.a}, expected ${parity.worst.b}` : 'unknown');
      throw Object.assign(new Error(`the exported ONNX model does not match the trained network on the test rows (${where})`), { code: 'E_PARITY' });
    }
    report.log('info', `parity: onnxruntime matches the trained network on ${raw.rows} test rows (max |diff| ${parity.maxAbsDiff.toExponential(2)})`);

    stage('profiling');
    const reference = buildReference(net, table, split.train, encodeTable(net.features, table, split.train));
    const probe = await buildProbe(session, probeRows(net, table, split.test));
    return {
      onnx,
      io: session.io,
      opset: DEFAULT_OPSET,
      probe,
      reference,
      params: fit.params,
      metrics,
      baselineMetrics,
      classes: sets.classes,
      rows: { train: split.train.length, validation: split.validation.length, test: split.test.length },
      parity: { rows: raw.rows, maxAbsDiff: parity.maxAbsDiff },
    };
  } finally {
    await session.release();
  }
}
