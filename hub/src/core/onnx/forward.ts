/**
 * The exported graph's named outputs (types.ts Head) computed in JS, to check an export against:
 * the training forward pass, reshaped into what onnxruntime returns.
 */
import { predictEncoded } from '../training/forward';
import type { TrainedNetwork } from '../training/types';
import { checkNetwork } from './network-check';

/** Output tensors by ONNX output name: float32 values, int64 labels, bool (0/1) flags. */
export type NetworkOutputs = Record<string, Float32Array | BigInt64Array | Uint8Array>;

/** Runs `net` on `rows` encoded rows (row-major [rows x encodedWidth]). */
export function predictNetwork(net: TrainedNetwork, encoded: Float32Array, rows: number): NetworkOutputs {
  checkNetwork(net);
  const width = net.layers[0]?.inputs ?? 0;
  if (encoded.length !== rows * width) throw new RangeError(`predictNetwork: ${encoded.length} values for ${rows} rows of ${width}`);
  const prediction = predictEncoded(net, encoded, rows);
  switch (prediction.kind) {
    case 'classification':
      return { probabilities: prediction.probabilities, label: BigInt64Array.from(prediction.labels, (label) => BigInt(label)) };
    case 'regression':
      return { prediction: prediction.prediction };
    case 'anomaly':
      return { score: prediction.score, anomaly: prediction.anomaly };
  }
}
