/** Checks on JSON tensors that the protocol schema alone cannot express. */
import type { TensorJson, TensorType } from '@edgefleet/protocol';

export const elementCount = (dims: readonly number[]): number => dims.reduce((n, d) => n * d, 1);

const INT_RANGES: Partial<Record<TensorType, [number, number]>> = {
  int8: [-128, 127],
  uint8: [0, 255],
  int16: [-32_768, 32_767],
  int32: [-2_147_483_648, 2_147_483_647],
  int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};

/** null when `tensor` is well-formed, else why not (the caller prefixes the field name). */
export function tensorProblem(tensor: TensorJson): string | null {
  const expected = elementCount(tensor.dims);
  if (tensor.data.length !== expected) return `data has ${tensor.data.length} elements but dims [${tensor.dims.join(',')}] need ${expected}`;
  const badAt = tensor.data.findIndex((value) => !elementFits(tensor.type, value));
  if (badAt >= 0) return `data[${badAt}] is not a valid ${tensor.type} value`;
  return null;
}

function elementFits(type: TensorType, value: number | boolean | string): boolean {
  if (type === 'string') return typeof value === 'string';
  if (type === 'bool') return typeof value === 'boolean';
  if (typeof value !== 'number' || !Number.isFinite(value)) return type.startsWith('float') && typeof value === 'number';
  const range = INT_RANGES[type];
  return range === undefined || (Number.isInteger(value) && value >= range[0] && value <= range[1]);
}
