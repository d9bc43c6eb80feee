import { describe, expect, it } from 'vitest';
import { refusal } from './refusal';
import { applyMasks, magnitudePrune, sparsityOf } from '../../../src/core/pruning';
import { createRandom } from '../../../src/core/training/random';
import { allRows, fitNetwork } from '../../../src/core/training/trainers/fit-loop';
import { initStack } from '../../../src/core/training/trainers/dense-net';
import { meanSquaredError } from '../../../src/core/training/trainers/losses';
import type { DenseLayer, FeatureSpec, TrainedNetwork } from '../../../src/core/training/types';
import { randomNetwork } from '../onnx/random-network';

const FEATURES: FeatureSpec = { numeric: ['a', 'b', 'c'].map((name) => ({ name, mean: 0, sd: 1, fill: 0 })), categorical: [] };
const IDENTITY = { kind: 'identity', targetMean: 0, targetSd: 1 } as const;

function layer(inputs: number, outputs: number, weights: number[]): DenseLayer {
  return { inputs, outputs, activation: 'none', weights: Float32Array.from(weights), bias: Float32Array.from({ length: outputs }, (_, k) => k + 0.5) };
}

describe('magnitudePrune', () => {
  it('zeroes exactly round(sparsity x weights) of the smallest |w| of each hidden layer, never a bias nor the output layer', () => {
    const net = randomNetwork(1, FEATURES, IDENTITY);
    const { network, masks, zeroed } = magnitudePrune(net, { sparsity: 0.3 });
    // layers 3x8, 8x6, 6x5, 5x1; the output layer is kept whole
    const counts = [Math.round(7.2), Math.round(14.4), Math.round(9), 0];
    expect(masks.map((m) => m.length - m.reduce((n, b) => n + b, 0))).toEqual(counts);
    expect(zeroed).toBe(counts.reduce((a, b) => a + b));
    network.layers.forEach((pruned, l) => {
      const original = net.layers[l] as DenseLayer;
      const mask = masks[l] as Uint8Array;
      if (l === net.layers.length - 1) {
        expect([...pruned.weights]).toEqual([...original.weights]);
        return;
      }
      const largestPruned = Math.max(...[...original.weights].filter((_, i) => mask[i] === 0).map(Math.abs));
      const smallestKept = Math.min(...[...original.weights].filter((_, i) => mask[i] === 1).map(Math.abs));
      expect(largestPruned).toBeLessThanOrEqual(smallestKept);
      pruned.weights.forEach((w, i) => expect(w).toBe(mask[i] === 0 ? 0 : original.weights[i]));
      expect([...pruned.bias]).toEqual([...original.bias]);
    });
    expect(sparsityOf(network.layers)).toBeCloseTo(zeroed / net.layers.reduce((n, l) => n + l.weights.length, 0), 12);
    // The input network is untouched.
    expect(sparsityOf(net.layers)).toBe(0);
  });

  it('breaks ties by index, deterministically', () => {
    const weights = [0.5, -0.25, 0.25, -0.5, 0.25, 1];
    const net: TrainedNetwork = { features: FEATURES, layers: [layer(3, 2, weights), layer(2, 1, [0.1, -0.1])], head: IDENTITY };
    const result = magnitudePrune(net, { sparsity: 0.5 });
    // |w|: .5 .25 .25 .5 .25 1 -> the three .25 go (indices 1, 2, 4); the output layer stays whole.
    expect([...(result.masks[0] as Uint8Array)]).toEqual([1, 0, 0, 1, 0, 1]);
    expect([...(result.masks[1] as Uint8Array)]).toEqual([1, 1]);
    // A network without hidden layers prunes its only layer (ties: the lower index first).
    const linear = magnitudePrune({ features: FEATURES, layers: [layer(3, 2, weights)], head: { kind: 'softmax', classes: ['a', 'b'] } }, { sparsity: 0.5 });
    expect([...(linear.masks[0] as Uint8Array)]).toEqual([1, 0, 0, 1, 0, 1]);
    expect(magnitudePrune(net, { sparsity: 0.5 })).toEqual(result);
  });

  it('sparsity 0 keeps everything; out-of-range sparsity is refused', () => {
    const net = randomNetwork(2, FEATURES, IDENTITY);
    const { zeroed, masks } = magnitudePrune(net, { sparsity: 0 });
    expect(zeroed).toBe(0);
    expect(masks.every((m) => m.every((b) => b === 1))).toBe(true);
    for (const sparsity of [1, -0.01, 2, Number.NaN]) {
      expect(refusal(() => magnitudePrune(net, { sparsity }))).toMatchObject({ code: 'E_VALIDATION', message: expect.stringMatching(/sparsity must be a fraction in \[0, 1\)/) });
    }
  });

  it('applyMasks re-zeroes what changed and checks the shapes', () => {
    const { network, masks } = magnitudePrune(randomNetwork(3, FEATURES, IDENTITY), { sparsity: 0.5 });
    const before = sparsityOf(network.layers);
    for (const l of network.layers) l.weights.forEach((w, i) => (l.weights[i] = w + 0.01));
    expect(sparsityOf(network.layers)).toBe(0);
    applyMasks(network.layers, masks);
    expect(sparsityOf(network.layers)).toBe(before);
    expect(refusal(() => applyMasks(network.layers, masks.slice(1))).message).toMatch(/3 masks for 4 layers/);
    expect(refusal(() => applyMasks(network.layers, [new Uint8Array(1), ...masks.slice(1)])).message).toMatch(/layer 0 has 24 weights, its mask 1/);
  });
});

