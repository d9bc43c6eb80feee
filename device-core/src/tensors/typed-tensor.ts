/**
 * Tensors as a device runtime handles them: JSON tensors (the agent's local API wire form,
 * probes) and typed tensors (the in-process APIs, and what every request becomes before it
 * reaches onnxruntime, node or web: both take these typed arrays), with the checks the protocol
 * schema alone cannot express. Pure.
 */
import type { TensorJson, TensorType } from '@edgefleet/protocol';

export function elementCount(dims: readonly number[]): number {
  let n = 1;
  for (let i = 0; i < dims.length; i++) n *= dims[i] as number;
  return n;
}

/**
 * A tensor whose data is already in the typed array onnxruntime takes for its type (no copy on
 * the way in): the in-process API's inputs and every prediction's outputs. A bool is one byte,
 * 0 or 1 (onnxruntime's own representation); int64 values are bigints.
 */
export type TypedTensor =
  | { type: 'float32'; dims: readonly number[]; data: Float32Array }
  | { type: 'float64'; dims: readonly number[]; data: Float64Array }
  | { type: 'int8'; dims: readonly number[]; data: Int8Array }
  | { type: 'uint8'; dims: readonly number[]; data: Uint8Array }
  | { type: 'int16'; dims: readonly number[]; data: Int16Array }
  | { type: 'int32'; dims: readonly number[]; data: Int32Array }
  | { type: 'int64'; dims: readonly number[]; data: BigInt64Array }
  | { type: 'bool'; dims: readonly number[]; data: Uint8Array }
  | { type: 'string'; dims: readonly number[]; data: readonly string[] };

export type TypedTensorType = TypedTensor['type'];

/** Longest `dims` a request may carry (the protocol's tensor schema allows 8). */
export const MAX_RANK = 8;

/**
 * Whether `data` is the typed array `type` needs: one `instanceof`, no element looked at, except
 * that string and bool data are checked element by element (an array may hold anything, and
 * onnxruntime's bool is 0 or 1). False for types the agent does not carry (float16, uint16, ...).
 */
export function isTypedData(type: string, data: unknown): data is TypedTensor['data'] {
  switch (type) {
    case 'float32':
      return data instanceof Float32Array;
    case 'float64':
      return data instanceof Float64Array;
    case 'int8':
      return data instanceof Int8Array;
    case 'uint8':
      return data instanceof Uint8Array;
    case 'int16':
      return data instanceof Int16Array;
    case 'int32':
      return data instanceof Int32Array;
    case 'int64':
      return data instanceof BigInt64Array;
    case 'bool':
      return data instanceof Uint8Array && allBits(data);
    case 'string':
      return Array.isArray(data) && isStringArray(data);
    default:
      return false;
  }
}

/** `data` as the typed tensor of `type` (onnxruntime's outputs), or null when it is not the array that type needs (see isTypedData). */
export function typedTensorOf(type: string, data: unknown, dims: readonly number[]): TypedTensor | null {
  switch (type) {
    case 'float32':
      return data instanceof Float32Array ? { type, dims, data } : null;
    case 'float64':
      return data instanceof Float64Array ? { type, dims, data } : null;
    case 'int8':
      return data instanceof Int8Array ? { type, dims, data } : null;
    case 'uint8':
      return data instanceof Uint8Array ? { type, dims, data } : null;
    case 'int16':
      return data instanceof Int16Array ? { type, dims, data } : null;
    case 'int32':
      return data instanceof Int32Array ? { type, dims, data } : null;
    case 'int64':
      return data instanceof BigInt64Array ? { type, dims, data } : null;
    case 'bool':
      return data instanceof Uint8Array && allBits(data) ? { type, dims, data } : null;
    case 'string':
      return Array.isArray(data) && isStringArray(data) ? { type, dims, data } : null;
    default:
      return null;
  }
}

function allBits(data: Uint8Array): boolean {
  for (let i = 0; i < data.length; i++) if ((data[i] as number) > 1) return false;
  return true;
}

