/**
 * The forward pass of a trained network over encoded rows, and what its head makes of the last
 * layer (types.ts Head). Pure and allocation-light; sums run in float64 (JS numbers), every
 * stored value is float32 like the ONNX graph's.
 */
import type { Activation, DenseLayer, TrainedNetwork } from './types';

/**
 * y = activation(x W + b) for `rows` rows of x (row-major [rows x layer.inputs]). Sums run in
 * float64 and are rounded like the exported graph's MatMul then Add, so the JS pass and
 * onnxruntime differ only by summation order.
 */
export function denseForward(layer: DenseLayer, x: Float32Array, rows: number, out = new Float32Array(rows * layer.outputs)): Float32Array {
  const { inputs, outputs, weights, bias } = layer;
  const acc = new Float64Array(outputs);
  for (let r = 0; r < rows; r++) {
    acc.fill(0);
    for (let i = 0; i < inputs; i++) {
      const xi = x[r * inputs + i] as number;
      if (xi === 0) continue; // one-hot blocks and MNIST backgrounds are mostly zeros
      const w = i * outputs;
      for (let k = 0; k < outputs; k++) acc[k] = (acc[k] as number) + xi * (weights[w + k] as number);
    }
    const o = r * outputs;
    for (let k = 0; k < outputs; k++) out[o + k] = Math.fround(acc[k] as number) + (bias[k] as number);
  }
  activateInPlace(layer.activation, out);
  return out;
}

export function activateInPlace(activation: Activation, z: Float32Array): void {
  switch (activation) {
    case 'relu':
      for (let i = 0; i < z.length; i++) if ((z[i] as number) < 0) z[i] = 0;
      return;
    case 'tanh':
      for (let i = 0; i < z.length; i++) z[i] = Math.tanh(z[i] as number);
      return;
    case 'sigmoid':
      for (let i = 0; i < z.length; i++) z[i] = sigmoid(z[i] as number);
      return;
    case 'none':
      return;
  }
}

export const sigmoid = (z: number): number => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

/** Every layer's activations for x: outputs[i] is layer i's output [rows x outputs]. */
export function forwardAll(layers: readonly DenseLayer[], x: Float32Array, rows: number): Float32Array[] {
  const outputs: Float32Array[] = [];
  let input = x;
  for (const layer of layers) {
    input = denseForward(layer, input, rows);
    outputs.push(input);
  }
  return outputs;
}

export function forwardLayers(layers: readonly DenseLayer[], x: Float32Array, rows: number): Float32Array {
  return forwardAll(layers, x, rows).at(-1) ?? x;
}

/** Softmax of each row of `logits` [rows x k], numerically stable (max subtracted). */
export function softmaxRows(logits: Float32Array, rows: number, k: number, out = new Float32Array(rows * k)): Float32Array {
  for (let r = 0; r < rows; r++) {
    let max = -Infinity;
    for (let c = 0; c < k; c++) max = Math.max(max, logits[r * k + c] as number);
    let sum = 0;
    for (let c = 0; c < k; c++) sum += Math.exp((logits[r * k + c] as number) - max);
    for (let c = 0; c < k; c++) out[r * k + c] = Math.exp((logits[r * k + c] as number) - max) / sum;
  }
  return out;
}

/** Index of each row's largest value (the first one on ties, like ONNX ArgMax). */
export function argmaxRows(values: Float32Array, rows: number, k: number): Int32Array {
  const labels = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < k; c++) if ((values[r * k + c] as number) > (values[r * k + best] as number)) best = c;
    labels[r] = best;
  }
  return labels;
}

/** Mean squared error of each row of a reconstruction against its input. */
export function reconstructionScores(x: Float32Array, reconstruction: Float32Array, rows: number, width: number): Float32Array {
  const scores = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let j = 0; j < width; j++) {
      const d = (reconstruction[r * width + j] as number) - (x[r * width + j] as number);
      sum += d * d;
    }
    scores[r] = width > 0 ? sum / width : 0;
  }
  return scores;
}

export type Prediction =
  /** probabilities row-major [rows x classes.length]; labels = argmax */
  | { kind: 'classification'; classes: string[]; probabilities: Float32Array; labels: Int32Array }
  /** in target units */
  | { kind: 'regression'; prediction: Float32Array }
  /** anomaly[r] = 1 when score[r] > threshold */
  | { kind: 'anomaly'; score: Float32Array; anomaly: Uint8Array; threshold: number };

export type NetworkBody = Pick<TrainedNetwork, 'layers' | 'head'>;

/** What the exported ONNX graph computes after preprocessing, for encoded rows x [rows x width]. */
export function predictEncoded(net: NetworkBody, x: Float32Array, rows: number): Prediction {
  const out = forwardLayers(net.layers, x, rows);
  const head = net.head;
  switch (head.kind) {
    case 'softmax': {
      const k = head.classes.length;
      const probabilities = softmaxRows(out, rows, k);
      return { kind: 'classification', classes: head.classes, probabilities, labels: argmaxRows(probabilities, rows, k) };
    }
    case 'sigmoid-binary': {
      const probabilities = new Float32Array(rows * 2);
      for (let r = 0; r < rows; r++) {
        // Rounded first, as the graph's Sigmoid output is float32 before 1 - p.
        const p = Math.fround(sigmoid(out[r] as number));
        probabilities[2 * r] = 1 - p;
        probabilities[2 * r + 1] = p;
      }
      return { kind: 'classification', classes: [...head.classes], probabilities, labels: argmaxRows(probabilities, rows, 2) };
    }
    case 'identity': {
      const prediction = Float32Array.from(out.subarray(0, rows), (z) => z * head.targetSd + head.targetMean);
      return { kind: 'regression', prediction };
    }
    case 'reconstruction': {
      const width = rows > 0 ? x.length / rows : 0;
      const score = reconstructionScores(x, out, rows, width);
      return { kind: 'anomaly', score, anomaly: Uint8Array.from(score, (s) => (s > head.threshold ? 1 : 0)), threshold: head.threshold };
    }
  }
}
