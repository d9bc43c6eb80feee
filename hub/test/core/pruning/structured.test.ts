import { describe, expect, it } from 'vitest';
import { refusal } from './refusal';
import { mulberry32 } from '../../../src/core/seeded-random';
import { structuredPrune, type PruneSample } from '../../../src/core/pruning';
import { forwardLayers } from '../../../src/core/training/forward';
import { encodedWidth, type DenseLayer, type FeatureSpec, type TrainedNetwork } from '../../../src/core/training/types';
import { MIXED_FEATURES, normal, randomLayer, randomNetwork } from '../onnx/random-network';

const FEATURES: FeatureSpec = { numeric: ['a', 'b', 'c', 'd'].map((name) => ({ name, mean: 0, sd: 1, fill: 0 })), categorical: [] };

function sampleOf(seed: number, width: number, rows: number): PruneSample {
  const random = mulberry32(seed);
  return { rows, x: Float32Array.from({ length: rows * width }, () => normal(random)) };
}

/**
 * 4 -> 6 relu -> 3 (softmax). Unit 1 is dead (negative weights and bias: relu always 0); unit 4
 * is constant (no input weights, bias 2.5) with the largest outgoing weights of all, so only
 * folding its value into the next bias makes it free to remove.
 */
function netWithDeadAndConstantUnits(): TrainedNetwork {
  const random = mulberry32(42);
  const hidden = randomLayer(random, 4, 6, 'relu');
  for (let i = 0; i < 4; i++) {
    hidden.weights[i * 6 + 1] = 0;
    hidden.weights[i * 6 + 4] = 0;
  }
  hidden.bias[1] = -1;
  hidden.bias[4] = 2.5;
  const out = randomLayer(random, 6, 3, 'none');
  out.weights.set([4, -5, 6], 4 * 3);
  return { features: FEATURES, layers: [hidden, out], head: { kind: 'softmax', classes: ['x', 'y', 'z'] } };
}

describe('structuredPrune', () => {
  it('removes the dead and the constant unit, and the outputs do not change', () => {
    const net = netWithDeadAndConstantUnits();
    const sample = sampleOf(1, 4, 200);
    const { network, removed, kept } = structuredPrune(net, sample, { sparsity: 2 / 6 });
    expect(removed).toEqual([2]);
    expect(kept).toEqual([[0, 2, 3, 5]]);
    const before = forwardLayers(net.layers, sample.x, sample.rows);
    const after = forwardLayers(network.layers, sample.x, sample.rows);
    for (let i = 0; i < before.length; i++) expect(Math.abs((after[i] as number) - (before[i] as number))).toBeLessThan(1e-5);
    // Without the fold the constant unit's 2.5 x [4, -5, 6] would be missing from the output bias.
    expect(network.layers[1]?.bias[0]).toBeCloseTo((net.layers[1]?.bias[0] ?? 0) + 2.5 * 4, 5);
    // The input network is untouched.
    expect(net.layers[0]?.outputs).toBe(6);
  });

  it('slices every hidden layer to the kept units and leaves the output layer its width', () => {
    const net = randomNetwork(3, MIXED_FEATURES, { kind: 'reconstruction', threshold: 1 });
    const width = encodedWidth(MIXED_FEATURES);
    const { network, removed, kept } = structuredPrune(net, sampleOf(2, width, 64), { sparsity: 0.5 });
    // hidden 8, 6, 5 -> remove round(4), round(3), round(2.5) = 4, 3, 3
    expect(removed).toEqual([4, 3, 3]);
    expect(network.layers.map((l: DenseLayer) => [l.inputs, l.outputs])).toEqual([
      [width, 4],
      [4, 3],
      [3, 2],
      [2, width],
    ]);
    for (const units of kept) expect([...units].sort((a, b) => a - b)).toEqual(units);
    // W'[r, c] = W[kept rows of the layer before, kept column]: rows and columns both sliced.
    network.layers.forEach((pruned, l) => {
      const original = net.layers[l] as DenseLayer;
      const rows = l === 0 ? Array.from({ length: width }, (_, i) => i) : (kept[l - 1] as number[]);
      const columns = kept[l] ?? Array.from({ length: original.outputs }, (_, k) => k);
      rows.forEach((i, r) => columns.forEach((j, c) => expect(pruned.weights[r * pruned.outputs + c]).toBe(original.weights[i * original.outputs + j])));
    });
    // The first layer's biases are sliced only (later ones also take the folded means).
    (kept[0] as number[]).forEach((j, c) => expect(network.layers[0]?.bias[c]).toBe(net.layers[0]?.bias[j]));
    expect(network.head).toEqual(net.head);
    expect(network.features).toEqual(net.features);
  });

  it('never goes below minUnits', () => {
    const net = randomNetwork(4, FEATURES, { kind: 'identity', targetMean: 0, targetSd: 1 });
    const { removed, network } = structuredPrune(net, sampleOf(3, 4, 32), { sparsity: 0.9, minUnits: 5 });
    expect(removed).toEqual([3, 1, 0]);
    expect(network.layers.slice(0, 3).map((l) => l.outputs)).toEqual([5, 5, 5]);
  });

  it('is deterministic and breaks ties by index', () => {
    // Every hidden unit identical: all have the same importance, the lowest indices go.
    const hidden: DenseLayer = { inputs: 4, outputs: 5, activation: 'tanh', weights: Float32Array.from({ length: 20 }, (_, i) => (Math.floor(i / 5) % 2 === 0 ? 0.5 : -0.25)), bias: new Float32Array(5) };
    const out: DenseLayer = { inputs: 5, outputs: 1, activation: 'none', weights: new Float32Array(5).fill(1), bias: new Float32Array(1) };
    const net: TrainedNetwork = { features: FEATURES, layers: [hidden, out], head: { kind: 'identity', targetMean: 0, targetSd: 1 } };
    const sample = sampleOf(5, 4, 16);
    const first = structuredPrune(net, sample, { sparsity: 0.4 });
    expect(first.kept).toEqual([[2, 3, 4]]);
    expect(structuredPrune(net, sample, { sparsity: 0.4 })).toEqual(first);
  });

  it('validates its options with clear errors', () => {
    const net = randomNetwork(6, FEATURES, { kind: 'identity', targetMean: 0, targetSd: 1 });
    const sample = sampleOf(7, 4, 8);
    for (const sparsity of [0, 1, -0.1, 1.5, Number.NaN]) {
      expect(refusal(() => structuredPrune(net, sample, { sparsity }))).toMatchObject({ code: 'E_VALIDATION', message: expect.stringMatching(/sparsity must be a fraction between 0 and 1/) });
    }
    expect(refusal(() => structuredPrune(net, sample, { sparsity: 0.5, minUnits: 0 })).message).toMatch(/minUnits must be a whole number >= 1/);
    expect(refusal(() => structuredPrune(net, { x: new Float32Array(10), rows: 3 }, { sparsity: 0.5 })).message).toMatch(/sample has 10 values, expected 3 rows x 4 encoded features/);
    expect(refusal(() => structuredPrune(net, { x: new Float32Array(0), rows: 0 }, { sparsity: 0.5 })).message).toMatch(/at least one row/);
    const single: TrainedNetwork = { ...net, layers: [randomLayer(mulberry32(1), 4, 1, 'none')] };
    expect(refusal(() => structuredPrune(single, sample, { sparsity: 0.5 })).message).toMatch(/no hidden layer/);
  });
});
