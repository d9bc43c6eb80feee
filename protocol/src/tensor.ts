/**
 * TensorJson <-> typed arrays, the one conversion every runtime (onnxruntime-node on the hub and
 * agents, onnxruntime-web in browsers) needs. Pure: callers wrap the result in their own
 * `new Tensor(type, data, dims)`.
 */
import { ProtocolError } from './errors';
import type { TensorJson, TensorType } from './schemas/common';

export type JsonTensorType = Exclude<TensorType, 'float16'>;

export type TensorData = Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Int32Array | BigInt64Array | string[] | boolean[];

export interface TypedTensorData {
  type: JsonTensorType;
  data: TensorData;
  dims: number[];
}

const JSON_TENSOR_TYPES: ReadonlySet<string> = new Set<JsonTensorType>(['float32', 'float64', 'int8', 'uint8', 'int16', 'int32', 'int64', 'bool', 'string']);

export const isJsonTensorType = (type: string): type is JsonTensorType => JSON_TENSOR_TYPES.has(type);

/** E_SCHEMA for what JSON cannot carry faithfully (float16, int64 outside the safe range). */
export function tensorFromJson(tensor: TensorJson): TypedTensorData {
  const { dims, data } = tensor;
  const numbers = () => data.map(Number);
  switch (tensor.type) {
    case 'float32':
      return { type: 'float32', data: Float32Array.from(numbers()), dims };
    case 'float64':
      return { type: 'float64', data: Float64Array.from(numbers()), dims };
    case 'int8':
      return { type: 'int8', data: Int8Array.from(numbers()), dims };
    case 'uint8':
      return { type: 'uint8', data: Uint8Array.from(numbers()), dims };
    case 'int16':
      return { type: 'int16', data: Int16Array.from(numbers()), dims };
    case 'int32':
      return { type: 'int32', data: Int32Array.from(numbers()), dims };
    case 'int64':
      return {
        type: 'int64',
        data: BigInt64Array.from(data, (value) => {
          if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new ProtocolError('E_SCHEMA', `int64 value ${String(value)} is not a safe integer`);
          return BigInt(value);
        }),
        dims,
      };
    case 'bool':
      return { type: 'bool', data: data.map((value) => value === true), dims };
    case 'string':
      return { type: 'string', data: data.map(String), dims };
    case 'float16':
      throw new ProtocolError('E_SCHEMA', 'float16 tensors are not supported over JSON');
  }
}

/** The other way, for outputs; E_INFERENCE for element types JSON cannot carry. */
export function tensorToJson(type: string, data: unknown, dims: readonly number[]): TensorJson {
  if (!isJsonTensorType(type)) throw new ProtocolError('E_INFERENCE', `tensor type ${type} cannot be carried as JSON`);
  let values: TensorJson['data'];
  if (type === 'string') values = Array.from(data as ArrayLike<string>, String);
  else if (type === 'bool') values = Array.from(data as ArrayLike<number | boolean>, (value) => value === true || value === 1);
  else if (data instanceof BigInt64Array) values = Array.from(data, Number);
  else values = Array.from(data as ArrayLike<number>, Number);
  return { type, dims: [...dims], data: values };
}
