/**
 * Sample inputs for a model from the arrays of a tensor file (npy.ts, npz.ts): which array feeds
 * which model input, checked against the model's recorded io, and one sample at a time as typed
 * feeds. Rules:
 *  - an .npz names its arrays after model inputs; a lone .npy array (unnamed) feeds the model's
 *    only float input;
 *  - every array's first axis counts samples, the same N for all: `[N, ...s]` where `s` is the
 *    input's dims without its batch axis (each sample is fed as `[1, ...s]`) or the input's full
 *    dims (fed as `s`); fixed dims must match, symbolic ones take the array's;
 *  - an array named `labels` (int, `[N]`) that is no model input holds class indices, so the
 *    quality gate can measure task accuracy and macro-F1 on the samples;
 *  - float inputs take float or integer data; integer and bool inputs take integer or bool data.
 * Inputs the file does not cover keep the upload's probe values. Pure.
 */
import type { IoSpec, TypedTensorData } from '@edgefleet/protocol';
import { validation } from '../errors';
import type { NpyArray } from './npy';

export const LABELS_ARRAY = 'labels';

export interface SampleInput {
  name: string;
  type: IoSpec['type'];
  /** dims of one sample as fed to the model */
  dims: number[];
  array: NpyArray;
}

export interface SampleSet {
  count: number;
  inputs: SampleInput[];
  /** class index per sample, from the `labels` array */
  labels: Int32Array | undefined;
}

const FLOAT_INPUTS = new Set(['float32', 'float64']);
const INTEGER_INPUTS = new Set(['int8', 'uint8', 'int16', 'int32', 'int64', 'bool']);

function feedDims(input: IoSpec, perSample: number[], field: string): number[] {
  const { shape } = input;
  const fits = (dims: number[]): boolean => dims.length === shape.length && dims.every((d, i) => typeof shape[i] !== 'number' || shape[i] === d);
  if (fits([1, ...perSample])) return [1, ...perSample];
  if (fits(perSample)) return perSample;
  const spec = `[${shape.map((d) => (typeof d === 'number' ? d : d === '' ? '?' : d)).join(',')}]`;
  throw validation(`${field}.shape: one sample is [${perSample.join(',')}], which does not fit input ${input.name} ${spec} (the first axis of every array counts samples)`);
}

function checkKind(input: IoSpec, array: NpyArray, field: string): void {
  if (FLOAT_INPUTS.has(input.type) && array.kind !== 'bool') return;
  if (INTEGER_INPUTS.has(input.type) && array.kind !== 'float') return;
  throw validation(`${field}.descr: ${array.descr} data cannot feed input ${input.name} of type ${input.type}`);
}

function soleFloatInput(inputs: readonly IoSpec[], field: string): IoSpec {
  const floats = inputs.filter((input) => FLOAT_INPUTS.has(input.type) && input.shape.length > 0);
  const only = floats.length === 1 ? floats[0] : undefined;
  if (!only) throw validation(`${field}: a .npy holds one unnamed array, but the model has ${floats.length} float inputs (${inputs.map((input) => input.name).join(', ')}); use an .npz with one array per input name`);
  return only;
}

function labelsOf(array: NpyArray, count: number, field: string): Int32Array {
  if (array.kind === 'float' || array.kind === 'bool' || array.shape.length !== 1 || array.shape[0] !== count) {
    throw validation(`${field}: labels must be integer class indices of shape [${count}], got ${array.descr} [${array.shape.join(',')}]`);
  }
  return Int32Array.from({ length: count }, (_, i) => {
    const value = array.at(i);
    if (!Number.isInteger(value) || value < 0 || value > 1_000_000) throw validation(`${field}[${i}]: ${value} is not a class index`);
    return value;
  });
}

/** Matches the file's arrays (unnamed key '' for a .npy) to the model's inputs; `field` names the file in errors. */
export function sampleSetOf(arrays: ReadonlyMap<string, NpyArray>, modelInputs: readonly IoSpec[], field: string): SampleSet {
  const byName = new Map(modelInputs.map((input) => [input.name, input]));
  const matched: Array<{ input: IoSpec; array: NpyArray; field: string }> = [];
  let labelsArray: NpyArray | undefined;
  for (const [name, array] of arrays) {
    const arrayField = name === '' ? field : `${field}.${name}`;
    const input = name === '' ? soleFloatInput(modelInputs, field) : byName.get(name);
    if (input) matched.push({ input, array, field: arrayField });
    else if (name === LABELS_ARRAY) labelsArray = array;
    else throw validation(`${arrayField}: the model has no input named ${JSON.stringify(name)} (inputs: ${[...byName.keys()].join(', ')}; or "${LABELS_ARRAY}" for class indices)`);
  }
  const first = matched[0];
  if (!first) throw validation(`${field}: holds no array for any model input (inputs: ${[...byName.keys()].join(', ')})`);
  const count = first.array.shape[0] ?? 0;
  if (count < 1) throw validation(`${first.field}.shape: needs at least one sample on its first axis, got [${first.array.shape.join(',')}]`);
  const inputs = matched.map(({ input, array, field: arrayField }) => {
    if (array.shape.length === 0 || array.shape[0] !== count) throw validation(`${arrayField}.shape: [${array.shape.join(',')}] must start with the sample count ${count}, like ${first.field}`);
    checkKind(input, array, arrayField);
    return { name: input.name, type: input.type, dims: feedDims(input, array.shape.slice(1), arrayField), array };
  });
  return { count, inputs, labels: labelsArray ? labelsOf(labelsArray, count, `${field}.${LABELS_ARRAY}`) : undefined };
}

function typed(input: SampleInput, values: (i: number) => number, length: number): TypedTensorData {
  const dims = [...input.dims];
  switch (input.type) {
    case 'float64':
      return { type: 'float64', data: Float64Array.from({ length }, (_, i) => values(i)), dims };
    case 'int8':
      return { type: 'int8', data: Int8Array.from({ length }, (_, i) => values(i)), dims };
    case 'uint8':
      return { type: 'uint8', data: Uint8Array.from({ length }, (_, i) => values(i)), dims };
    case 'int16':
      return { type: 'int16', data: Int16Array.from({ length }, (_, i) => values(i)), dims };
    case 'int32':
      return { type: 'int32', data: Int32Array.from({ length }, (_, i) => values(i)), dims };
    case 'int64':
      return { type: 'int64', data: BigInt64Array.from({ length }, (_, i) => BigInt(Math.trunc(values(i)))), dims };
    case 'bool':
      return { type: 'bool', data: Array.from({ length }, (_, i) => values(i) !== 0), dims };
    default:
      return { type: 'float32', data: Float32Array.from({ length }, (_, i) => values(i)), dims };
  }
}

/** Sample `index` as feeds of the inputs the file covers. */
export function sampleFeeds(set: SampleSet, index: number): Record<string, TypedTensorData> {
  const feeds: Record<string, TypedTensorData> = {};
  for (const input of set.inputs) {
    const length = input.dims.reduce((n, d) => n * d, 1);
    const offset = index * length;
    feeds[input.name] = typed(input, (i) => input.array.at(offset + i), length);
  }
  return feeds;
}
