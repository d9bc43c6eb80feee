import { describe, expect, it } from 'vitest';
import { encodeTable, fitFeatures } from '../../../src/core/training/features';
import { predictEncoded, type Prediction } from '../../../src/core/training/forward';
import { accuracy, logLoss, regressionMetrics } from '../../../src/core/training/metrics';
import { createRandom, type Random } from '../../../src/core/training/random';
import { TrainingError } from '../../../src/core/training/training-error';
import { TRAINERS, f1OptimalThreshold, isTrainerName, quantileThreshold, trainWith, type TrainData } from '../../../src/core/training/trainers';
import { MIN_IMPROVEMENT } from '../../../src/core/training/trainers/fit-loop';
import type { EncodedData, FeatureSpec, Table } from '../../../src/core/training/types';

/** y = 3 + 2 a - 1.5 b + 0.5 c + N(0, 0.1): a, b, c on different scales. */
function linearTable(rows: number, random: Random): Table {
  const a = Float64Array.from({ length: rows }, () => random.gaussian() * 10 + 5);
  const b = Float64Array.from({ length: rows }, () => random.next() * 4 - 2);
  const c = Float64Array.from({ length: rows }, () => random.gaussian());
  const y = Float64Array.from({ length: rows }, (_, i) => 3 + 2 * (a[i] as number) - 1.5 * (b[i] as number) + 0.5 * (c[i] as number) + 0.1 * random.gaussian());
  return { rows, columns: [{ name: 'a', kind: 'numeric', values: a }, { name: 'b', kind: 'numeric', values: b }, { name: 'c', kind: 'numeric', values: c }, { name: 'y', kind: 'numeric', values: y }] };
}

const regressionSet = (table: Table, rows: number[], spec: FeatureSpec): EncodedData & { y: Float32Array } => {
  const y = table.columns.find((c) => c.name === 'y');
  if (y?.kind !== 'numeric') throw new Error('no y');
  return { rows: rows.length, width: spec.numeric.length, x: encodeTable(spec, table, rows), y: Float32Array.from(rows, (r) => y.values[r] as number) };
};

/** Two Gaussian blobs in 2-D, classes 'neg' / 'pos', 1 in 5 positive. */
function blobs(rows: number, random: Random): EncodedData & { y: Int32Array } {
  const x = new Float32Array(rows * 2);
  const y = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const positive = random.next() < 0.2 ? 1 : 0;
    y[r] = positive;
    x[2 * r] = random.gaussian() + (positive ? 1.5 : -1);
    x[2 * r + 1] = random.gaussian() + (positive ? 1 : -0.5);
  }
  return { rows, width: 2, x, y };
}

const expectKind = <K extends Prediction['kind']>(p: Prediction, kind: K): Extract<Prediction, { kind: K }> => {
  if (p.kind !== kind) throw new Error(`expected ${kind}, got ${p.kind}`);
  return p as Extract<Prediction, { kind: K }>;
};

describe('baseline', () => {
  it('predicts the class priors of the rows as bias (sample weights ignored), and the majority class', async () => {
    const train: EncodedData = { rows: 4, width: 2, x: new Float32Array(8), y: Int32Array.of(0, 1, 1, 2), weights: Float32Array.of(1, 1, 1, 2) };
    const body = await TRAINERS.baseline.train({ task: 'classification', classes: ['a', 'b', 'c'], train, validation: { ...train, rows: 0, x: new Float32Array(0), y: new Int32Array(0), weights: new Float32Array(0) } }, {}, { random: createRandom(1) });
    expect(Array.from(body.layers[0]?.bias ?? [])).toEqual([0.25, 0.5, 0.25].map((p) => Math.fround(Math.log(p))));
    const p = expectKind(predictEncoded(body, Float32Array.of(5, -3), 1), 'classification');
    expect(Array.from(p.probabilities).map((v) => Number(v.toFixed(6)))).toEqual([0.25, 0.5, 0.25]);
    expect(p.labels[0]).toBe(1);
  });

  it('predicts the training mean for regression and refuses anomaly detection', async () => {
    const train = { rows: 3, width: 1, x: Float32Array.of(1, 2, 3), y: Float32Array.of(2, 4, 9) };
    const body = await TRAINERS.baseline.train({ task: 'regression', train, validation: train }, {}, { random: createRandom(1) });
    expect(Array.from(expectKind(predictEncoded(body, Float32Array.of(100, -7), 2), 'regression').prediction)).toEqual([5, 5]);
    await expect(TRAINERS.baseline.train({ task: 'anomaly', train, validation: train }, {}, { random: createRandom(1) })).rejects.toMatchObject({ code: 'E_UNSUPPORTED_TASK' });
  });
});

