/**
 * Registration of a run's model, in the main thread: store the ONNX file, then one
 * registerVersion (counter, signed manifest with probe, drift reference and lineage, audit
 * 'model.version.trained'). Lineage metrics are the test-split metrics beside the baseline's.
 */
import type { ReleaseManifest } from '@edgefleet/protocol';
import type { HubContext } from '../context';
import { registerVersion, type RegisterDeps } from '../models/register-version';
import type { TrainingOutcome, TrainingSpec } from './training-types';

export const trainingSource = (runId: string): string => `training-run:${runId}`;

/** `parent`: the `model@version` a continuous-training run retrains (its lineage says so). */
export async function registerTrainedVersion(ctx: RegisterDeps & Pick<HubContext, 'artifacts' | 'codeVersion'>, runId: string, spec: TrainingSpec, outcome: TrainingOutcome, parent?: string): Promise<string> {
  const { sha256, size } = await ctx.artifacts.put(outcome.onnx);
  const lineage: ReleaseManifest['lineage'] = {
    dataset: spec.dataset,
    params: { trainer: spec.trainer, task: spec.task, target: spec.target, ...outcome.params },
    metrics: outcome.metrics,
    baselineMetrics: outcome.baselineMetrics,
    source: trainingSource(runId),
    ...(parent !== undefined ? { parent } : {}),
    codeVersion: ctx.codeVersion,
  };
  const { manifest } = await registerVersion(
    ctx,
    { model: spec.model, version: spec.version ?? undefined, sha256, size, io: outcome.io, opset: outcome.opset, probe: outcome.probe, reference: outcome.reference, lineage },
    trainingSource(runId),
    'model.version.trained',
  );
  return manifest.version;
}
