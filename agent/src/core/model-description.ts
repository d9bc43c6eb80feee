/**
 * GET /v1/model: what the serving model takes and gives, and a request body POST /v1/predict
 * accepts as it is. Pure: the release manifest (and its probe's inputs, when at hand) in, JSON out.
 *
 * The example is the probe's inputs when they are small: the model ran on exactly those when it
 * was installed and gave the answer its manifest expects, so they are valid values, not merely
 * valid shapes (a Silero VAD needs `sr` 16000 or 8000; zeros would not do). Otherwise zeros with
 * the probe's dims (shapes the model ran), or with the model's dims and each symbolic dim set to 1.
 */
import type { IoSpec, ReferenceProfile, ReleaseManifest, TensorJson } from '@edgefleet/protocol';
import { elementCount, isTypedTensorType, PROBABILITIES_OUTPUT } from '@edgefleet/device-core';

/**
 * One column of an input's last dimension, for a model that names its features (every model the
 * hub trains, and uploads with a reference dataset): without it a caller cannot tell which column
 * of `numeric` is the temperature.
 */
export interface ColumnDescription {
  index: number;
  name: string;
  kind: 'numeric' | 'categorical';
  /** a categorical column's values seen in training (the model takes other strings too, as unseen) */
  categories?: string[];
}

/** One input or output: fixed dims as numbers, symbolic ones by name, unnamed ones as null. */
export interface TensorDescription {
  name: string;
  type: IoSpec['type'];
  dims: Array<number | string | null>;
  /** inputs of a model that names its features: what each column of the last dimension is, by index */
  columns?: ColumnDescription[];
  /**
   * outputs of a classifier: the class names by index (a class-index output's values, a score
   * output's columns)
   */
  classes?: string[];
}

export interface ModelDescription {
  model: string;
  version: string;
  sha256: string;
  releaseCounter: number;
  quantization: ReleaseManifest['quantization'];
  createdAt: string;
  inputs: TensorDescription[];
  outputs: TensorDescription[];
  /** a POST /v1/predict body; null when an input's type cannot be sent as JSON (float16) */
  exampleRequest: { inputs: Record<string, TensorJson> } | null;
  /** where the example's values come from */
  exampleSource: 'probe' | 'zeros' | null;
}

/** Probes with more elements than this give their dims to the example, not their values (a GET stays small). */
export const EXAMPLE_MAX_PROBE_ELEMENTS = 16_384;
/** An example larger than this is left out: a description of zeros is no use at that size. */
export const EXAMPLE_MAX_ELEMENTS = 1_048_576;

export function describeModel(release: ReleaseManifest, probeInputs: Readonly<Record<string, TensorJson>> | null): ModelDescription {
  const example = exampleRequest(release.io.inputs, probeInputs);
  return {
    model: release.model,
    version: release.version,
    sha256: release.artifact.sha256,
    releaseCounter: release.releaseCounter,
    quantization: release.quantization,
    createdAt: release.createdAt,
    inputs: release.io.inputs.map((spec) => withColumns(describeTensor(spec), release.reference)),
    outputs: release.io.outputs.map((spec) => withClasses(describeTensor(spec), release.reference)),
    exampleRequest: example && { inputs: example.inputs },
    exampleSource: example?.source ?? null,
  };
}

const describeTensor = (spec: IoSpec): TensorDescription => ({
  name: spec.name,
  type: spec.type,
  // A 0 in a recorded shape is a dim the model leaves open, as the request check treats it.
  dims: spec.shape.map((dim) => (typeof dim === 'number' ? (dim > 0 ? dim : null) : dim === '' ? null : dim)),
});

function withColumns(tensor: TensorDescription, reference: ReferenceProfile | null): TensorDescription {
  const own = (reference?.features ?? []).filter((feature) => feature.source.input === tensor.name).sort((a, b) => a.source.index - b.source.index);
  if (own.length === 0) return tensor;
  const columns = own.map((feature): ColumnDescription => ({
    index: feature.source.index,
    name: feature.name,
    kind: feature.kind,
    ...(feature.kind === 'categorical' ? { categories: feature.categories } : {}),
  }));
  return { ...tensor, columns };
}

/** The classes of the reference's class output of this name; `probabilities` scores the first one's (as the statistics read it). */
function withClasses(tensor: TensorDescription, reference: ReferenceProfile | null): TensorDescription {
  const classOutputs = (reference?.outputs ?? []).filter((output) => output.kind === 'class');
  const named = classOutputs.find((output) => output.name === tensor.name) ?? (tensor.name === PROBABILITIES_OUTPUT ? classOutputs[0] : undefined);
  return named === undefined ? tensor : { ...tensor, classes: named.classes };
}

function exampleRequest(specs: readonly IoSpec[], probe: Readonly<Record<string, TensorJson>> | null): { inputs: Record<string, TensorJson>; source: 'probe' | 'zeros' } | null {
  if (specs.some((spec) => !isTypedTensorType(spec.type))) return null;
  const fromProbe = probe !== null && specs.every((spec) => probe[spec.name]?.type === spec.type && probe[spec.name]?.dims.length === spec.shape.length);
  const dimsOf = (spec: IoSpec): number[] => (fromProbe ? (probe[spec.name] as TensorJson).dims : spec.shape.map((dim) => (typeof dim === 'number' && dim > 0 ? dim : 1)));
  const total = specs.reduce((sum, spec) => sum + elementCount(dimsOf(spec)), 0);
  if (fromProbe && total <= EXAMPLE_MAX_PROBE_ELEMENTS) {
    return { inputs: Object.fromEntries(specs.map((spec) => [spec.name, readable(probe[spec.name] as TensorJson)])), source: 'probe' };
  }
  if (total > EXAMPLE_MAX_ELEMENTS) return null;
  return { inputs: Object.fromEntries(specs.map((spec) => [spec.name, zeros(spec.type, dimsOf(spec))])), source: 'zeros' };
}

/**
 * A probe's float32 values went through a Float32Array: 45.9 comes back as 45.900001525878906.
 * Each is shown as the shortest decimal that is the same float32, so the example reads as data
 * and still feeds the model exactly the probe's inputs.
 */
function readable(tensor: TensorJson): TensorJson {
  if (tensor.type !== 'float32') return tensor;
  return { ...tensor, data: tensor.data.map((value) => (typeof value === 'number' ? shortestFloat32(value) : value)) };
}

export function shortestFloat32(value: number): number {
  const single = Math.fround(value);
  // Out of float32's range the model sees ±Infinity, which JSON cannot carry: the value stays.
  if (!Number.isFinite(single)) return value;
  for (let digits = 1; digits < 9; digits++) {
    const candidate = Number(single.toPrecision(digits));
    if (Math.fround(candidate) === single) return candidate;
  }
  return single;
}

function zeros(type: IoSpec['type'], dims: number[]): TensorJson {
  const n = elementCount(dims);
  const zero = type === 'bool' ? false : type === 'string' ? '' : 0;
  return { type, dims, data: new Array<number | boolean | string>(n).fill(zero) };
}