describe('linear', () => {
  it('recovers the coefficients of noisy linear data (ridge, exact solve)', async () => {
    const table = linearTable(2000, createRandom(21));
    const rows = [...Array(2000).keys()];
    const spec = fitFeatures(table, ['a', 'b', 'c'], rows.slice(0, 1600));
    const train = regressionSet(table, rows.slice(0, 1600), spec);
    const test = regressionSet(table, rows.slice(1600), spec);
    const params = TRAINERS.linear.paramsSchema.parse({ l2: 0 });
    const body = await TRAINERS.linear.train({ task: 'regression', train, validation: test }, params, { random: createRandom(1) });
    const head = body.head;
    if (head.kind !== 'identity') throw new Error(head.kind);
    // raw-unit coefficient j = w_j * targetSd / featureSd_j
    const coefficients = spec.numeric.map((f, j) => ((body.layers[0]?.weights[j] ?? 0) * head.targetSd) / f.sd);
    expect(coefficients[0]).toBeCloseTo(2, 2);
    expect(coefficients[1]).toBeCloseTo(-1.5, 1);
    expect(coefficients[2]).toBeCloseTo(0.5, 1);
    const metrics = regressionMetrics(test.y, expectKind(predictEncoded(body, test.x, test.rows), 'regression').prediction);
    expect(metrics.rmse).toBeLessThan(0.12); // the noise sd is 0.1
    expect(metrics.r2).toBeGreaterThan(0.999);
  });

  it('logistic regression: sigmoid-binary head for two classes, beats the majority class', async () => {
    const train = blobs(1500, createRandom(5));
    const validation = blobs(500, createRandom(6));
    const data: TrainData = { task: 'classification', classes: ['neg', 'pos'], train, validation };
    const body = await TRAINERS.linear.train(data, TRAINERS.linear.paramsSchema.parse({ epochs: 20 }), { random: createRandom(1) });
    expect(body.head).toEqual({ kind: 'sigmoid-binary', classes: ['neg', 'pos'] });
    expect(body.layers.map((l) => [l.inputs, l.outputs, l.activation])).toEqual([[2, 1, 'none']]);
    const acc = accuracy(validation.y, expectKind(predictEncoded(body, validation.x, validation.rows), 'classification').labels);
    expect(acc).toBeGreaterThan(0.9);
  });
});

describe('mlp', () => {
  it('fits a non-linear regression the linear model cannot (y = x^2)', async () => {
    const random = createRandom(8);
    const make = (rows: number): EncodedData & { y: Float32Array } => {
      const x = Float32Array.from({ length: rows }, () => random.next() * 4 - 2);
      return { rows, width: 1, x, y: Float32Array.from(x, (v) => v * v + 0.05 * random.gaussian()) };
    };
    const train = make(800);
    const validation = make(200);
    const data: TrainData = { task: 'regression', train, validation };
    const mlp = await TRAINERS.mlp.train(data, TRAINERS.mlp.paramsSchema.parse({ hidden: [16], activation: 'tanh', epochs: 60, lr: 0.01, batchSize: 32 }), { random: createRandom(2) });
    const linear = await TRAINERS.linear.train(data, TRAINERS.linear.paramsSchema.parse({}), { random: createRandom(2) });
    const r2 = (body: typeof mlp): number => regressionMetrics(validation.y, expectKind(predictEncoded(body, validation.x, validation.rows), 'regression').prediction).r2;
    expect(r2(mlp)).toBeGreaterThan(0.95);
    expect(r2(linear)).toBeLessThan(0.1);
  });

  it('is reproducible: the same seed gives bit-identical weights, another seed does not', async () => {
    const train = blobs(300, createRandom(1));
    const validation = blobs(100, createRandom(2));
    const data: TrainData = { task: 'classification', classes: ['neg', 'pos'], train, validation };
    const params = TRAINERS.mlp.paramsSchema.parse({ hidden: [8, 4], epochs: 5 });
    const run = async (seed: number) => (await TRAINERS.mlp.train(data, params, { random: createRandom(seed) })).layers.map((l) => Array.from(l.weights));
    const a = await run(7);
    expect(await run(7)).toEqual(a);
    expect(await run(8)).not.toEqual(a);
  });

  it('stops early when validation loss stops improving, keeping the best epoch', async () => {
    // 40 noisy rows, a big network: validation loss turns up quickly
    const random = createRandom(4);
    const noisy = (rows: number): EncodedData & { y: Int32Array } => ({ rows, width: 5, x: Float32Array.from({ length: rows * 5 }, () => random.gaussian()), y: Int32Array.from({ length: rows }, () => random.int(3)) });
    const reports: Array<{ epoch: number; valLoss?: number }> = [];
    const data: TrainData = { task: 'classification', classes: ['a', 'b', 'c'], train: noisy(40), validation: noisy(40) };
    const body = await TRAINERS.mlp.train(data, TRAINERS.mlp.paramsSchema.parse({ hidden: [64], epochs: 500, lr: 0.01, patience: 3, l2: 0 }), { random: createRandom(1), onEpoch: (e) => reports.push(e) });
    expect(reports.length).toBeLessThan(500);
    const bestEpoch = reports.reduce((best, r) => ((r.valLoss ?? Infinity) < (best.valLoss ?? Infinity) ? r : best));
    // patience counts from the last epoch that beat the loss patience was measured from by MIN_IMPROVEMENT
    let reference = Infinity;
    let lastImprovement = 0;
    for (const r of reports) {
      const loss = r.valLoss ?? Infinity;
      if (loss < reference - MIN_IMPROVEMENT * Math.abs(reference) || reference === Infinity) {
        reference = loss;
        lastImprovement = r.epoch;
      }
    }
    expect(reports.length).toBe(lastImprovement + 3);
    expect(bestEpoch.epoch).toBeGreaterThanOrEqual(lastImprovement);
    const kept = expectKind(predictEncoded(body, data.validation.x, data.validation.rows), 'classification');
    expect(logLoss(data.validation.y ?? [], kept.probabilities, 3)).toBeCloseTo(bestEpoch.valLoss ?? NaN, 5);
  });

  it('aborts with a typed AbortError, before or during training', async () => {
    const train = blobs(200, createRandom(1));
    const data: TrainData = { task: 'classification', classes: ['neg', 'pos'], train, validation: train };
    const params = TRAINERS.mlp.paramsSchema.parse({ epochs: 50, patience: 0 });
    const before = new AbortController();
    before.abort();
    await expect(TRAINERS.mlp.train(data, params, { random: createRandom(1), signal: before.signal })).rejects.toMatchObject({ code: 'E_ABORTED', name: 'AbortError' });
    const during = new AbortController();
    let epochs = 0;
    const run = TRAINERS.mlp.train(data, params, {
      random: createRandom(1),
      signal: during.signal,
      onEpoch: () => {
        epochs++;
        if (epochs === 2) during.abort();
      },
    });
    await expect(run).rejects.toBeInstanceOf(TrainingError);
    expect(epochs).toBe(2);
  });

  it('validates params with defaults', () => {
    expect(TRAINERS.mlp.paramsSchema.parse({})).toMatchObject({ hidden: [64], activation: 'relu', epochs: 500, patience: 10 });
    expect(() => TRAINERS.mlp.paramsSchema.parse({ lr: -1 })).toThrow();
    expect(() => TRAINERS.mlp.paramsSchema.parse({ learningRate: 0.1 })).toThrow(); // strict: typos are errors
  });
});

