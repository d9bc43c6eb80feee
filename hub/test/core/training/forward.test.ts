import { describe, expect, it } from 'vitest';
import { predictEncoded } from '../../../src/core/training/forward';
import { createRandom } from '../../../src/core/training/random';
import { backward, initStack, zeroGradients } from '../../../src/core/training/trainers/dense-net';
import { forwardAll } from '../../../src/core/training/forward';
import { meanSquaredError, sigmoidCrossEntropy, softmaxCrossEntropy, type Objective } from '../../../src/core/training/trainers/losses';
import type { DenseLayer } from '../../../src/core/training/types';

const layer = (inputs: number, outputs: number, weights: number[], bias: number[], activation: DenseLayer['activation'] = 'none'): DenseLayer => ({
  inputs,
  outputs,
  weights: Float32Array.from(weights),
  bias: Float32Array.from(bias),
  activation,
});

describe('predictEncoded', () => {
  // x W + b with W = [[1, -1], [2, 0]] (row-major [inputs x outputs]), b = [0, 1]
  const dense = layer(2, 2, [1, -1, 2, 0], [0, 1]);
  const x = Float32Array.of(1, 1, 0, -1); // rows (1, 1) and (0, -1) -> logits (3, 0) and (-2, 1)

  it('softmax head: probabilities and argmax labels', () => {
    const p = predictEncoded({ layers: [dense], head: { kind: 'softmax', classes: ['a', 'b'] } }, x, 2);
    if (p.kind !== 'classification') throw new Error(p.kind);
    const e3 = Math.exp(3);
    expect(p.probabilities[0]).toBeCloseTo(e3 / (e3 + 1), 6);
    expect(p.probabilities[3]).toBeCloseTo(Math.exp(1) / (Math.exp(-2) + Math.exp(1)), 6);
    expect(Array.from(p.labels)).toEqual([0, 1]);
  });

  it('sigmoid-binary head: [1 - p, p] from one logit', () => {
    const one = layer(2, 1, [1, 2], [-1]); // logits 2 and -3
    const p = predictEncoded({ layers: [one], head: { kind: 'sigmoid-binary', classes: ['no', 'yes'] } }, x, 2);
    if (p.kind !== 'classification') throw new Error(p.kind);
    // p is float32 before 1 - p, as in the exported graph
    const s = (z: number): number => Math.fround(1 / (1 + Math.exp(-z)));
    expect(Array.from(p.probabilities)).toEqual([1 - s(2), s(2), 1 - s(-3), s(-3)].map(Math.fround));
    expect(Array.from(p.labels)).toEqual([1, 0]);
  });

  it('identity head: back to target units; relu hidden layer', () => {
    const hidden = layer(2, 2, [1, -1, 2, 0], [0, 1], 'relu'); // (3, 0) and (0, 1) after relu
    const out = layer(2, 1, [1, 1], [0.5]);
    const p = predictEncoded({ layers: [hidden, out], head: { kind: 'identity', targetMean: 10, targetSd: 2 } }, x, 2);
    if (p.kind !== 'regression') throw new Error(p.kind);
    expect(Array.from(p.prediction)).toEqual([(3.5 * 2 + 10), (1.5 * 2 + 10)]);
  });

  it('reconstruction head: mean squared error per row, anomaly when above the threshold', () => {
    const zero = layer(2, 2, [0, 0, 0, 0], [0, 0]); // reconstructs everything as (0, 0)
    const p = predictEncoded({ layers: [zero], head: { kind: 'reconstruction', threshold: 0.75 } }, x, 2);
    if (p.kind !== 'anomaly') throw new Error(p.kind);
    expect(Array.from(p.score)).toEqual([1, 0.5]);
    expect(Array.from(p.anomaly)).toEqual([1, 0]);
  });
});

describe('backward pass (numerical gradient check)', () => {
  const rows = 5;
  const check = (objective: Objective, outputs: number, activation: 'relu' | 'tanh', l2: number): void => {
    const layers = initStack([3, 4, outputs], activation, createRandom(2));
    const random = createRandom(3);
    const x = Float32Array.from({ length: rows * 3 }, () => random.gaussian());
    const batch = Int32Array.of(0, 1, 2, 3, 4);
    const loss = (): number => {
      let penalty = 0;
      for (const l of layers) for (const w of l.weights) penalty += (l2 / 2) * w * w;
      return objective.evaluate(forwardAll(layers, x, rows).at(-1) ?? x, batch).loss + penalty;
    };
    const acts = [x, ...forwardAll(layers, x, rows)];
    const dOut = new Float32Array(rows * outputs);
    objective.evaluate(acts.at(-1) ?? x, batch, dOut);
    const grads = zeroGradients(layers);
    backward(layers, acts, dOut, rows, l2, grads);
    layers.forEach((l, li) => {
      for (const [param, grad] of [[l.weights, grads.weights[li]], [l.bias, grads.bias[li]]] as const) {
        for (let i = 0; i < param.length; i++) {
          const saved = param[i] as number;
          const h = 1e-2;
          param[i] = saved + h;
          const up = loss();
          param[i] = saved - h;
          const down = loss();
          param[i] = saved;
          expect(grad?.[i]).toBeCloseTo((up - down) / (2 * h), 3);
        }
      }
    });
  };
  const weights = Float32Array.of(1, 0.5, 2, 1, 0.25);

  it('softmax cross-entropy with sample weights and L2, tanh', () => check(softmaxCrossEntropy(Int32Array.of(0, 2, 1, 2, 0), 3, weights), 3, 'tanh', 0.1));
  it('sigmoid cross-entropy, tanh', () => check(sigmoidCrossEntropy(Int32Array.of(0, 1, 1, 0, 1), weights), 1, 'tanh', 0));
  it('mean squared error over 2 outputs, relu', () => check(meanSquaredError(Float32Array.of(1, 0, -1, 2, 0.5, 0.5, 3, -2, 0, 1), 2), 2, 'relu', 0.01));
});
