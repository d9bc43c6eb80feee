/**
 * onnxruntime for uploads: open the model (is it loadable?), read its io, run its probe. The
 * session lives in the model sandbox (model-sandbox/sandbox.ts: a child process under memory and
 * time limits), after the file passed its scan (external data, oversized constants): an upload is
 * a model the hub did not make. Converts between tensors and protocol TensorJson (int64 as plain
 * numbers).
 */
import { open, readFile } from 'node:fs/promises';
import { tensorFromJson, tensorToJson, type IoSpec, type TensorData, type TensorJson, type TensorType } from '@edgefleet/protocol';
import { readOnnxOpset } from '../core/onnx-opset';
import { checkModelFile, isSandboxRefusal, openSandboxed, type OutputLimit, type SandboxSession, type SandboxValueMetadata } from './model-sandbox/sandbox';

export interface LoadedModel {
  io: { inputs: IoSpec[]; outputs: IoSpec[] };
  /** outputs over `maxOutput` (the sandbox's default without it) reject with E_MODEL_RESOURCES before any conversion */
  run(inputs: Record<string, TensorJson>, maxOutput?: OutputLimit): Promise<Record<string, TensorJson>>;
  release(): Promise<void>;
}

/**
 * Options of every session the hub opens (uploads, probes, quantization, calibration, training
 * export checks). The hub shares its cores with the broker, HTTP and the database: onnxruntime's
 * worker threads must not spin waiting for work between runs (their default), which starved the
 * rest of the machine for seconds during a quantization.
 */
export const HUB_SESSION_OPTIONS = {
  logSeverityLevel: 3,
  extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
} as const;

/** Thrown when a file is not something onnxruntime can load, with ort's own words. */
export class ModelLoadError extends Error {
  override readonly name = 'ModelLoadError';
}

const PROTOCOL_TYPES: ReadonlySet<string> = new Set<TensorType>(['float32', 'float64', 'int8', 'uint8', 'int16', 'int32', 'int64', 'bool', 'string', 'float16']);

function toIoSpec(meta: SandboxValueMetadata): IoSpec {
  if (!meta.isTensor) throw new ModelLoadError(`${meta.name} is not a tensor; only tensor inputs and outputs are supported`);
  const type = meta.type ?? '';
  if (!PROTOCOL_TYPES.has(type)) throw new ModelLoadError(`${meta.name} has tensor type ${type}, which edgefleet does not support`);
  // Symbolic dims come back as names, sometimes '' (anonymous); unknown numeric dims as -1.
  const shape = (meta.shape ?? []).map((dim) => (typeof dim === 'number' && dim >= 0 ? dim : typeof dim === 'string' ? dim.slice(0, 64) : ''));
  return { name: meta.name, type: type as TensorType, shape };
}

/**
 * The model at `path`, opened in the sandbox. ModelLoadError when onnxruntime refuses it;
 * HubError E_EXTERNAL_DATA, E_MODEL_RESOURCES or E_INVALID_MODEL from the scan and the sandbox.
 */
export async function loadModel(path: string): Promise<LoadedModel> {
  checkModelFile(new Uint8Array(await readFile(path)));
  let session: SandboxSession;
  try {
    session = await openSandboxed({ path }, HUB_SESSION_OPTIONS);
  } catch (error) {
    if (isSandboxRefusal(error)) throw new ModelLoadError(error.message, { cause: error });
    throw error;
  }
  try {
    const io = { inputs: session.inputMetadata.map(toIoSpec), outputs: session.outputMetadata.map(toIoSpec) };
    return {
      io,
      async run(inputs, maxOutput) {
        const feeds = Object.fromEntries(Object.entries(inputs).map(([name, tensor]) => [name, tensorFromJson(tensor)]));
        const outputs = await session.run(feeds, maxOutput ? { maxOutput } : {});
        const result: Record<string, TensorJson> = {};
        for (const name of session.outputNames) {
          const value = outputs[name];
          if (value) result[name] = probeOutput(value.type, value.data as TensorData, value.dims);
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

/** Probe outputs are stored as JSON numbers: NaN or Infinity would make a useless probe. */
function probeOutput(type: string, data: TensorData, dims: readonly number[]): TensorJson {
  const json = tensorToJson(type, data, dims);
  if (json.data.some((value) => typeof value === 'number' && !Number.isFinite(value))) throw new Error('probe output contains NaN or Infinity');
  return json;
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
