/**
 * Feeds at a chosen batch size: inputs whose first dim is symbolic get `rows` rows (cycling
 * through the rows they have), every other input stays as it is.
 */
import type { IoSpec, TypedTensorData } from '@edgefleet/protocol';
import type { Feeds } from './quantize-session';

const count = (dims: readonly number[]): number => dims.reduce((n, d) => n * d, 1);

function repeatRows(tensor: TypedTensorData, rows: number): TypedTensorData {
  const rowSize = count(tensor.dims.slice(1));
  const have = Math.max(1, tensor.dims[0] ?? 1);
  const source = (i: number): number => (Math.floor(i / rowSize) % have) * rowSize + (i % rowSize);
  const length = rows * rowSize;
  const dims = [rows, ...tensor.dims.slice(1)];
  const { data } = tensor;
  if (data instanceof Float32Array) return { type: 'float32', dims, data: Float32Array.from({ length }, (_, i) => data[source(i)] ?? 0) };
  if (data instanceof Float64Array) return { type: 'float64', dims, data: Float64Array.from({ length }, (_, i) => data[source(i)] ?? 0) };
  if (data instanceof Int32Array) return { type: 'int32', dims, data: Int32Array.from({ length }, (_, i) => data[source(i)] ?? 0) };
  if (data instanceof BigInt64Array) return { type: 'int64', dims, data: BigInt64Array.from({ length }, (_, i) => data[source(i)] ?? 0n) };
  if (Array.isArray(data) && tensor.type === 'string') return { type: 'string', dims, data: Array.from({ length }, (_, i) => String(data[source(i)] ?? '')) };
  return tensor;
}

export function batchOf(feeds: Feeds, inputs: readonly IoSpec[], rows: number): Feeds {
  const symbolic = new Set(inputs.filter((input) => input.shape.length > 0 && typeof input.shape[0] === 'string').map((input) => input.name));
  return Object.fromEntries(Object.entries(feeds).map(([name, tensor]) => [name, symbolic.has(name) && tensor.dims.length > 0 ? repeatRows(tensor, rows) : tensor]));
}

/** True when the model takes a batch: its primary input's first dim is symbolic. */
export const batchable = (inputs: readonly IoSpec[], primary: string | undefined): boolean => typeof inputs.find((input) => input.name === primary)?.shape[0] === 'string';
