/**
 * onnxruntime-node for uploads: open the model (is it loadable?), read its io, run its probe.
 * Converts between ort tensors and protocol TensorJson (int64 as plain numbers).
 */
import { open } from 'node:fs/promises';
import ort from 'onnxruntime-node';
import type { IoSpec, TensorJson, TensorType } from '@edgefleet/protocol';
import { readOnnxOpset } from '../core/onnx-opset';

type Session = Awaited<ReturnType<typeof ort.InferenceSession.create>>;
type ValueMetadata = Session['inputMetadata'][number];

export interface LoadedModel {
  io: { inputs: IoSpec[]; outputs: IoSpec[] };
  run(inputs: Record<string, TensorJson>): Promise<Record<string, TensorJson>>;
  release(): Promise<void>;
}

/** Thrown when a file is not something onnxruntime can load, with ort's own words. */
export class ModelLoadError extends Error {
  override readonly name = 'ModelLoadError';
}

const PROTOCOL_TYPES: ReadonlySet<string> = new Set<TensorType>(['float32', 'float64', 'int8', 'uint8', 'int16', 'int32', 'int64', 'bool', 'string', 'float16']);

function toIoSpec(meta: ValueMetadata): IoSpec {
  if (!meta.isTensor) throw new ModelLoadError(`${meta.name} is not a tensor; only tensor inputs and outputs are supported`);
  if (!PROTOCOL_TYPES.has(meta.type)) throw new ModelLoadError(`${meta.name} has tensor type ${meta.type}, which edgefleet does not support`);
  // Symbolic dims come back as names, sometimes '' (anonymous); unknown numeric dims as -1.
  const shape = meta.shape.map((dim) => (typeof dim === 'number' && dim >= 0 ? dim : typeof dim === 'string' ? dim.slice(0, 64) : ''));
  return { name: meta.name, type: meta.type as TensorType, shape };
}

export async function loadModel(path: string): Promise<LoadedModel> {
  let session: Session;
  try {
    session = await ort.InferenceSession.create(path, { logSeverityLevel: 3 });
  } catch (error) {
    throw new ModelLoadError(error instanceof Error ? error.message : String(error), { cause: error });
  }
  try {
    const io = { inputs: session.inputMetadata.map(toIoSpec), outputs: session.outputMetadata.map(toIoSpec) };
    return {
      io,
      async run(inputs) {
        const feeds: Record<string, ort.Tensor> = {};
        for (const [name, tensor] of Object.entries(inputs)) feeds[name] = toOrtTensor(tensor);
        // ort logs failed runs at ERROR on stderr; the caller reports the error itself.
        const outputs = await session.run(feeds, { logSeverityLevel: 4 });
        const result: Record<string, TensorJson> = {};
        for (const name of session.outputNames) {
          const value = outputs[name];
          if (value) result[name] = fromOrtTensor(value as ort.Tensor);
        }
        return result;
      },
      release: () => session.release(),
    };
  } catch (error) {
    await session.release();
    throw error;
  }
}

function toOrtTensor(tensor: TensorJson): ort.Tensor {
  const { dims, data } = tensor;
  const numbers = (): number[] => data.map((value) => Number(value));
  switch (tensor.type) {
    case 'float32':
      return new ort.Tensor('float32', Float32Array.from(numbers()), dims);
    case 'float64':
      return new ort.Tensor('float64', Float64Array.from(numbers()), dims);
    case 'int8':
      return new ort.Tensor('int8', Int8Array.from(numbers()), dims);
    case 'uint8':
      return new ort.Tensor('uint8', Uint8Array.from(numbers()), dims);
    case 'int16':
      return new ort.Tensor('int16', Int16Array.from(numbers()), dims);
    case 'int32':
      return new ort.Tensor('int32', Int32Array.from(numbers()), dims);
    case 'int64':
      return new ort.Tensor('int64', BigInt64Array.from(numbers().map((n) => BigInt(Math.trunc(n)))), dims);
    case 'bool':
      return new ort.Tensor('bool', Uint8Array.from(data.map((value) => (value ? 1 : 0))), dims);
    case 'string':
      return new ort.Tensor('string', data.map(String), dims);
    case 'float16':
      throw new Error('float16 probe inputs are not supported yet');
  }
}

function fromOrtTensor(tensor: ort.Tensor): TensorJson {
  const dims = [...tensor.dims];
  const data = tensor.data;
  if (!PROTOCOL_TYPES.has(tensor.type) || tensor.type === 'float16') throw new Error(`output type ${tensor.type} is not supported in probes`);
  const type = tensor.type as TensorType;
  if (type === 'string') return { type, dims, data: [...(data as string[])] };
  if (type === 'bool') return { type, dims, data: Array.from(data as Uint8Array, (value) => value !== 0) };
  if (data instanceof BigInt64Array) return { type, dims, data: Array.from(data, (value) => Number(value)) };
  if (typeof data === 'string' || Array.isArray(data) || data instanceof BigUint64Array) throw new Error(`unexpected ${type} output data`);
  // Non-finite values cannot be written as JSON numbers; a probe with them would be useless anyway.
  const values = Array.from(data as ArrayLike<number>);
  if (values.some((value) => !Number.isFinite(value))) throw new Error('probe output contains NaN or Infinity');
  return { type, dims, data: values };
}

/** Best effort: undefined when the file does not say (the manifest then omits compat.opset). */
export async function readOpset(path: string, size: number): Promise<number | undefined> {
  const handle = await open(path, 'r');
  try {
    return await readOnnxOpset(async (offset, length) => {
      const buffer = Buffer.alloc(Math.max(0, Math.min(length, size - offset)));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
      return buffer.subarray(0, bytesRead);
    }, size);
  } catch {
    return undefined;
  } finally {
    await handle.close();
  }
}
