/**
 * A pure JS forward pass of a TrainedNetwork over encoded rows, producing the same named outputs
 * as the exported graph (types.ts Head), to check an export against. Each stage is rounded to
 * float32, as onnxruntime stores it; sums run in float64, so small differences remain (tolerance).
 */
import type { Activation, DenseLayer, Head, TrainedNetwork } from '../training/types';
import { checkNetwork } from './network-check';

/** Output tensors by ONNX output name: float32 values, int64 labels, bool (0/1) flags. */
export type NetworkOutputs = Record<string, Float32Array | BigInt64Array | Uint8Array>;

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

function activate(x: number, activation: Activation): number {
  switch (activation) {
    case 'relu':
      return x > 0 ? x : 0;
    case 'tanh':
      return Math.tanh(x);
    case 'sigmoid':
      return sigmoid(x);
    case 'none':
      return x;
  }
}

/** y = activation(x W + b) over `rows` rows, W row-major [inputs x outputs]. */
export function denseForward(layer: DenseLayer, x: Float32Array, rows: number): Float32Array {
  const { inputs, outputs, weights, bias } = layer;
  const y = new Float32Array(rows * outputs);
  const acc = new Float64Array(outputs);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < outputs; o++) acc[o] = 0;
    for (let i = 0; i < inputs; i++) {
      const xi = x[r * inputs + i] ?? 0;
      if (xi === 0) continue;
      const row = i * outputs;
      for (let o = 0; o < outputs; o++) acc[o] = (acc[o] ?? 0) + xi * (weights[row + o] ?? 0);
    }
    // MatMul then Add: two float32 stages, then the activation.
    for (let o = 0; o < outputs; o++) y[r * outputs + o] = activate(Math.fround(Math.fround(acc[o] ?? 0) + (bias[o] ?? 0)), layer.activation);
  }
  return y;
}

function argmaxLabels(probabilities: Float32Array, rows: number, classes: number): BigInt64Array {
  const label = new BigInt64Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if ((probabilities[r * classes + c] ?? 0) > (probabilities[r * classes + best] ?? 0)) best = c;
    label[r] = BigInt(best);
  }
  return label;
}

function softmaxRows(logits: Float32Array, rows: number, classes: number): Float32Array {
  const out = new Float32Array(rows * classes);
  for (let r = 0; r < rows; r++) {
    const row = logits.subarray(r * classes, (r + 1) * classes);
    const max = Math.max(...row);
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += Math.exp((row[c] ?? 0) - max);
    for (let c = 0; c < classes; c++) out[r * classes + c] = Math.exp((row[c] ?? 0) - max) / sum;
  }
  return out;
}

function applyHead(head: Head, out: Float32Array, encoded: Float32Array, rows: number): NetworkOutputs {
  switch (head.kind) {
    case 'softmax': {
      const probabilities = softmaxRows(out, rows, head.classes.length);
      return { probabilities, label: argmaxLabels(probabilities, rows, head.classes.length) };
    }
    case 'sigmoid-binary': {
      const probabilities = new Float32Array(rows * 2);
      for (let r = 0; r < rows; r++) {
        const p = Math.fround(sigmoid(out[r] ?? 0));
        probabilities[2 * r] = 1 - p;
        probabilities[2 * r + 1] = p;
      }
      return { probabilities, label: argmaxLabels(probabilities, rows, 2) };
    }
    case 'identity': {
      const sd = Math.fround(head.targetSd);
      const mean = Math.fround(head.targetMean);
      return { prediction: out.map((v) => Math.fround(v * sd) + mean) };
    }
    case 'reconstruction': {
      const width = encoded.length / Math.max(rows, 1);
      const score = new Float32Array(rows);
      const anomaly = new Uint8Array(rows);
      const threshold = Math.fround(head.threshold);
      for (let r = 0; r < rows; r++) {
        let sum = 0;
        for (let i = 0; i < width; i++) sum += Math.fround(Math.fround((out[r * width + i] ?? 0) - (encoded[r * width + i] ?? 0)) ** 2);
        score[r] = sum / width;
        anomaly[r] = (score[r] ?? 0) > threshold ? 1 : 0;
      }
      return { score, anomaly };
    }
  }
}

/** Runs `net` on `rows` encoded rows (row-major [rows x encodedWidth]). */
export function predictNetwork(net: TrainedNetwork, encoded: Float32Array, rows: number): NetworkOutputs {
  checkNetwork(net);
  const width = net.layers[0]?.inputs ?? 0;
  if (encoded.length !== rows * width) throw new RangeError(`predictNetwork: ${encoded.length} values for ${rows} rows of ${width}`);
  const out = net.layers.reduce((x, layer) => denseForward(layer, x, rows), encoded);
  return applyHead(net.head, out, encoded, rows);
}
