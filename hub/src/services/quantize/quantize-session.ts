/**
 * onnxruntime sessions for quantization checks and reference-dataset runs: typed feeds in, typed
 * outputs out. The models are uploads and what quantization makes of them, so the sessions live
 * in the model sandbox (adapters/model-sandbox/sandbox.ts: a child process under memory and time
 * limits); latency is timed inside the child, so it is the model's, not the IPC's.
 */
import { HUB_SESSION_OPTIONS } from '../../adapters/onnx-runtime';
import { checkModelFile, openSandboxed } from '../../adapters/model-sandbox/sandbox';
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
  /** median milliseconds of `runs` runs of `feeds` after `warmUp`, timed where the model runs */
  medianMs(feeds: Feeds, runs: number, warmUp?: number): Promise<number>;
  release(): Promise<void>;
}

/** `foldQdq` folds weight DequantizeLinear nodes at load (ML.md: session option disable_quant_qdq). */
export async function openSession(bytes: Uint8Array, options: { foldQdq?: boolean } = {}): Promise<QuantizeSession> {
  checkModelFile(bytes);
  const session = await openSandboxed({ bytes }, options.foldQdq ? { ...HUB_SESSION_OPTIONS, extra: { session: { ...HUB_SESSION_OPTIONS.extra.session, disable_quant_qdq: '1' } } } : HUB_SESSION_OPTIONS);
  return {
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    async run(feeds) {
      const outputs = await session.run(feeds);
      const result: Record<string, TypedOutput> = {};
      for (const [name, tensor] of Object.entries(outputs)) {
        const data = tensor.data;
        if (data instanceof Float32Array || data instanceof Float64Array || data instanceof Int32Array || data instanceof BigInt64Array || data instanceof Uint8Array || data instanceof Int8Array) {
          result[name] = { type: tensor.type, dims: [...tensor.dims], data };
        }
      }
      return result;
    },
    medianMs: async (feeds, runs, warmUp = 5) => Number(((await session.medianMicros(feeds, runs, warmUp)) / 1000).toFixed(4)),
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
