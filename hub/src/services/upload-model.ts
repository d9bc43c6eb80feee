/**
 * Upload of a model version: stream to a temp file (capped), prove onnxruntime can load it, run
 * a seeded probe, optionally build its drift reference from a sample dataset, then sign and store
 * its release manifest. Nothing is stored unless all pass.
 */
import type { IoSpec, Probe, TensorJson } from '@edgefleet/protocol';
import { HubError, conflict } from '../core/errors';
import { buildProbeInputs, elementCount, type ProbeHints } from '../core/probe-inputs';
import { PROBE_TOLERANCE } from '../core/release-manifest';
import { versionExists } from '../adapters/db/models';
import { ModelLoadError, loadModel, readOpset } from '../adapters/onnx-runtime';
import type { HubContext } from './context';
import { planReferenceDataset, referenceFromDataset, type DatasetReference, type ReferenceDatasetOptions } from './reference-from-dataset';
import { registerVersion } from './register-version';

export interface UploadInput {
  model: string;
  version: string | undefined;
  probe: ProbeHints;
  body: ReadableStream<Uint8Array> | null;
  contentLength: number | undefined;
  /** build the drift reference by running the model on this dataset (imports have none otherwise) */
  reference?: ReferenceDatasetOptions;
}

export interface UploadResult {
  model: string;
  version: string;
  sha256: string;
  size: number;
  releaseCounter: number;
  io: { inputs: IoSpec[]; outputs: IoSpec[] };
  /** what the reference profile was built from, null without a reference dataset */
  reference: DatasetReference['summary'] | null;
}

/** Expected outputs ride in the signed manifest over MQTT: keep them small. */
const MAX_PROBE_OUTPUT_ELEMENTS = 65_536;
const PROBE_HINT = 'pass ?probe={"<input>":{"dims":[...]}} with input dims the model accepts (and "data" for inputs that need exact values)';

export async function uploadModel(ctx: HubContext, input: UploadInput, actor: string): Promise<UploadResult> {
  const { model, version } = input;
  // Cheap refusals before reading a byte of the body.
  if (version !== undefined && versionExists(ctx.db, model, version)) throw conflict(`${model}@${version} already exists`);
  if (input.contentLength !== undefined && input.contentLength > ctx.maxModelBytes) {
    throw new HubError('E_TOO_LARGE', `model file of ${input.contentLength} bytes exceeds the limit of ${ctx.maxModelBytes} bytes`);
  }
  // An unknown dataset or column is refused before the model is read, too.
  const plan = input.reference ? planReferenceDataset(ctx, input.reference) : null;
  const staged = await ctx.artifacts.receive(input.body, ctx.maxModelBytes);
  try {
    const { io, probe, opset } = await inspect(staged.tmpPath, staged.size, staged.sha256, input.probe);
    // Built before signing: the reference travels inside the signed manifest.
    const reference = plan ? await referenceFromDataset(ctx, plan, staged.tmpPath, io) : null;
    await staged.commit();
    const lineage = reference ? { source: 'upload', params: { referenceDataset: reference.summary.dataset, referenceColumns: reference.summary.columns, referenceRows: reference.summary.rows } } : undefined;
    const { manifest } = await registerVersion(ctx, { model, version, sha256: staged.sha256, size: staged.size, io, opset, probe, reference: reference?.profile ?? null, ...(lineage ? { lineage } : {}) }, actor);
    return { model, version: manifest.version, sha256: staged.sha256, size: staged.size, releaseCounter: manifest.releaseCounter, io, reference: reference?.summary ?? null };
  } finally {
    await staged.discard();
  }
}

async function inspect(path: string, size: number, sha256: string, hints: ProbeHints): Promise<{ io: UploadResult['io']; probe: Probe; opset: number | undefined }> {
  let loaded;
  try {
    loaded = await loadModel(path);
  } catch (error) {
    if (error instanceof ModelLoadError) throw new HubError('E_INVALID_MODEL', `not a loadable ONNX model: ${error.message}`, { cause: error });
    throw error;
  }
  try {
    const inputs = buildProbeInputs(loaded.io.inputs, hints, sha256);
    let expected: Record<string, TensorJson>;
    try {
      expected = await loaded.run(inputs);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new HubError('E_PROBE_FAILED', `probe run failed: ${message}; ${PROBE_HINT}`, { cause: error });
    }
    const outputElements = Object.values(expected).reduce((n, tensor) => n + elementCount(tensor.dims), 0);
    if (outputElements > MAX_PROBE_OUTPUT_ELEMENTS) {
      throw new HubError('E_PROBE_FAILED', `probe outputs hold ${outputElements} elements (limit ${MAX_PROBE_OUTPUT_ELEMENTS}); ${PROBE_HINT}`);
    }
    const opset = await readOpset(path, size);
    return { io: loaded.io, probe: { inputs, expected, tolerance: { ...PROBE_TOLERANCE } }, opset };
  } finally {
    await loaded.release();
  }
}
