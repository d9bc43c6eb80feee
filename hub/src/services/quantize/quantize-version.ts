/**
 * Quantize a registered version into a new, signed one, as named stages:
 *   [loadSource, planEvaluation, quantize, measure (fp32 and int8), qualityGate, store, probe, register]
 * Nothing is stored unless the int8 model passes the gate (E_QUALITY_GATE, with the numbers);
 * a model the mode cannot touch is refused by the quantizer itself (E_NOT_QUANTIZABLE).
 * Static int8 needs real inputs to calibrate on (a training run's rows, or the sample inputs or
 * reference dataset its upload brought): ranges taken from synthetic inputs fit no real input,
 * and agreement measured on those same inputs hides it, so it is refused (E_NOT_QUANTIZABLE).
 * The other modes may still be judged on synthetic inputs; the reply (`evaluationData`,
 * `warnings`) and the manifest (`lineage.params.quantize.evaluationData`) then say so.
 */
import type { ReleaseManifest } from '@edgefleet/protocol';
import { HubError, conflict } from '../../core/errors';
import type { Agreement } from '../../core/quantize/output-agreement';
import type { QuantizeReport, QuantizeResult } from '../../core/quantize/quantize-report';
import { qualityGate, type GateMeasurement, type GateVerdict } from '../../core/quantize/quality-gate';
import { QuantizeError } from '../../core/quantize/quantize-error';
import { versionExists } from '../../adapters/db/models';
import { readOpset } from '../../adapters/onnx-runtime';
import type { HubContext } from '../context';
import { registerVersion, type RegisterDeps } from '../models/register-version';
import { applyQuantization, calibrateStatic, type QuantizeSettings } from './quantize-apply';
import { accuracyFallback, type Judged } from './quantize-fallback';
import { agreementOf, measure, planEvaluation, type EvaluationData, type EvaluationPlan, type Measurement } from './quantize-evaluation';
import { evaluationSetFor } from './quantize-evaluation-set';
import { quantizedProbe } from './quantize-probe';
import { realSamplesFor } from './quantize-samples';
import { loadSourceVersion } from './quantize-source';

export interface QuantizeRequest extends QuantizeSettings {
  model: string;
  /** the source version */
  version: string;
  /** label of the new version; default its release counter */
  label?: string;
  /** default 1 percentage point (labelled data) */
  maxAccuracyLossPp?: number;
  /** default 0.99 (unlabelled data) */
  minAgreement?: number;
  /** largest loss of the primary metric (macro-F1 by default for classifiers); default 1 percentage point */
  maxMetricLossPp?: number;
}

export interface QuantizeSide {
  size: number;
  accuracy?: number;
  agreement?: number;
  /** the primary metric and companions (e.g. macroF1) on the same rows, when labels allow */
  metrics?: Record<string, number>;
  latencyMs: Measurement['latencyMs'];
}

export interface QuantizeOutcome {
  model: string;
  version: string;
  sha256: string;
  quantization: ReleaseManifest['quantization'];
  source: QuantizeSide & { version: string };
  result: QuantizeSide & { sizeRatio: number; maxAbsDiff: Record<string, number>; agreementRule: Agreement['rule']; evaluatedOn: string; evaluationData: EvaluationData };
  /** what makes these numbers less trustworthy (synthetic inputs) */
  warnings: string[];
  report: QuantizeReport;
}

const SYNTHETIC_WARNING =
  'agreement was measured on synthetic inputs shaped like the probe, not on real data: it says little about real inputs; upload the version with ?samples= (a .npy/.npz of real inputs; CLI --samples) or ?referenceDataset= (--reference-dataset) for trustworthy numbers';

/** What the gate saw of one int8 candidate. */
interface JudgedInt8 {
  int8: Measurement;
  agreement: Agreement;
  verdict: GateVerdict;
}

const round = (value: number, digits = 6): number => Number(value.toFixed(digits));

function gateInput(source: Measurement, result: Measurement, agreement: Agreement, plan: EvaluationPlan): GateMeasurement {
  const metric = plan.primaryMetric?.name;
  const sourceValue = metric === undefined ? undefined : source.metrics[metric];
  const resultValue = metric === undefined ? undefined : result.metrics[metric];
  const primary = metric !== undefined && sourceValue !== undefined && resultValue !== undefined ? { primary: { metric, source: sourceValue, result: resultValue } } : {};
  if (source.accuracy !== undefined && result.accuracy !== undefined) return { kind: 'accuracy', source: source.accuracy, result: result.accuracy, ...primary };
  return { kind: 'agreement', result: agreement.agreement, ...primary };
}

