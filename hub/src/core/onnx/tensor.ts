/**
 * ONNX tensors from typed arrays. Numbers go to `raw_data`, always little-endian (onnx.proto:
 * "raw_data ... stored in little-endian order"), written through a DataView so the bytes do not
 * depend on the host; strings go to `string_data` as UTF-8, the only place the spec allows them.
 */
import { create } from '@bufbuild/protobuf';
import { TensorProtoSchema, TensorProto_DataType, type TensorProto } from 'onnx-buf';

export type ElementType = 'float32' | 'int64' | 'int32' | 'int8' | 'uint8' | 'bool' | 'string';

/** Tensor contents with their element type; bool is one byte per element (0 or 1). */
export type TensorData =
  | { type: 'float32'; data: Float32Array }
  | { type: 'int64'; data: BigInt64Array }
  | { type: 'int32'; data: Int32Array }
  | { type: 'int8'; data: Int8Array }
  | { type: 'uint8'; data: Uint8Array }
  | { type: 'bool'; data: Uint8Array }
  | { type: 'string'; data: readonly string[] };

export const ELEMENT_TYPE_CODES: Readonly<Record<ElementType, TensorProto_DataType>> = {
  float32: TensorProto_DataType.FLOAT,
  int64: TensorProto_DataType.INT64,
  int32: TensorProto_DataType.INT32,
  int8: TensorProto_DataType.INT8,
  uint8: TensorProto_DataType.UINT8,
  bool: TensorProto_DataType.BOOL,
  string: TensorProto_DataType.STRING,
};

const BYTES_PER_ELEMENT: Readonly<Record<Exclude<ElementType, 'string'>, number>> = {
  float32: 4,
  int64: 8,
  int32: 4,
  int8: 1,
  uint8: 1,
  bool: 1,
};

const utf8 = new TextEncoder();

/** Little-endian bytes of a numeric tensor, independent of the host's byte order. */
export function rawLittleEndian(tensor: Exclude<TensorData, { type: 'string' }>): Uint8Array<ArrayBuffer> {
  const size = BYTES_PER_ELEMENT[tensor.type];
  const bytes = new Uint8Array(tensor.data.length * size);
  const view = new DataView(bytes.buffer);
  switch (tensor.type) {
    case 'float32':
      tensor.data.forEach((v, i) => view.setFloat32(i * 4, v, true));
      break;
    case 'int64':
      tensor.data.forEach((v, i) => view.setBigInt64(i * 8, v, true));
      break;
    case 'int32':
      tensor.data.forEach((v, i) => view.setInt32(i * 4, v, true));
      break;
    case 'int8':
      tensor.data.forEach((v, i) => view.setInt8(i, v));
      break;
    case 'uint8':
      bytes.set(tensor.data);
      break;
    case 'bool':
      tensor.data.forEach((v, i) => view.setUint8(i, v === 0 ? 0 : 1));
      break;
  }
  return bytes;
}

const elementCount = (dims: readonly number[]): number => dims.reduce((n, d) => n * d, 1);

/** A TensorProto named `name` with shape `dims` (an empty array is a scalar). */
export function makeTensor(name: string, tensor: TensorData, dims: readonly number[]): TensorProto {
  if (dims.some((d) => !Number.isSafeInteger(d) || d < 0)) throw new RangeError(`tensor ${name}: bad dims [${dims.join(', ')}]`);
  if (elementCount(dims) !== tensor.data.length) {
    throw new RangeError(`tensor ${name}: ${tensor.data.length} values do not fill dims [${dims.join(', ')}]`);
  }
  const base = { name, dims: dims.map((d) => BigInt(d)), dataType: ELEMENT_TYPE_CODES[tensor.type] };
  if (tensor.type === 'string') {
    return create(TensorProtoSchema, { ...base, stringData: tensor.data.map((s) => utf8.encode(s)) });
  }
  return create(TensorProtoSchema, { ...base, rawData: rawLittleEndian(tensor) });
}

/** Shorthands for the common cases. */
export const floats = (values: ArrayLike<number>): TensorData => ({ type: 'float32', data: Float32Array.from(values) });
export const int64s = (values: ArrayLike<number>): TensorData => ({ type: 'int64', data: BigInt64Array.from(Array.from(values, (v) => BigInt(v))) });
export const strings = (values: readonly string[]): TensorData => ({ type: 'string', data: values });