describe('autoencoder thresholds', () => {
  it('chooses the F1-optimal cut between distinct validation scores', () => {
    // sorted desc: .9(1) .8(0) .7(1) .2(0) .1(0): flag top 3 -> tp 2, F1 = 4/5 (top 1: 2/3)
    const { threshold, f1 } = f1OptimalThreshold([0.1, 0.7, 0.9, 0.2, 0.8], [0, 1, 1, 0, 0]);
    expect(threshold).toBeCloseTo(0.45, 12);
    expect(f1).toBeCloseTo(0.8, 12);
    expect(f1OptimalThreshold([1, 2], [0, 0]).threshold).toBe(Infinity);
  });

  it('falls back to a quantile of normal scores', () => {
    expect(quantileThreshold([...Array(101).keys()], 0.99)).toBeCloseTo(99, 12);
  });

  it('refuses a bottleneck as wide as the input', async () => {
    const train = { rows: 2, width: 2, x: Float32Array.of(1, 2, 3, 4) };
    const params = TRAINERS.autoencoder.paramsSchema.parse({ bottleneck: 2 });
    await expect(TRAINERS.autoencoder.train({ task: 'anomaly', train, validation: train }, params, { random: createRandom(1) })).rejects.toMatchObject({ code: 'E_INVALID_PARAMS' });
  });
});

describe('trainWith', () => {
  const train = { rows: 3, width: 1, x: Float32Array.of(1, 2, 3), y: Float32Array.of(2, 4, 9) };
  const data: TrainData = { task: 'regression', train, validation: train };

  it('parses raw params with defaults and trains', async () => {
    const body = await trainWith('linear', data, undefined, { random: createRandom(1) });
    expect(body.head.kind).toBe('identity');
  });

  it('rejects bad params and unsupported tasks with typed errors', async () => {
    await expect(trainWith('mlp', data, { hidden: 'big' }, { random: createRandom(1) })).rejects.toMatchObject({ code: 'E_INVALID_PARAMS' });
    await expect(trainWith('autoencoder', data, {}, { random: createRandom(1) })).rejects.toMatchObject({ code: 'E_UNSUPPORTED_TASK' });
    expect(isTrainerName('mlp') && !isTrainerName('toString')).toBe(true);
  });
});
