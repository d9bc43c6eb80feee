/**
 * onnxruntime-node sessions for quantization checks: typed feeds in, typed outputs out (no JSON
 * round trip, so latency is the model's), and median latency after a warm-up.
 */
import { medianMicros } from '../../adapters/latency';
import ort from 'onnxruntime-node';
import { HUB_SESSION_OPTIONS } from '../../adapters/onnx-runtime';
import type { TypedTensorData } from '@edgefleet/protocol';
import type { RunOutputs } from '../../core/quantize/output-agreement';

export type Feeds = Record<string, TypedTensorData>;

export interface TypedOutput {
  type: string;
  dims: number[];
  data: Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array | Int8Array;
}

export interface QuantizeSession {
  inputNames: readonly string[];
  outputNames: readonly string[];
  run(feeds: Feeds): Promise<Record<string, TypedOutput>>;
  release(): Promise<void>;
}

/** `foldQdq` folds weight DequantizeLinear nodes at load (ML.md: session option disable_quant_qdq). */
export async function openSession(bytes: Uint8Array, options: { foldQdq?: boolean } = {}): Promise<QuantizeSession> {
  const session = await ort.InferenceSession.create(bytes, options.foldQdq ? { ...HUB_SESSION_OPTIONS, extra: { session: { ...HUB_SESSION_OPTIONS.extra.session, disable_quant_qdq: '1' } } } : HUB_SESSION_OPTIONS);
  return {
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    async run(feeds) {
      const tensors: Record<string, ort.Tensor> = {};
      for (const [name, feed] of Object.entries(feeds)) tensors[name] = new ort.Tensor(feed.type, feed.data, feed.dims);
      const outputs = await session.run(tensors, { logSeverityLevel: 4 });
      const result: Record<string, TypedOutput> = {};
      for (const [name, tensor] of Object.entries(outputs)) {
        const data = tensor.data;
        if (data instanceof Float32Array || data instanceof Float64Array || data instanceof Int32Array || data instanceof BigInt64Array || data instanceof Uint8Array || data instanceof Int8Array) {
          result[name] = { type: tensor.type, dims: [...tensor.dims], data };
        }
      }
      return result;
    },
    release: () => session.release(),
  };
}

/** Numeric outputs as plain numbers for the agreement check (int64 labels included). */
export function numericOutputs(outputs: Record<string, TypedOutput>): RunOutputs {
  const result: Record<string, { dims: number[]; data: ArrayLike<number> }> = {};
  for (const [name, output] of Object.entries(outputs)) {
    result[name] = { dims: output.dims, data: output.data instanceof BigInt64Array ? Float64Array.from(output.data, Number) : output.data };
  }
  return result;
}

/** Median wall time of `runs` calls after `warmUp` calls, in milliseconds. */
export async function medianMs(call: () => Promise<unknown>, runs: number, warmUp = 5): Promise<number> {
  return Number(((await medianMicros(call, runs, warmUp)) / 1000).toFixed(4));
}
