/**
 * POST /api/v1/models/{model}/versions/{version}/prune: a run that prunes a hub-trained version
 * and fine-tunes it on the parent's own training split (same dataset, features, seed and split,
 * so the test rows the gate compares on are the ones the parent was judged on). Checked here,
 * before anything is queued: the parent is a float network a training run exported (networks
 * read back from their ONNX file), not already quantized, and its run and dataset still exist.
 */
import { z } from 'zod';
import { getDataset } from '../../adapters/db/datasets';
import { getRun } from '../../adapters/db/training-runs';
import { versionExists } from '../../adapters/db/models';
import { HubError, conflict, validation } from '../../core/errors';
import { decodeModel } from '../../core/onnx';
import { networkFromOnnx } from '../../core/pruning';
import { versionLabelSchema } from '@edgefleet/protocol';
import type { HubContext } from '../context';
import { usableDatasetRow } from '../lifecycle/datasets';
import { loadSourceVersion } from '../quantize/quantize-source';
import { runIdOfSource } from '../training/training-evaluation';
import { trainingSpecSchema, type TrainingSpec } from '../training/training-types';

export const pruneRequestSchema = z.strictObject({
  method: z.enum(['structured', 'magnitude']).default('structured').describe('structured: remove whole hidden units (a smaller, faster graph); magnitude: zero the smallest weights (same graph; smaller once compressed)'),
  sparsity: z.number().gt(0).lt(1).optional().describe('structured: fraction of every hidden layer\'s units removed (default 0.5); magnitude: fraction of every layer\'s weights zeroed (default 0.8)'),
  fineTuneEpochs: z.number().int().min(0).max(200).default(3).describe("epochs of fine-tuning on the parent's training split after pruning (early stopping on its validation split)"),
  version: versionLabelSchema.optional().describe('label of the new version; default its release counter'),
  maxAccuracyLossPp: z.number().min(0).max(100).default(1).describe('largest accuracy loss against the parent, in percentage points (classifiers)'),
  maxMetricLossPp: z.number().min(0).max(100).default(1).describe("largest loss of the parent run's primary metric (pp; percent for errors)"),
  minAgreement: z.number().min(0).max(1).default(0.95).describe('regression: smallest share of test rows where pruned and parent predictions agree within 2%'),
});
export type PruneRequest = z.infer<typeof pruneRequestSchema>;

export async function resolvePruneRequest(ctx: Pick<HubContext, 'db' | 'artifacts'>, model: string, version: string, request: PruneRequest): Promise<TrainingSpec> {
  const source = await loadSourceVersion(ctx, model, version);
  const { manifest } = source;
  const name = `${model}@${manifest.version}`;
  if (manifest.quantization !== 'none') throw new HubError('E_VALIDATION', `${name} is quantized (${manifest.quantization}); prune its float parent ${manifest.lineage.parent ?? ''} and quantize the pruned version`.trim());
  const runId = runIdOfSource(manifest.lineage.source);
  if (runId === null) throw new HubError('E_VALIDATION', `${name} was not trained here (lineage source ${JSON.stringify(manifest.lineage.source ?? 'upload')}): pruning fine-tunes on the parent's training data; distil an uploaded model instead`);
  const run = await getRun(ctx.db, runId);
  if (!run) throw new HubError('E_VALIDATION', `${name}: its training run ${runId} is gone, and with it the split to fine-tune on`);
  usableDatasetRow(await getDataset(ctx.db, run.datasetId), run.datasetId);
  const parentSpec = trainingSpecSchema.parse(run.request);
  if (parentSpec.task === 'anomaly') throw new HubError('E_VALIDATION', `${name} is an anomaly detector; pruning fine-tunes classifiers and regressors`);
  // Read back now, so a graph that is not a plain network is refused before anything is queued.
  const network = networkFromOnnx(decodeModel(source.bytes));
  if (request.method === 'structured' && network.layers.length < 2) throw validation(`${name} has no hidden layer: structured pruning removes hidden units; use method "magnitude"`, [{ path: 'method', message: 'no hidden layer to prune' }]);
  if (request.version !== undefined && (await versionExists(ctx.db, model, request.version))) throw conflict(`${model}@${request.version} already exists`);
  const params = run.params !== null && typeof run.params === 'object' ? (run.params as Record<string, unknown>) : parentSpec.params;
  return {
    ...parentSpec,
    params,
    search: null,
    model,
    version: request.version ?? null,
    register: true,
    derive: {
      kind: 'prune',
      parent: name,
      parentSha256: source.row.sha256,
      method: request.method,
      sparsity: request.sparsity ?? (request.method === 'structured' ? 0.5 : 0.8),
      fineTuneEpochs: request.fineTuneEpochs,
      gate: { maxAccuracyLossPp: request.maxAccuracyLossPp, maxMetricLossPp: request.maxMetricLossPp, minAgreement: request.minAgreement },
    },
  };
}