describe('masked fine-tuning (fitNetwork afterStep)', () => {
  // y = x0 - 2 x1 + 0.5 x2 on 64 seeded rows: something for Adam to move every weight towards.
  const rows = 64;
  const random = createRandom(11);
  const x = Float32Array.from({ length: rows * 3 }, () => random.gaussian());
  const y = Float32Array.from({ length: rows }, (_, r) => (x[r * 3] as number) - 2 * (x[r * 3 + 1] as number) + 0.5 * (x[r * 3 + 2] as number));

  async function fineTune(masked: boolean): Promise<{ layers: DenseLayer[]; masks: Uint8Array[]; pruned: DenseLayer[] }> {
    const net: TrainedNetwork = { features: FEATURES, layers: initStack([3, 8, 1], 'tanh', createRandom(5)), head: IDENTITY };
    const { network, masks } = magnitudePrune(net, { sparsity: 0.5 });
    const pruned = network.layers.map((l) => ({ ...l, weights: l.weights.slice() }));
    const layers = network.layers;
    const train = { x, width: 3, rows: allRows(rows), objective: meanSquaredError(y, 1) };
    const kept = await fitNetwork({
      layers,
      train,
      validation: { ...train, rows: allRows(rows) },
      epochs: 4,
      batchSize: 16,
      lr: 0.05,
      l2: 0,
      patience: 0,
      ctx: { random: createRandom(7) },
      ...(masked ? { afterStep: () => applyMasks(layers, masks) } : {}),
    });
    return { layers: kept, masks, pruned };
  }

  it('keeps every pruned weight at zero while the others train', async () => {
    const { layers, masks, pruned } = await fineTune(true);
    layers.forEach((l, i) => {
      const mask = masks[i] as Uint8Array;
      l.weights.forEach((w, j) => {
        if (mask[j] === 0) expect(w).toBe(0);
      });
      expect([...l.weights].some((w, j) => mask[j] === 1 && w !== pruned[i]?.weights[j])).toBe(true);
    });
    // half of the hidden layer's 24 weights; the 8 output weights stay whole
    expect(sparsityOf(layers)).toBe(12 / 32);
  });

  it('without the hook the zeros do not survive (the hook is what keeps them)', async () => {
    const { layers, masks } = await fineTune(false);
    // Most pruned weights move again (a unit whose every weight was pruned is a dead saddle and stays).
    const revived = layers.reduce((n, l, i) => n + [...l.weights].filter((w, j) => masks[i]?.[j] === 0 && w !== 0).length, 0);
    expect(revived).toBeGreaterThan(6);
    expect(sparsityOf(layers)).toBeLessThan(12 / 32);
  });
});
