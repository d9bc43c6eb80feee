/** Test helper: seeded random networks and raw rows with missing and unseen values. */
import { mulberry32 } from '../../../src/core/seeded-random';
import { encodedWidth, type Activation, type DenseLayer, type FeatureSpec, type Head, type TrainedNetwork } from '../../../src/core/training/types';
import { headInputs } from '../../../src/core/onnx/network-check';

export type Random = () => number;

export const normal = (random: Random): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());

export function randomLayer(random: Random, inputs: number, outputs: number, activation: Activation): DenseLayer {
  const scale = 1.5 / Math.sqrt(inputs);
  return {
    inputs,
    outputs,
    activation,
    weights: Float32Array.from({ length: inputs * outputs }, () => normal(random) * scale),
    bias: Float32Array.from({ length: outputs }, () => normal(random) * 0.3),
  };
}

export const MIXED_FEATURES: FeatureSpec = {
  numeric: [
    { name: 'temperature', mean: 21.5, sd: 3.2, fill: 21.5 },
    { name: 'humidity', mean: 0.43, sd: 0.11, fill: 0.4 },
    { name: 'constant', mean: 7, sd: 0, fill: 7 },
  ],
  categorical: [
    { name: 'mote', categories: ['m1', 'm2', 'm3'] },
    { name: 'site', categories: ['north', 'süd'] },
  ],
};

/** A network with hidden layers relu -> tanh -> sigmoid and a last layer sized for `head`. */
export function randomNetwork(seed: number, features: FeatureSpec, head: Head): TrainedNetwork {
  const random = mulberry32(seed);
  const width = encodedWidth(features);
  const sizes = [width, 8, 6, 5];
  const hidden: Activation[] = ['relu', 'tanh', 'sigmoid'];
  const layers = hidden.map((activation, i) => randomLayer(random, sizes[i] ?? 0, sizes[i + 1] ?? 0, activation));
  layers.push(randomLayer(random, 5, headInputs(head, width), 'none'));
  return { features, layers, head };
}

export interface RawRows {
  rows: number;
  numeric: Float32Array;
  /** null = missing (fed to ONNX as '') */
  categorical: Array<string | null>;
}

/** Rows around each feature's mean, with NaN, missing and unseen categories sprinkled in. */
export function randomRows(seed: number, features: FeatureSpec, rows: number): RawRows {
  const random = mulberry32(seed);
  const numeric = new Float32Array(rows * features.numeric.length);
  features.numeric.forEach((f, j) => {
    for (let r = 0; r < rows; r++) numeric[r * features.numeric.length + j] = random() < 0.15 ? Number.NaN : f.mean + normal(random) * (f.sd || 1) * 1.5;
  });
  const categorical: Array<string | null> = [];
  for (let r = 0; r < rows; r++) {
    for (const c of features.categorical) {
      const u = random();
      categorical.push(u < 0.1 ? null : u < 0.2 ? 'never-seen' : (c.categories[Math.floor(random() * c.categories.length)] ?? null));
    }
  }
  return { rows, numeric, categorical };
}
