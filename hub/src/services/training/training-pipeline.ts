/**
 * A training run as a list of named stages, all pure core calls but the file read and the
 * onnxruntime parity check: load -> prepare (split, balance, features) -> baseline -> train
 * (the run's params, or a finished search's best trial's) -> evaluate on the test split ->
 * export ONNX -> parity (onnxruntime vs the JS forward pass on raw test rows) -> profile (drift
 * reference, probe). A search trial is the first two stages and one fit scored on validation.
 * Runs inside the training worker; registration happens back in the main thread.
 */
import { DEFAULT_OPSET, compareOutputs, encodeFeatures, exportNetwork, predictNetwork } from '../../core/onnx';
import { TrainingError, createRandom, encodeTable, headlineMetrics, trainWith, type FeatureSpec, type TrainedNetwork } from '../../core/training';
import { prepareSplit, rawRows, readTable } from './training-data';
import { fitParams, fitTrial } from './training-fit';
import { evaluateBody, noSkillAnomalyMetrics } from './training-metrics';
import { numericOutputs, openOnnx } from './training-onnx';
import { buildProbe, buildReference, featureNames, probeRows } from './training-profile';
import { classReport, formatMetrics as fmt, stoppingLine } from './training-report';
import { encodeSets } from './training-sets';
import { feedsOf } from '../quantize/quantize-evaluation-set';
import { predictedOf } from '../derived/derived-fit';
import { fitDerived, judgeDerived, parentOf, type DerivedReport } from '../derived/derived-run';
import { STAGE_START, trainingProgressAt, type DerivedComparison, type TrainingInput, type TrainingOutcome, type TrainingProgress, type TrainingResult, type TrainingStage } from './training-types';

export interface PipelineReport {
  progress(progress: TrainingProgress): void;
  log(level: 'info' | 'warn' | 'error', message: string): void;
}

/** Most test rows the parity check runs (all of them on ordinary datasets). */
export const PARITY_MAX_ROWS = 5_000;
/** onnxruntime vs the JS forward pass: summation order and float32 rounding, nothing more. */
export const PARITY_TOLERANCE = { abs: 1e-4, rel: 1e-3 } as const;

/** The worker's task: the unit `input` names (a search trial, or the run). */
export async function runTrainingUnit(input: TrainingInput, report: PipelineReport): Promise<TrainingResult> {
  return input.unit.kind === 'trial' ? { kind: 'trial', metrics: await runSearchTrial(input, input.unit, report) } : { kind: 'run', outcome: await runTrainingPipeline(input, report) };
}

/** The split and the encoded sets, as every unit of the run rebuilds them (same bytes, spec and seed: same rows). */
async function prepareData(input: TrainingInput, report: PipelineReport, verbose: boolean, features?: FeatureSpec) {
  const { spec } = input;
  const table = await readTable(input.csvPath, input.columns);
  if (verbose) report.log('info', `loaded ${table.rows} rows x ${table.columns.length} columns from dataset ${spec.dataset.slice(0, 12)}`);
  if (verbose) report.progress({ stage: 'preparing', progress: STAGE_START.preparing ?? 0 });
  const prepared = prepareSplit(table, spec);
  const { split } = prepared;
  if (split.train.length === 0 || split.test.length === 0) {
    throw new TrainingError('E_INVALID_DATA', `too few rows with a target: ${split.train.length} train, ${split.test.length} test`, { train: split.train.length, test: split.test.length });
  }
  const sets = encodeSets(table, prepared, spec, features);
  if (verbose) {
    report.log('info', `split ${split.train.length} / ${split.validation.length} / ${split.test.length} rows (seed ${spec.seed}); ${sets.data.train.width} encoded features; balance ${spec.balance}`);
    report.log('info', `features: ${spec.features.join(', ')}`);
    for (const left of spec.excludedFeatures) {
      report.log('warn', `feature "${left.column}" left out: it looks like an id (${left.reason}); name it in "features" to use it`);
    }
  }
  return { table, split, sets };
}

/** One trial: its progress is the trial's own (0..1), its epochs tagged with its index. */
async function runSearchTrial(input: TrainingInput, unit: { index: number; params: Record<string, unknown> }, report: PipelineReport): Promise<Record<string, number>> {
  report.progress({ stage: 'training', progress: 0 });
  const { sets } = await prepareData(input, report, false);
  const trial = await fitTrial(sets.data, input.spec, unit.index, unit.params, (epoch, fraction) => report.progress({ stage: 'training', progress: fraction, epoch }));
  report.log('info', `trial ${trial.index}: ${JSON.stringify(trial.params)} -> ${fmt(trial.metrics)}`);
  return trial.metrics;
}

export async function runTrainingPipeline(input: TrainingInput, report: PipelineReport): Promise<TrainingOutcome> {
  const { spec } = input;
  const stage = (name: TrainingStage): void => report.progress({ stage: name, progress: STAGE_START[name] ?? 0 });

  stage('loading');
  // A pruned run encodes with its parent's preprocessing, exactly as the parent's graph holds it.
  const parent = await parentOf(input);
  const { table, split, sets } = await prepareData(input, report, true, parent?.network.features);
  const { unit } = input;
  if (unit.kind !== 'run') throw new Error('runTrainingPipeline runs a run, not a trial');

  stage('baseline');
  const baselineMetrics =
    spec.task === 'anomaly' ? noSkillAnomalyMetrics(sets.test) : evaluateBody(await trainWith('baseline', sets.baselineData, {}, { random: createRandom(spec.seed + 3) }), sets.test, spec.task);
  report.log('info', `baseline on the test split: ${fmt(baselineMetrics)}`);

  stage('training');
  const best = unit.best;
  if (best !== undefined) report.log('info', `refitting trial ${best.index}'s params (the best validation ${best.metric}, ${best.value.toFixed(4)}): ${JSON.stringify(unit.params)}`);
  // A search's epochs are its trials'; the refit repeats the best one's, so only its progress is reported.
  const derivedReport: DerivedReport = {
    training: (fraction, epoch) => report.progress({ stage: 'training', progress: trainingProgressAt(fraction), ...(epoch === undefined ? {} : { epoch }) }),
    log: (message) => report.log('info', message),
  };
  const derivedFit = spec.derive === null ? undefined : await fitDerived(input, parent, { table, split, sets }, derivedReport);
  const fit =
    derivedFit ??
    (await fitParams(sets.data, spec, unit.params, (epoch, fraction) => report.progress(best === undefined ? { stage: 'training', progress: trainingProgressAt(fraction), epoch } : { stage: 'training', progress: trainingProgressAt(fraction) })));

  if (best !== undefined) {
    const value = headlineMetrics(evaluateBody(fit.body, sets.data.validation, spec.task))[best.metric];
    // Same params, data and seed: the refit is the trial's network. A difference means nondeterminism somewhere.
    if (value !== best.value) report.log('warn', `the refit scores validation ${best.metric} ${String(value)}, trial ${best.index} scored ${best.value}: the model is not the trial's`);
  } else if (fit.stopping !== undefined) {
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

    let derived: DerivedComparison | undefined;
    if (derivedFit !== undefined) {
      stage('comparing');
      derived = await judgeDerived(
        input,
        derivedFit,
        {
          onnx,
          io: session.io,
          metrics,
          predicted: predictedOf(net, sets.test.x, sets.test.rows),
          feeds: feedsOf(rawRows(table, featureNames(net), split.test.slice(0, 64))),
          rows: sets.test.rows,
        },
        derivedReport.log,
      );
    }

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
      ...(derived === undefined ? {} : { derived }),
    };
  } finally {
    await session.release();
  }
}
