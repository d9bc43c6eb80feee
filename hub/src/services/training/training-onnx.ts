/**
 * Runs an exported network in onnxruntime-node on raw rows, exactly as a device feeds it:
 * `numeric` float32 [N, Fn] and, with categorical features, `categorical` string [N, Fc] ('' for
 * missing). Returns every output as a typed array with its ort type and dims.
 */
import ort from 'onnxruntime-node';
import { HUB_SESSION_OPTIONS } from '../../adapters/onnx-runtime';
import type { IoSpec, TensorType } from '@edgefleet/protocol';
import { CATEGORICAL_INPUT, NUMERIC_INPUT } from '../../core/onnx';
import type { RawRows } from './training-data';

export interface OrtOutput {
  type: string;
  dims: number[];
  data: Float32Array | BigInt64Array | Uint8Array | Int32Array | string[] | boolean[];
}

export interface OnnxSession {
  io: { inputs: IoSpec[]; outputs: IoSpec[] };
  run(raw: RawRows): Promise<Record<string, OrtOutput>>;
  release(): Promise<void>;
}

type Session = Awaited<ReturnType<typeof ort.InferenceSession.create>>;

function ioOf(meta: Session['inputMetadata'][number]): IoSpec {
  if (!meta.isTensor) throw new Error(`${meta.name} is not a tensor`);
  const shape = meta.shape.map((dim) => (typeof dim === 'number' && dim >= 0 ? dim : typeof dim === 'string' ? dim : ''));
  return { name: meta.name, type: meta.type as TensorType, shape };
}

export async function openOnnx(bytes: Uint8Array): Promise<OnnxSession> {
  const session = await ort.InferenceSession.create(bytes, HUB_SESSION_OPTIONS);
  return {
    io: { inputs: session.inputMetadata.map(ioOf), outputs: session.outputMetadata.map(ioOf) },
    async run(raw) {
      const feeds: Record<string, ort.Tensor> = {
        [NUMERIC_INPUT]: new ort.Tensor('float32', raw.numeric, [raw.rows, raw.numericNames.length]),
      };
      if (session.inputNames.includes(CATEGORICAL_INPUT)) feeds[CATEGORICAL_INPUT] = new ort.Tensor('string', raw.categorical, [raw.rows, raw.categoricalNames.length]);
      const out = await session.run(feeds);
      const result: Record<string, OrtOutput> = {};
      for (const name of session.outputNames) {
        const value = out[name];
        if (value !== undefined) result[name] = { type: value.type, dims: [...value.dims], data: value.data as OrtOutput['data'] };
      }
      return result;
    },
    release: () => session.release(),
  };
}

/** Numeric outputs only (what compareOutputs takes): bool as 0/1, int64 as bigint. */
export function numericOutputs(outputs: Record<string, OrtOutput>): Record<string, ArrayLike<number> | ArrayLike<bigint>> {
  const result: Record<string, ArrayLike<number> | ArrayLike<bigint>> = {};
  for (const [name, output] of Object.entries(outputs)) {
    const data = output.data;
    if (Array.isArray(data)) {
      if (data.every((v): v is boolean => typeof v === 'boolean')) result[name] = data.map((v) => (v ? 1 : 0));
      continue;
    }
    result[name] = data;
  }
  return result;
}
