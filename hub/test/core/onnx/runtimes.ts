/**
 * Test helper: runs ONNX bytes in real onnxruntime-node and onnxruntime-web (wasm, in Node) and
 * returns plain typed arrays, so one test body checks both runtimes.
 */
import ort from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';

ortWeb.env.wasm.numThreads = 1;

export type Feed =
  | { type: 'float32'; data: Float32Array; dims: number[] }
  | { type: 'int64'; data: BigInt64Array; dims: number[] }
  | { type: 'int32'; data: Int32Array; dims: number[] }
  | { type: 'bool'; data: Uint8Array; dims: number[] }
  | { type: 'string'; data: string[]; dims: number[] };

export type Fetched = Float32Array | BigInt64Array | Uint8Array | Int32Array | Int8Array | string[];

export interface Runtime {
  name: 'onnxruntime-node' | 'onnxruntime-web';
  run(model: Uint8Array, feeds: Record<string, Feed>): Promise<Record<string, { data: Fetched; dims: number[] }>>;
}

type OrtModule = Pick<typeof ort, 'InferenceSession' | 'Tensor'>;

function runtime(name: Runtime['name'], lib: OrtModule): Runtime {
  return {
    name,
    async run(model, feeds) {
      const session = await lib.InferenceSession.create(model, { logSeverityLevel: 3 });
      try {
        const tensors: Record<string, InstanceType<OrtModule['Tensor']>> = {};
        for (const [key, feed] of Object.entries(feeds)) tensors[key] = new lib.Tensor(feed.type, feed.data, feed.dims);
        const out = await session.run(tensors);
        const result: Record<string, { data: Fetched; dims: number[] }> = {};
        for (const [key, value] of Object.entries(out)) result[key] = { data: value.data as Fetched, dims: [...value.dims] };
        return result;
      } finally {
        await session.release();
      }
    },
  };
}

export const RUNTIMES: Runtime[] = [runtime('onnxruntime-node', ort), runtime('onnxruntime-web', ortWeb)];

/** A fetched output's values as a plain array (missing output: empty). */
export const list = (fetched: { data: Fetched } | undefined): Array<number | bigint | string> => (fetched ? [...fetched.data] : []);
