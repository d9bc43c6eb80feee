import { describe, expect, it } from 'vitest';
import { predictNetwork } from '../../../src/core/onnx/forward';
import { denseForward } from '../../../src/core/training/forward';
import type { DenseLayer, FeatureSpec, Head, TrainedNetwork } from '../../../src/core/training/types';

const FEATURES: FeatureSpec = { numeric: [{ name: 'a', mean: 0, sd: 1, fill: 0 }, { name: 'b', mean: 0, sd: 1, fill: 0 }], categorical: [] };
const layer = (weights: number[], bias: number[], outputs: number, activation: DenseLayer['activation'] = 'none'): DenseLayer => ({
  inputs: weights.length / outputs,
  outputs,
  weights: Float32Array.from(weights),
  bias: Float32Array.from(bias),
  activation,
});
const net = (layers: DenseLayer[], head: Head): TrainedNetwork => ({ features: FEATURES, layers, head });
const x = Float32Array.of(1, 2, -1, 0.5);

describe('predictNetwork', () => {
  it('computes x W + b with the activation', () => {
    // W = [[1, -1], [2, 0.5]], b = [0.5, 0]: row 1 -> [5.5, 0], row 2 -> [0.5, 1.25]
    expect(Array.from(denseForward(layer([1, -1, 2, 0.5], [0.5, 0], 2, 'relu'), x, 2))).toEqual([5.5, 0, 0.5, 1.25]);
    expect(Array.from(denseForward(layer([1, -1, 2, 0.5], [0.5, 0], 2, 'tanh'), x, 2))).toEqual([5.5, 0, 0.5, 1.25].map((v) => Math.fround(Math.tanh(v))));
  });

  it('softmax head: probabilities and first-max label', () => {
    const out = predictNetwork(net([layer([1, 0, 0, 0, 1, 0], [0, 0, Math.log(2)], 3)], { kind: 'softmax', classes: ['a', 'b', 'c'] }), Float32Array.of(0, 0, Math.log(2), 0), 2);
    expect([...(out['probabilities'] ?? [])].map((v) => Number(v).toFixed(4))).toEqual(['0.2500', '0.2500', '0.5000', '0.4000', '0.2000', '0.4000']);
    expect([...(out['label'] ?? [])]).toEqual([2n, 0n]);
  });

  it('sigmoid-binary head: [1 - p, p], ties to the first class', () => {
    const out = predictNetwork(net([layer([1, 1], [0], 1)], { kind: 'sigmoid-binary', classes: ['no', 'yes'] }), Float32Array.of(0, 0, 3, -1), 2);
    const p = Math.fround(1 / (1 + Math.exp(-2)));
    expect([...(out['probabilities'] ?? [])]).toEqual([0.5, 0.5, Math.fround(1 - p), p]);
    expect([...(out['label'] ?? [])]).toEqual([0n, 1n]);
  });

  it('identity head: out * targetSd + targetMean', () => {
    const out = predictNetwork(net([layer([1, 1], [0], 1)], { kind: 'identity', targetMean: 10, targetSd: 2 }), x, 2);
    expect([...(out['prediction'] ?? [])]).toEqual([16, 9]);
  });

  it('reconstruction head: mean squared error and score > threshold', () => {
    const out = predictNetwork(net([layer([1, 0, 0, 1], [1, 0], 2)], { kind: 'reconstruction', threshold: 0.5 }), Float32Array.of(1, 2, 0, 0), 2);
    expect([...(out['score'] ?? [])]).toEqual([0.5, 0.5]);
    expect([...(out['anomaly'] ?? [])]).toEqual([0, 0]);
    const strict = predictNetwork(net([layer([1, 0, 0, 1], [2, 0], 2)], { kind: 'reconstruction', threshold: 0.5 }), Float32Array.of(1, 2, 0, 0), 2);
    expect([...(strict['anomaly'] ?? [])]).toEqual([1, 1]);
  });

  it('rejects encoded data of the wrong width', () => {
    expect(() => predictNetwork(net([layer([1, 1], [0], 1)], { kind: 'identity', targetMean: 0, targetSd: 1 }), Float32Array.of(1, 2, 3), 2)).toThrow(RangeError);
  });
});
