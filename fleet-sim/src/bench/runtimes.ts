/**
 * onnxruntime-node and onnxruntime-web (wasm, one thread, inside Node) behind one small
 * interface, and the median latency of a call after a warm-up.
 */
import ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';

ortWeb.env.wasm.numThreads = 1;

export type RuntimeName = 'node' | 'web';
type Ort = typeof ortNode;
const RUNTIMES: Record<RuntimeName, Ort> = { node: ortNode, web: ortWeb as unknown as Ort };

export type Feed = { type: 'float32'; data: Float32Array; dims: number[] } | { type: 'int64'; data: BigInt64Array; dims: number[] };

export interface Runner {
  run(feeds: Record<string, Feed>): Promise<Record<string, Float32Array>>;
  release(): Promise<void>;
}

/** `foldQdq`: session option disable_quant_qdq=1 (ML.md), which folds weight DequantizeLinear at load. */
export async function openRunner(runtime: RuntimeName, model: Uint8Array, foldQdq = false): Promise<Runner> {
  const ort = RUNTIMES[runtime];
  const session = await ort.InferenceSession.create(model, foldQdq ? { extra: { session: { disable_quant_qdq: '1' } } } : {});
  return {
    async run(feeds) {
      const tensors: Record<string, ortNode.Tensor> = {};
      for (const [name, feed] of Object.entries(feeds)) tensors[name] = feed.type === 'float32' ? new ort.Tensor('float32', feed.data, feed.dims) : new ort.Tensor('int64', feed.data, feed.dims);
      const outputs = await session.run(tensors);
      const result: Record<string, Float32Array> = {};
      for (const [name, tensor] of Object.entries(outputs)) if (tensor.data instanceof Float32Array) result[name] = tensor.data;
      return result;
    },
    release: () => session.release(),
  };
}

export { medianMicros } from '../../../hub/src/adapters/latency';
