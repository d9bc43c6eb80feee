/**
 * Given 4,000 real MNIST digits (400 per class, from the `mnist` package), when a 784-64-10 MLP
 * trains for 4 epochs through the whole pipeline (table -> stratified split -> features ->
 * trainer -> forward pass -> metrics), then it beats the majority-class baseline by far.
 */
import { describe, expect, it } from 'vitest';
import { encodeTable, fitFeatures, rowsWithTarget, targetOf } from '../../../src/core/training/features';
import { predictEncoded } from '../../../src/core/training/forward';
import { classificationMetrics } from '../../../src/core/training/metrics';
import { createRandom } from '../../../src/core/training/random';
import { splitRows } from '../../../src/core/training/split';
import { TRAINERS, type TrainData, type TrainedBody } from '../../../src/core/training/trainers';
import type { EncodedData } from '../../../src/core/training/types';
import { mnistTable } from './fixtures';

describe('MNIST', () => {
  it('an MLP reaches > 0.85 test accuracy where the baseline gets ~0.1', async () => {
    const table = mnistTable(400);
    const target = targetOf(table, 'label', 'classification');
    if (target.task !== 'classification') throw new Error(target.task);
    expect(target.classes).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    const split = splitRows(rowsWithTarget(target), createRandom(3), { strata: target.y });
    expect([split.train.length, split.validation.length, split.test.length]).toEqual([2800, 600, 600]);

    const pixels = table.columns.filter((c) => c.name !== 'label').map((c) => c.name);
    const spec = fitFeatures(table, pixels, split.train);
    const encode = (rows: number[]): EncodedData & { y: Int32Array } => ({ rows: rows.length, width: 784, x: encodeTable(spec, table, rows), y: Int32Array.from(rows, (r) => target.y[r] as number) });
    const [train, validation, test] = [encode(split.train), encode(split.validation), encode(split.test)];
    const data: TrainData = { task: 'classification', classes: target.classes, train, validation };

    const epochs: number[] = [];
    const mlp = await TRAINERS.mlp.train(data, TRAINERS.mlp.paramsSchema.parse({ hidden: [64], epochs: 4 }), { random: createRandom(1), onEpoch: (e) => epochs.push(e.valMetric ?? 0) });
    const baseline = await TRAINERS.baseline.train(data, {}, { random: createRandom(1) });
    expect(mlp.layers.map((l) => [l.inputs, l.outputs, l.activation])).toEqual([[784, 64, 'relu'], [64, 10, 'none']]);

    const evaluate = (body: TrainedBody) => {
      const p = predictEncoded(body, test.x, test.rows);
      if (p.kind !== 'classification') throw new Error(p.kind);
      return classificationMetrics(test.y, p.probabilities, 10);
    };
    const m = evaluate(mlp);
    const b = evaluate(baseline);
    expect(m.accuracy).toBeGreaterThan(0.85);
    expect(m.macroF1).toBeGreaterThan(0.85);
    expect(m.logLoss).toBeLessThan(0.6);
    expect(b.accuracy).toBeCloseTo(0.1, 2); // balanced classes: the majority class is any one of ten
    expect(b.logLoss).toBeCloseTo(Math.log(10), 3);
    expect(epochs.at(-1)).toBeGreaterThan(0.85); // validation accuracy reported per epoch
  });
});