/** What `data` must be for `type`, for error messages. */
export const TYPED_DATA_OF: Readonly<Record<TypedTensorType, string>> = {
  float32: 'a Float32Array',
  float64: 'a Float64Array',
  int8: 'an Int8Array',
  uint8: 'a Uint8Array',
  int16: 'an Int16Array',
  int32: 'an Int32Array',
  int64: 'a BigInt64Array',
  bool: 'a Uint8Array of 0 and 1',
  string: 'an array of strings',
};

export const isTypedTensorType = (type: string): type is TypedTensorType => Object.hasOwn(TYPED_DATA_OF, type);

/** null when `dims` is an array of at most MAX_RANK safe non-negative integers, else why not. */
export function dimsProblem(dims: unknown): string | null {
  if (!Array.isArray(dims)) return 'must be an array of integers';
  if (dims.length > MAX_RANK) return `has ${dims.length} entries, at most ${MAX_RANK} allowed`;
  for (let i = 0; i < dims.length; i++) {
    const d: unknown = dims[i];
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) return `[${i}] must be a non-negative integer`;
  }
  return null;
}

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

/**
 * A JSON tensor's `data` (already as long as `dims` need) as the typed tensor of `type`, every
 * element checked on the way (one pass, the rules of `tensorProblem`); otherwise a string saying
 * which element is bad.
 */
export function typedFromJson(type: TypedTensorType, dims: readonly number[], data: readonly unknown[]): TypedTensor | string {
  const n = data.length;
  switch (type) {
    case 'float32':
    case 'float64': {
      const out = type === 'float32' ? new Float32Array(n) : new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const value = data[i];
        if (typeof value !== 'number') return badElement(i, type, value);
        out[i] = value;
      }
      return out instanceof Float32Array ? { type: 'float32', dims, data: out } : { type: 'float64', dims, data: out };
    }
    case 'int8': {
      const out = new Int8Array(n);
      return intsInto(out, type, data) ?? { type, dims, data: out };
    }
    case 'uint8': {
      const out = new Uint8Array(n);
      return intsInto(out, type, data) ?? { type, dims, data: out };
    }
    case 'int16': {
      const out = new Int16Array(n);
      return intsInto(out, type, data) ?? { type, dims, data: out };
    }
    case 'int32': {
      const out = new Int32Array(n);
      return intsInto(out, type, data) ?? { type, dims, data: out };
    }
    case 'int64': {
      const out = new BigInt64Array(n);
      for (let i = 0; i < n; i++) {
        const value = data[i];
        if (typeof value !== 'number' || !Number.isSafeInteger(value)) return badElement(i, type, value);
        out[i] = BigInt(value);
      }
      return { type, dims, data: out };
    }
    case 'bool': {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        const value = data[i];
        if (typeof value !== 'boolean') return badElement(i, type, value);
        out[i] = value ? 1 : 0;
      }
      return { type, dims, data: out };
    }
    case 'string': {
      if (isStringArray(data)) return { type, dims, data };
      return badElement(data.findIndex((value) => typeof value !== 'string'), type, data.find((value) => typeof value !== 'string'));
    }
  }
}

/** Fills `out` from `data` when every element is an integer in the range of `type`; else says which is not. */
function intsInto(out: Int8Array | Uint8Array | Int16Array | Int32Array, type: 'int8' | 'uint8' | 'int16' | 'int32', data: readonly unknown[]): string | null {
  const [low, high] = INT_RANGES[type] as [number, number];
  for (let i = 0; i < data.length; i++) {
    const value = data[i];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < low || value > high) return badElement(i, type, value);
    out[i] = value;
  }
  return null;
}

const isStringArray = (data: readonly unknown[]): data is readonly string[] => data.every((value) => typeof value === 'string');
function badElement(index: number, type: TensorType, value: unknown): string {
  const shown = typeof value === 'string' ? JSON.stringify(value.slice(0, 40)) : value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : String(value);
  return `data[${index}] is not a valid ${type} value (got ${shown})`;
}