const roundedMetrics = (metrics: Record<string, number>): Record<string, number> | undefined =>
  Object.keys(metrics).length === 0 ? undefined : Object.fromEntries(Object.entries(metrics).filter((entry) => Number.isFinite(entry[1])).map(([name, value]) => [name, round(value)]));

function lineageMetrics(outcome: Pick<QuantizeOutcome, 'source' | 'result'>): Record<string, number> {
  const metrics: Record<string, number | undefined> = {
    // the primary metric and companions first, so the fixed names below win any clash
    ...outcome.result.metrics,
    ...Object.fromEntries(Object.entries(outcome.source.metrics ?? {}).map(([name, value]) => [`source${name.charAt(0).toUpperCase()}${name.slice(1)}`, value])),
    size: outcome.result.size,
    sizeRatio: outcome.result.sizeRatio,
    accuracy: outcome.result.accuracy,
    sourceAccuracy: outcome.source.accuracy,
    agreement: outcome.result.agreement,
    latencyMsBatch1: outcome.result.latencyMs.batch1,
    latencyMsBatch64: outcome.result.latencyMs.batch64,
    sourceLatencyMsBatch1: outcome.source.latencyMs.batch1,
    sourceLatencyMsBatch64: outcome.source.latencyMs.batch64,
  };
  return Object.fromEntries(Object.entries(metrics).filter((entry): entry is [string, number] => typeof entry[1] === 'number' && Number.isFinite(entry[1])));
}

export type QuantizeDeps = RegisterDeps & Pick<HubContext, 'artifacts' | 'datasets' | 'codeVersion'>;

