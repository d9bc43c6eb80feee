/**
 * Upload of a model version: stream to a temp file (capped), prove onnxruntime can load it, run
 * a probe (the first of its sample inputs when it names some, else seeded), optionally build its
 * drift reference from a sample dataset, then sign and store its release manifest. Nothing is
 * stored unless all pass.
 */
import { tensorToJson, type IoSpec, type Probe, type TensorJson } from '@edgefleet/protocol';
import { HubError } from '../../core/errors';
import { MAX_PROBE_JSON_BYTES, MAX_PROBE_OUTPUT_ELEMENTS, buildProbeInputs, defaultedProbeDims, shortFloat32, type ProbeHints } from '../../core/probe-inputs';
import { sampleFeeds, type SampleSet } from '../../core/tensor-files';
import { PROBE_TOLERANCE } from '../../core/release-manifest';
import { ModelLoadError, loadModel, readOpset } from '../../adapters/onnx-runtime';
import type { HubContext } from '../context';
import { usableDatasetRow } from '../lifecycle/datasets';
import { refuseTakenLabel } from '../lifecycle/versions';
import { planReferenceDataset, referenceFromDataset, type DatasetReference, type ReferenceDatasetOptions } from './reference-from-dataset';
import { registerVersion, type RegisterDeps } from './register-version';
import { loadSampleSet, requireSampleInputs } from './upload-sample-inputs';

export interface UploadInput {
  model: string;
  version: string | undefined;
  probe: ProbeHints;
  body: ReadableStream<Uint8Array> | null;
  contentLength: number | undefined;
  /** build the drift reference by running the model on this dataset (imports have none otherwise) */
  reference?: ReferenceDatasetOptions;
  /** id of stored sample inputs (upload-sample-inputs.ts): the probe, and later calibration and the int8 gate */
  samples?: string;
}

export interface SamplesSummary {
  id: string;
  count: number;
  inputs: string[];
  labels: boolean;
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
  /** the sample inputs the probe came from and quantization will use, null without ?samples= */
  samples: SamplesSummary | null;
  /** things that make later numbers less trustworthy, e.g. probe dims defaulted to 1 */
  warnings: string[];
}

const PROBE_HINT = 'pass ?probe={"<input>":{"dims":[...]}} with input dims the model accepts (and "data" for inputs that need exact values), or ?samples= with real inputs (the CLI: models upload --probe <file.json> or --samples <file.npy|.npz>)';

export type UploadDeps = RegisterDeps & Pick<HubContext, 'artifacts' | 'datasets' | 'maxModelBytes'>;

export async function uploadModel(ctx: UploadDeps, input: UploadInput, actor: string): Promise<UploadResult> {
  const { model, version } = input;
  // Cheap refusals before reading a byte of the body.
  if (version !== undefined) await refuseTakenLabel(ctx.db, model, version);
  if (input.contentLength !== undefined && input.contentLength > ctx.maxModelBytes) {
    throw new HubError('E_TOO_LARGE', `model file of ${input.contentLength} bytes exceeds the limit of ${ctx.maxModelBytes} bytes`);
  }
  // An unknown dataset or column is refused before the model is read, too.
  const plan = input.reference ? await planReferenceDataset(ctx, input.reference) : null;
  // A new reference is new use: an archived dataset takes none.
  if (plan) usableDatasetRow(plan.dataset, plan.dataset.id);
  if (input.samples !== undefined) await requireSampleInputs(ctx, input.samples);
  const staged = await ctx.artifacts.receive(input.body, ctx.maxModelBytes);
  try {
    const { io, probe, opset, samples, warnings } = await inspect(ctx, staged.tmpPath, staged.size, staged.sha256, input);
    // Built before signing: the reference travels inside the signed manifest.
    const reference = plan ? await referenceFromDataset(ctx, plan, staged.tmpPath, io) : null;
    await staged.commit();
    const params = {
      ...(reference ? { referenceDataset: reference.summary.dataset, referenceColumns: reference.summary.columns, referenceRows: reference.summary.rows } : {}),
      // Only the id: the samples stay a hash-addressed file, the manifest stays small.
      ...(samples ? { samples: samples.id, sampleCount: samples.count } : {}),
    };
    const lineage = Object.keys(params).length > 0 ? { source: 'upload', params } : undefined;
    const { manifest } = await registerVersion(ctx, { model, version, sha256: staged.sha256, size: staged.size, io, opset, probe, reference: reference?.profile ?? null, ...(lineage ? { lineage } : {}) }, actor);
    return { model, version: manifest.version, sha256: staged.sha256, size: staged.size, releaseCounter: manifest.releaseCounter, io, reference: reference?.summary ?? null, samples, warnings };
  } finally {
    await staged.discard();
  }
}

