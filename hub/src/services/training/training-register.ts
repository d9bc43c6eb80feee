/**
 * Registration of a run's model, in the main thread: store the ONNX file, then one
 * registerVersion (counter, signed manifest with probe, drift reference and lineage, audit
 * 'model.version.trained'). Lineage metrics are the test-split metrics beside the baseline's.
 * A derived run (pruned, distilled) names its parent or teacher as `parent`, what it did under
 * `params.prune` / `params.distill`, and the comparison with the source among its metrics
 * (`sourceAccuracy`, `sizeRatio`, `latencyRatioBatch1`, `agreement`, ...).
 */
import type { ReleaseManifest } from '@edgefleet/protocol';
import type { HubContext } from '../context';
import { registerVersion, type RegisterDeps } from '../models/register-version';
import type { DerivedComparison, TrainingOutcome, TrainingSpec } from './training-types';

export const trainingSource = (runId: string): string => `training-run:${runId}`;

/** The comparison with the source as flat lineage metrics (finite numbers only). */
export function derivedMetrics(derived: DerivedComparison): Record<string, number> {
  const capital = (name: string): string => `${name.charAt(0).toUpperCase()}${name.slice(1)}`;
  const all: Record<string, number | undefined> = {
    ...Object.fromEntries(Object.entries(derived.source.metrics).map(([name, value]) => [`source${capital(name)}`, value])),
    size: derived.result.size,
    sourceSize: derived.source.size,
    sizeRatio: derived.result.sizeRatio,
    compressedSize: derived.result.compressedSize,
    sourceCompressedSize: derived.result.sourceCompressedSize,
    agreement: derived.result.agreement,
    latencyMsBatch1: derived.result.latencyMs.batch1,
    latencyMsBatch64: derived.result.latencyMs.batch64,
    sourceLatencyMsBatch1: derived.source.latencyMs.batch1,
    sourceLatencyMsBatch64: derived.source.latencyMs.batch64,
    latencyRatioBatch1: derived.result.latencyRatio.batch1,
    latencyRatioBatch64: derived.result.latencyRatio.batch64,
  };
  return Object.fromEntries(Object.entries(all).filter((entry): entry is [string, number] => typeof entry[1] === 'number' && Number.isFinite(entry[1])));
}

function derivedLineage(spec: TrainingSpec, outcome: TrainingOutcome): { parent?: string; params: Record<string, unknown>; metrics: Record<string, number>; action: string } {
  const derive = spec.derive;
  const comparison = outcome.derived;
  if (derive === null || comparison === undefined) return { params: {}, metrics: {}, action: 'model.version.trained' };
  const { gate, ...settings } = derive;
  const params = { [derive.kind]: { ...settings, gate, ...comparison.details } };
  return { parent: derive.kind === 'prune' ? derive.parent : derive.teacher, params, metrics: derivedMetrics(comparison), action: derive.kind === 'prune' ? 'model.version.pruned' : 'model.version.distilled' };
}

/** `parent`: the `model@version` a continuous-training run retrains (its lineage says so); a derived run names its own. */
export async function registerTrainedVersion(ctx: RegisterDeps & Pick<HubContext, 'artifacts' | 'codeVersion'>, runId: string, spec: TrainingSpec, outcome: TrainingOutcome, parent?: string): Promise<string> {
  const { sha256, size } = await ctx.artifacts.put(outcome.onnx);
  const derived = derivedLineage(spec, outcome);
  const parentName = derived.parent ?? parent;
  const lineage: ReleaseManifest['lineage'] = {
    dataset: spec.dataset,
    params: { trainer: spec.trainer, task: spec.task, target: spec.target, ...outcome.params, ...derived.params },
    metrics: { ...derived.metrics, ...outcome.metrics },
    baselineMetrics: outcome.baselineMetrics,
    source: trainingSource(runId),
    ...(parentName !== undefined ? { parent: parentName } : {}),
    codeVersion: ctx.codeVersion,
  };
  const { manifest } = await registerVersion(
    ctx,
    { model: spec.model, version: spec.version ?? undefined, sha256, size, io: outcome.io, opset: outcome.opset, probe: outcome.probe, reference: outcome.reference, lineage },
    trainingSource(runId),
    derived.action,
  );
  return manifest.version;
}
