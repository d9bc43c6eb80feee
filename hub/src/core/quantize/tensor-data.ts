/**
 * TensorProto <-> typed arrays for the few element types the quantizer reads or writes.
 * onnx.proto allows a float tensor's values in either `raw_data` (little-endian bytes) or the
 * repeated `float_data` field; writers here always use raw_data (smaller, and what ORT emits).
 */
import { create } from '@bufbuild/protobuf';
import { TensorProtoSchema, TensorProto_DataLocation, TensorProto_DataType, type TensorProto } from 'onnx-buf';

export const elementCount = (tensor: TensorProto): number => tensor.dims.reduce((n, dim) => n * Number(dim), 1);

export const dimsOf = (tensor: TensorProto): number[] => tensor.dims.map(Number);

/** The float32 values of a FLOAT tensor, or undefined when it is not one or its data lives outside the file. */
export function readFloats(tensor: TensorProto): Float32Array | undefined {
  if (tensor.dataType !== TensorProto_DataType.FLOAT) return undefined;
  if (tensor.dataLocation === TensorProto_DataLocation.EXTERNAL || tensor.externalData.length > 0) return undefined;
  const count = elementCount(tensor);
  if (tensor.rawData.length > 0) {
    if (tensor.rawData.length !== count * 4) return undefined;
    const view = new DataView(tensor.rawData.buffer, tensor.rawData.byteOffset, tensor.rawData.byteLength);
    const values = new Float32Array(count);
    for (let i = 0; i < count; i++) values[i] = view.getFloat32(i * 4, true);
    return values;
  }
  if (tensor.floatData.length !== count) return undefined;
  return Float32Array.from(tensor.floatData);
}

/** Stored size of a tensor's payload in bytes (what quantizing it saves or costs). */
export function payloadBytes(tensor: TensorProto): number {
  if (tensor.rawData.length > 0) return tensor.rawData.length;
  return tensor.floatData.length * 4 + tensor.int32Data.length * 4 + tensor.int64Data.length * 8 + tensor.doubleData.length * 8;
}

function rawTensor(name: string, dims: readonly number[], dataType: TensorProto_DataType, rawData: Uint8Array<ArrayBuffer>): TensorProto {
  return create(TensorProtoSchema, { name, dims: dims.map(BigInt), dataType, rawData });
}

export function floatTensor(name: string, dims: readonly number[], values: ArrayLike<number>): TensorProto {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i] ?? 0, true);
  return rawTensor(name, dims, TensorProto_DataType.FLOAT, bytes);
}

export function int8Tensor(name: string, dims: readonly number[], values: Int8Array): TensorProto {
  return rawTensor(name, dims, TensorProto_DataType.INT8, Uint8Array.from(new Uint8Array(values.buffer, values.byteOffset, values.byteLength)));
}

export function uint8Tensor(name: string, dims: readonly number[], values: Uint8Array): TensorProto {
  return rawTensor(name, dims, TensorProto_DataType.UINT8, Uint8Array.from(values));
}

export function int32Tensor(name: string, dims: readonly number[], values: ArrayLike<number>): TensorProto {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setInt32(i * 4, values[i] ?? 0, true);
  return rawTensor(name, dims, TensorProto_DataType.INT32, bytes);
}

export function int64Tensor(name: string, dims: readonly number[], values: ArrayLike<number | bigint>): TensorProto {
  const bytes = new Uint8Array(values.length * 8);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setBigInt64(i * 8, BigInt(values[i] ?? 0), true);
  return rawTensor(name, dims, TensorProto_DataType.INT64, bytes);
}
