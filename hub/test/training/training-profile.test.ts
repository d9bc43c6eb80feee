/** The reference profile of a trained classifier, from a hand-made network whose answers are known. */
import { describe, expect, it } from 'vitest';
import { referenceProfileSchema } from '@edgefleet/protocol';
import { predictEncoded, type Table, type TrainedNetwork } from '../../src/core/training';
import { buildReference } from '../../src/services/training/training-profile';

// logits (a, -a): the top probability is 1 / (1 + e^(-2|a|)), the class the sign of a
const net: TrainedNetwork = {
  features: { numeric: [{ name: 'a', mean: 0, sd: 1, fill: 0 }], categorical: [] },
  layers: [{ inputs: 1, outputs: 2, weights: Float32Array.of(1, -1), bias: Float32Array.of(0, 0), activation: 'none' }],
  head: { kind: 'softmax', classes: ['pos', 'neg'] },
};
const ROWS = 400;
const values = Float64Array.from({ length: ROWS }, (_, i) => (i - ROWS / 2) / 50);
const table: Table = { rows: ROWS, columns: [{ name: 'a', kind: 'numeric', values }] };
const rows = Array.from({ length: ROWS }, (_, i) => i);

describe('buildReference for a classifier', () => {
  it('carries the histogram of the top class probability on the class output, the same values as the max-softmax OOD score', () => {
    const reference = buildReference(net, table, rows, Float32Array.from(values));
    expect(referenceProfileSchema.parse(reference)).toEqual(reference);
    const label = reference.outputs[0];
    if (label?.kind !== 'class' || !label.confidence) throw new Error('class output with confidence expected');
    const p = predictEncoded(net, Float32Array.from(values), ROWS);
    if (p.kind !== 'classification') throw new Error(p.kind);
    const tops = Array.from({ length: ROWS }, (_, r) => Math.max(p.probabilities[2 * r] as number, p.probabilities[2 * r + 1] as number));
    expect(label.confidence.counts.reduce((a, b) => a + b, 0)).toBe(ROWS);
    expect(label.confidence.mean).toBeCloseTo(tops.reduce((a, b) => a + b, 0) / ROWS, 12);
    expect(label.confidence.edges[0]).toBe(0);
    expect(label.confidence.edges[label.confidence.edges.length - 1]).toBe(1);
    expect(reference.ood).toMatchObject({ score: 'max-softmax', bins: { mean: label.confidence.mean } });
  });
});