const isOutputRefusal = (error: HubError): boolean => typeof error.details === 'object' && error.details !== null && (error.details as { stage?: unknown }).stage === 'output';

/** The first sample of each input the samples cover, as probe tensors. */
function firstSample(set: SampleSet): Record<string, TensorJson> {
  const probe: Record<string, TensorJson> = {};
  for (const [name, tensor] of Object.entries(sampleFeeds(set, 0))) {
    const json = tensorToJson(tensor.type, tensor.data, tensor.dims);
    probe[name] = tensor.type === 'float32' ? { ...json, data: json.data.map((value) => (typeof value === 'number' ? shortFloat32(value) : value)) } : json;
  }
  return probe;
}

interface Inspection {
  io: UploadResult['io'];
  probe: Probe;
  opset: number | undefined;
  samples: SamplesSummary | null;
  warnings: string[];
}

async function inspect(ctx: Pick<HubContext, 'datasets'>, path: string, size: number, sha256: string, input: UploadInput): Promise<Inspection> {
  const hints: ProbeHints = input.probe;
  let loaded;
  try {
    loaded = await loadModel(path);
  } catch (error) {
    if (error instanceof ModelLoadError) throw new HubError('E_INVALID_MODEL', `not a loadable ONNX model: ${error.message}`, { cause: error });
    throw error;
  }
  try {
    const set = input.samples === undefined ? undefined : await loadSampleSet(ctx, input.samples, loaded.io.inputs);
    const given = set ? firstSample(set) : {};
    for (const name of Object.keys(given)) if (hints[name] !== undefined) throw new HubError('E_VALIDATION', `probe.${name}: the samples already give this input; drop it from ?probe=`);
    const inputs = buildProbeInputs(loaded.io.inputs, hints, sha256, given);
    let expected: Record<string, TensorJson>;
    try {
      // Outputs over the probe's limit are refused in the sandbox, before they reach the hub.
      expected = await loaded.run(inputs, { elements: MAX_PROBE_OUTPUT_ELEMENTS });
    } catch (error) {
      // The sandbox's verdicts (E_MODEL_RESOURCES: too much memory, time or output) stand; outputs
      // too large may only need smaller probe dims.
      if (error instanceof HubError && isOutputRefusal(error)) throw new HubError(error.code, `${error.message}; ${PROBE_HINT}`, { cause: error, details: error.details });
      if (error instanceof HubError) throw error;
      const message = error instanceof Error ? error.message : String(error);
      throw new HubError('E_PROBE_FAILED', `probe run failed: ${message}; ${PROBE_HINT}`, { cause: error });
    }
    const probe: Probe = { inputs, expected, tolerance: { ...PROBE_TOLERANCE } };
    const probeBytes = JSON.stringify(probe).length;
    if (probeBytes > MAX_PROBE_JSON_BYTES) throw new HubError('E_PROBE_FAILED', `the probe takes ${probeBytes} bytes of JSON (limit ${MAX_PROBE_JSON_BYTES}); ${PROBE_HINT}`);
    const opset = await readOpset(path, size);
    const samples = set && input.samples !== undefined ? { id: input.samples, count: set.count, inputs: set.inputs.map((covered) => covered.name), labels: set.labels !== undefined } : null;
    return { io: loaded.io, probe, opset, samples, warnings: defaultedProbeDims(loaded.io.inputs, hints, given) };
  } finally {
    await loaded.release();
  }
}