export async function quantizeVersion(ctx: QuantizeDeps, request: QuantizeRequest, actor: string): Promise<QuantizeOutcome> {
  const { model, mode } = request;
  if (request.label !== undefined && (await versionExists(ctx.db, model, request.label))) throw conflict(`${model}@${request.label} already exists`);
  const source = await loadSourceVersion(ctx, model, request.version);
  const { manifest } = source;
  if (manifest.quantization !== 'none') {
    throw new HubError('E_VALIDATION', `${model}@${request.version} is already quantized (${manifest.quantization}); quantize its parent ${manifest.lineage.parent ?? ''}`.trim());
  }

  const found = await evaluationSetFor(ctx, manifest.lineage.source, mode === 'int8-static');
  const real = found.set ? undefined : await realSamplesFor(ctx, manifest);
  const plan = planEvaluation(manifest.io, manifest.probe, source.row.sha256, found.set, found.notes, real);
  if (mode === 'int8-static' && plan.data === 'synthetic') {
    throw new QuantizeError(
      'E_NOT_QUANTIZABLE',
      `${model}@${request.version} int8-static: no real inputs to calibrate on (the version was neither trained here nor uploaded with ?samples= or ?referenceDataset=); ranges from synthetic inputs do not fit real ones, so nothing was quantized. Upload it again with ?samples=<id of a .npy/.npz stored with POST /api/v1/sample-inputs>, or use int8-weight-only`,
      { details: { mode, evaluationData: plan.data } },
    );
  }
  const staticQuantizer = mode === 'int8-static' ? await calibrateStatic(source.bytes, request, plan.calibration) : undefined;
  let quantized = staticQuantizer ? staticQuantizer() : await applyQuantization(source.bytes, request, plan.calibration);
  // int8 adds quantization nodes and scales: on a model whose weights are tiny, that outweighs
  // what the weights save, and a bigger, less exact file is never worth registering.
  if (quantized.model.length >= source.bytes.length) {
    throw new QuantizeError('E_NOT_QUANTIZABLE', `${model}@${request.version} ${mode}: the int8 file would be ${quantized.model.length} bytes, not smaller than the ${source.bytes.length}-byte source (its weights are too small for int8 to pay off); nothing was stored`, {
      details: { sourceBytes: source.bytes.length, resultBytes: quantized.model.length },
    });
  }

  const fp32 = await measure(source.bytes, plan);
  const limits = { maxAccuracyLossPp: request.maxAccuracyLossPp ?? 1, minAgreement: request.minAgreement ?? 0.99, maxMetricLossPp: request.maxMetricLossPp ?? 1 };
  const judge = async (result: QuantizeResult): Promise<Judged<JudgedInt8>> => {
    const int8 = await measure(result.model, plan, { timeFolded: mode !== 'int8-dynamic' });
    const agreement = agreementOf(fp32, int8, plan);
    const verdict = qualityGate(gateInput(fp32, int8, agreement, plan), limits);
    return { result, pass: verdict.pass, detail: { int8, agreement, verdict } };
  };
  let judged = await judge(quantized);
  let keptFloat: string[] = [];
  if (!judged.pass && staticQuantizer && request.accuracyFallback !== false) {
    const fallback = await accuracyFallback({ quantize: staticQuantizer, first: quantized, sourceBytes: source.bytes, calibration: plan.calibration, primary: plan.primary, judge, logger: ctx.logger });
    plan.notes.push(...fallback.notes);
    if (fallback.last?.pass) {
      judged = fallback.last;
      quantized = judged.result;
      keptFloat = fallback.keptFloat;
    }
  }
  const { int8, agreement, verdict } = judged.detail;

  const sourceMetrics = roundedMetrics(fp32.metrics);
  const resultMetrics = roundedMetrics(int8.metrics);
  const sourceSide: QuantizeOutcome['source'] = {
    version: manifest.version,
    size: source.row.size,
    latencyMs: fp32.latencyMs,
    ...(fp32.accuracy === undefined ? { agreement: 1 } : { accuracy: round(fp32.accuracy) }),
    ...(sourceMetrics ? { metrics: sourceMetrics } : {}),
  };
  const resultSide: QuantizeOutcome['result'] = {
    size: quantized.model.length,
    sizeRatio: round(quantized.model.length / source.row.size),
    ...(int8.accuracy === undefined ? {} : { accuracy: round(int8.accuracy) }),
    ...(resultMetrics ? { metrics: resultMetrics } : {}),
    agreement: round(agreement.agreement),
    agreementRule: agreement.rule,
    maxAbsDiff: agreement.maxAbsDiff,
    evaluatedOn: `${plan.data === 'synthetic' ? 'synthetic (not real data)' : plan.data}: ${plan.runs.length} run(s), ${agreement.rows} row(s) of ${agreement.output}`,
    evaluationData: plan.data,
    latencyMs: int8.latencyMs,
  };
  const warnings = plan.data === 'synthetic' ? [SYNTHETIC_WARNING] : [];
  if (!verdict.pass) {
    throw new HubError('E_QUALITY_GATE', `${model}@${request.version} ${mode}: ${verdict.reason}; nothing was stored`, {
      details: { mode, measured: verdict.measured, limit: verdict.limit, source: sourceSide, result: resultSide, notes: plan.notes, warnings },
    });
  }

  const stored = await ctx.artifacts.put(quantized.model);
  const { probe, io } = await quantizedProbe(ctx.artifacts.pathOf(stored.sha256), manifest.probe);
  quantized.report.notes.push(...plan.notes, ...warnings);
  const outcome = { source: sourceSide, result: resultSide };
  const lineage: ReleaseManifest['lineage'] = {
    parent: `${model}@${manifest.version}`,
    source: `quantize:${mode}`,
    metrics: lineageMetrics(outcome),
    ...(manifest.lineage.dataset ? { dataset: manifest.lineage.dataset } : {}),
    params: {
      ...manifest.lineage.params,
      // Signed with the release: whether its agreement and accuracy speak for real inputs.
      quantize: { mode, perChannel: request.perChannel ?? null, calibration: request.calibration ?? null, ...(request.depthwise ? { depthwise: request.depthwise } : {}), ...(request.activations ? { activations: request.activations } : {}), ...(keptFloat.length > 0 ? { keptFloat } : {}), evaluationData: plan.data, ...(plan.data === 'synthetic' ? { warning: SYNTHETIC_WARNING } : {}) },
    },
    codeVersion: ctx.codeVersion,
  };
  const registered = await registerVersion(
    ctx,
    { model, version: request.label, sha256: stored.sha256, size: stored.size, io, opset: await readOpset(ctx.artifacts.pathOf(stored.sha256), stored.size), probe, quantization: mode, reference: manifest.reference, lineage },
    actor,
    'model.version.quantized',
  );
  return { model, version: registered.manifest.version, sha256: stored.sha256, quantization: mode, ...outcome, warnings, report: quantized.report };
}
