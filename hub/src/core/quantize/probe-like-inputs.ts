/**
 * Seeded inputs shaped like a version's probe, for models without labelled data (imports):
 *  - the primary input (the float input with the most elements) gets a different speech-like
 *    signal per sample (speech-like.ts): bounded, smooth and varied;
 *  - other float inputs (recurrent state and the like) are zeros, a fresh start;
 *  - every other input (sample rates, ids, flags, strings) is the probe's own tensor, which the
 *    operator chose at upload as values the model accepts.
 * Pure: the same probe and seed give the same samples.
 */
import { tensorFromJson, type TensorJson, type TypedTensorData } from '@edgefleet/protocol';
import { speechLikeFrames } from './speech-like';

export type SampleFeeds = Record<string, TypedTensorData>;

const count = (dims: readonly number[]): number => dims.reduce((n, d) => n * d, 1);
const isFloat = (tensor: TensorJson): boolean => tensor.type === 'float32' || tensor.type === 'float64';

/** The input the samples vary; undefined when the probe has no float input. */
export function primaryInput(probeInputs: Readonly<Record<string, TensorJson>>): string | undefined {
  let best: string | undefined;
  for (const [name, tensor] of Object.entries(probeInputs)) {
    if (isFloat(tensor) && (best === undefined || count(tensor.dims) > count(probeInputs[best]?.dims ?? []))) best = name;
  }
  return best;
}

export function probeLikeInputs(probeInputs: Readonly<Record<string, TensorJson>>, samples: number, seed: number): SampleFeeds[] {
  const primary = primaryInput(probeInputs);
  const primaryDims = primary === undefined ? [] : (probeInputs[primary]?.dims ?? []);
  const signals = primary === undefined ? [] : speechLikeFrames(samples, Math.max(1, count(primaryDims)), seed);
  const fixed: SampleFeeds = {};
  for (const [name, tensor] of Object.entries(probeInputs)) {
    if (name === primary) continue;
    if (tensor.type === 'float32') fixed[name] = { type: 'float32', data: new Float32Array(count(tensor.dims)), dims: [...tensor.dims] };
    else if (tensor.type === 'float64') fixed[name] = { type: 'float64', data: new Float64Array(count(tensor.dims)), dims: [...tensor.dims] };
    else fixed[name] = tensorFromJson(tensor);
  }
  return Array.from({ length: primary === undefined ? 1 : samples }, (_, i) => {
    if (primary === undefined) return { ...fixed };
    const signal = signals[i] ?? new Float32Array(count(primaryDims));
    const data = probeInputs[primary]?.type === 'float64' ? Float64Array.from(signal) : signal;
    return { ...fixed, [primary]: data instanceof Float64Array ? { type: 'float64', data, dims: [...primaryDims] } : { type: 'float32', data, dims: [...primaryDims] } };
  });
}
