/**
 * The two runtimes the quantized files must run in: onnxruntime-node and onnxruntime-web (wasm,
 * single-threaded, inside Node). Both share one API surface; tests pick either by name.
 */
import { medianMicros as measureMedian } from '../../../src/adapters/latency';
import ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';

ortWeb.env.wasm.numThreads = 1;

export type RuntimeName = 'node' | 'web';
type Ort = typeof ortNode;
export const RUNTIMES: Record<RuntimeName, Ort> = { node: ortNode, web: ortWeb as unknown as Ort };

export type Feed =
  | { type: 'float32'; data: Float32Array; dims: number[] }
  | { type: 'int64'; data: BigInt64Array; dims: number[] }
  | { type: 'bool'; data: boolean[]; dims: number[] };

export interface Runner {
  run(feeds: Record<string, Feed>): Promise<Record<string, Float32Array>>;
  release(): Promise<void>;
}

/** `extra` is passed as session options' `extra` (e.g. { session: { disable_quant_qdq: '1' } }). */
export async function openSession(runtime: RuntimeName, model: Uint8Array, extra?: Record<string, unknown>): Promise<Runner> {
  const ort = RUNTIMES[runtime];
  const options: ortNode.InferenceSession.SessionOptions = extra ? { extra } : {};
  const session = await ort.InferenceSession.create(model, options);
  return {
    async run(feeds) {
      const tensors: Record<string, ortNode.Tensor> = {};
      for (const [name, feed] of Object.entries(feeds)) {
        if (feed.type === 'float32') tensors[name] = new ort.Tensor('float32', feed.data, feed.dims);
        else if (feed.type === 'int64') tensors[name] = new ort.Tensor('int64', feed.data, feed.dims);
        else tensors[name] = new ort.Tensor('bool', feed.data, feed.dims);
      }
      const outputs = await session.run(tensors);
      const result: Record<string, Float32Array> = {};
      for (const [name, tensor] of Object.entries(outputs)) if (tensor.data instanceof Float32Array) result[name] = tensor.data;
      return result;
    },
    release: () => session.release(),
  };
}

/** Fraction of rows (width `classes`) whose argmax agrees, and the largest elementwise difference. */
export function compareLogits(reference: Float32Array, candidate: Float32Array, classes: number): { agreement: number; maxAbsDiff: number } {
  const rows = reference.length / classes;
  let agree = 0;
  let maxAbsDiff = 0;
  const argmax = (data: Float32Array, row: number): number => {
    let best = 0;
    for (let j = 1; j < classes; j++) if ((data[row * classes + j] ?? -Infinity) > (data[row * classes + best] ?? -Infinity)) best = j;
    return best;
  };
  for (let r = 0; r < rows; r++) {
    if (argmax(reference, r) === argmax(candidate, r)) agree++;
    for (let j = 0; j < classes; j++) maxAbsDiff = Math.max(maxAbsDiff, Math.abs((reference[r * classes + j] ?? 0) - (candidate[r * classes + j] ?? 0)));
  }
  return { agreement: agree / rows, maxAbsDiff };
}

/** Median wall time of `runs` calls after a warm-up, in microseconds. */
export async function medianMicros(runs: number, call: () => Promise<unknown>): Promise<number> {
  return Math.round(await measureMedian(call, runs, 5));
}
