import { beforeAll, describe, expect, it } from 'vitest';
import { argmaxRows, forwardLayers, sigmoid, softmaxRows } from '../../../src/core/training/forward';
import { createRandom, type Random } from '../../../src/core/training/random';
import { softTargets } from '../../../src/core/training/teacher-targets';
import { TrainingError } from '../../../src/core/training/training-error';
import { regressionDistillation, sigmoidDistillation, softmaxDistillation } from '../../../src/core/training/trainers/distillation';
import { meanSquaredError, sigmoidCrossEntropy, softmaxCrossEntropy, type Objective } from '../../../src/core/training/trainers/losses';
import { allRows } from '../../../src/core/training/trainers/fit-loop';
import { trainSupervised, type SupervisedParams } from '../../../src/core/training/trainers/supervised';
import type { TrainData } from '../../../src/core/training/trainers/trainer';
import type { EncodedData } from '../../../src/core/training/types';

const rows = 5;
const batch = Int32Array.of(0, 1, 2, 3, 4);
const weights = Float32Array.of(1, 0.5, 2, 1, 0.25);
const random = createRandom(7);
const out3 = Float32Array.from({ length: rows * 3 }, () => 2 * random.gaussian());
const out1 = Float32Array.from({ length: rows }, () => 2 * random.gaussian());
const soft3 = softTargets(Float32Array.from({ length: rows * 3 }, () => random.gaussian()), rows, 3, 2.5);
const soft1 = softTargets(Float32Array.from({ length: rows }, () => random.gaussian()), rows, 1, 2.5);
const hard3 = Int32Array.of(0, 2, -1, 1, 2);
const hard1 = Int32Array.of(1, 0, -1, 1, 0);

const evaluate = (objective: Objective, out: Float32Array): { loss: number; grad: Float32Array } => {
  const grad = new Float32Array(out.length);
  return { loss: objective.evaluate(out, batch, grad).loss, grad };
};

/** dLoss/dOut against central differences (the step taken as stored in float32). */
function checkGradient(objective: Objective, out: Float32Array): void {
  const { grad } = evaluate(objective, out);
  for (let i = 0; i < out.length; i++) {
    const saved = out[i] as number;
    out[i] = saved + 1e-2;
    const zUp = out[i] as number;
    const up = objective.evaluate(out, batch).loss;
    out[i] = saved - 1e-2;
    const zDown = out[i] as number;
    const down = objective.evaluate(out, batch).loss;
    out[i] = saved;
    expect(grad[i]).toBeCloseTo((up - down) / (zUp - zDown), 4);
  }
}

const code = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    if (error instanceof TrainingError) return error.code;
    throw error;
  }
  return 'none';
};

describe('distillation objectives', () => {
  it('gradients match finite differences (mixed weight, T = 2.5, sample weights, an unlabelled row)', () => {
    checkGradient(softmaxDistillation({ soft: soft3, classes: 3, temperature: 2.5, hard: hard3, hardWeight: 0.3, weights }), out3);
    checkGradient(sigmoidDistillation({ soft: soft1, temperature: 2.5, hard: hard1, hardWeight: 0.3, weights }), out1);
    const target = Float32Array.of(0.5, -1, Number.NaN, 2, 0);
    checkGradient(regressionDistillation({ teacher: Float32Array.of(0, 1, -0.5, 1.5, 0.2), target, hardWeight: 0.4, weights }), out1);
  });

  it('hardWeight 1 is exactly the plain loss, value and gradient', () => {
    const labels3 = Int32Array.of(0, 2, 1, 1, 2);
    const labels1 = Int32Array.of(1, 0, 0, 1, 0);
    expect(evaluate(softmaxDistillation({ soft: soft3, classes: 3, temperature: 2.5, hard: labels3, hardWeight: 1, weights }), out3)).toEqual(evaluate(softmaxCrossEntropy(labels3, 3, weights), out3));
    expect(evaluate(sigmoidDistillation({ soft: soft1, temperature: 2.5, hard: labels1, hardWeight: 1, weights }), out1)).toEqual(evaluate(sigmoidCrossEntropy(labels1, weights), out1));
    const target = Float32Array.of(0.5, -1, 0.3, 2, 0);
    expect(evaluate(regressionDistillation({ teacher: new Float32Array(rows), target, hardWeight: 1, weights }), out1)).toEqual(evaluate(meanSquaredError(target, 1, weights), out1));
  });

  it('hardWeight 0 at T = 1 is the cross-entropy against the soft targets', () => {
    const soft = softTargets(Float32Array.from({ length: rows * 3 }, (_, i) => Math.sin(i)), rows, 3, 1);
    const { loss } = evaluate(softmaxDistillation({ soft, classes: 3, temperature: 1, hard: hard3, hardWeight: 0 }), out3);
    const p = softmaxRows(out3, rows, 3);
    let ce = 0;
    for (let i = 0; i < rows * 3; i++) ce -= (soft[i] as number) * Math.log(p[i] as number);
    expect(loss).toBeCloseTo(ce / rows, 5);
    // One-hot soft targets: the ordinary cross-entropy against those classes.
    const labels = Int32Array.of(2, 0, 1, 1, 0);
    const oneHot = Float32Array.from({ length: rows * 3 }, (_, i) => (i % 3 === labels[Math.floor(i / 3)] ? 1 : 0));
    const a = evaluate(softmaxDistillation({ soft: oneHot, classes: 3, temperature: 1, hardWeight: 0, weights }), out3);
    const b = evaluate(softmaxCrossEntropy(labels, 3, weights), out3);
    expect(a.loss).toBeCloseTo(b.loss, 6);
    a.grad.forEach((g, i) => expect(g).toBeCloseTo(b.grad[i] as number, 6));
  });

  it('a row without a hard label takes the soft term alone at full weight', () => {
    const one = Int32Array.of(2);
    const mixed = softmaxDistillation({ soft: soft3, classes: 3, temperature: 2.5, hard: hard3, hardWeight: 0.7 });
    const softOnly = softmaxDistillation({ soft: soft3, classes: 3, temperature: 2.5, hardWeight: 0 });
    const row2 = out3.slice(6, 9);
    expect(mixed.evaluate(row2, one).loss).toBe(softOnly.evaluate(row2, one).loss);
  });

  it('rejects a hardWeight outside [0, 1], a temperature <= 0 (params) and labels or shapes that do not fit (data)', () => {
    expect(code(() => softmaxDistillation({ soft: soft3, classes: 3, temperature: 1, hardWeight: 1.5 }))).toBe('E_INVALID_PARAMS');
    expect(code(() => sigmoidDistillation({ soft: soft1, temperature: 0, hardWeight: 0.5 }))).toBe('E_INVALID_PARAMS');
    expect(code(() => regressionDistillation({ teacher: soft1, hardWeight: -0.1 }))).toBe('E_INVALID_PARAMS');
    expect(code(() => softmaxDistillation({ soft: soft3, classes: 3, temperature: 1, hard: Int32Array.of(0, 1, 3, 0, 0), hardWeight: 0.5 }))).toBe('E_INVALID_DATA');
    expect(code(() => softmaxDistillation({ soft: soft3, classes: 4, temperature: 1, hardWeight: 0.5 }))).toBe('E_INVALID_DATA');
    expect(code(() => regressionDistillation({ teacher: soft1, target: new Float32Array(3), hardWeight: 0.5 }))).toBe('E_INVALID_DATA');
  });
});

/** Three classes by the angle of (a, b) in thirds of the circle, the boundaries blurred by noise; two noise columns. */
function sectors(n: number, random: Random): EncodedData & { y: Int32Array } {
  const x = new Float32Array(n * 4);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const angle = random.next() * 2 * Math.PI;
    const radius = 0.5 + random.next();
    x.set([radius * Math.cos(angle), radius * Math.sin(angle), random.gaussian(), random.gaussian()], 4 * i);
    y[i] = Math.floor(((angle + 0.3 * random.gaussian() + 2 * Math.PI) % (2 * Math.PI)) / ((2 * Math.PI) / 3)) % 3;
  }
  return { rows: n, width: 4, x, y };
}

const params = (hidden: number[]): SupervisedParams => ({ hidden, activation: 'relu', epochs: 150, batchSize: 32, lr: 0.01, l2: 1e-4, patience: 10 });

describe('trainSupervised with a teacher', () => {
  // The teacher learns from 2000 rows; the student sees 400 rows of which 30% had their label
  // redrawn at random, so matching the teacher takes its logits, not only the labels.
  const random = createRandom(11);
  const teacherRows = sectors(2000, random);
  const clean = sectors(400, random);
  const validation = sectors(300, random);
  const train = { ...clean, y: clean.y.map((c) => (random.next() < 0.3 ? random.int(3) : c)) };
  const base: TrainData = { task: 'classification', classes: ['a', 'b', 'c'], train, validation };
  let logits: { train: Float32Array; validation: Float32Array };
  beforeAll(async () => {
    const teacher = await trainSupervised({ ...base, train: teacherRows }, params([32, 32]), { random: createRandom(1) });
    logits = { train: forwardLayers(teacher.layers, train.x, train.rows), validation: forwardLayers(teacher.layers, validation.x, validation.rows) };
  });

  it('a small student (hidden [4]) agrees with its teacher on at least 95% of validation rows; without the teacher it does not', async () => {
    const teacher = logits;
    const theirs = argmaxRows(teacher.validation, validation.rows, 3);
    const agreement = async (data: TrainData): Promise<number> => {
      const student = await trainSupervised(data, params([4]), { random: createRandom(2) });
      const mine = argmaxRows(forwardLayers(student.layers, validation.x, validation.rows), validation.rows, 3);
      return mine.filter((label, i) => label === theirs[i]).length / validation.rows;
    };
    expect(await agreement({ ...base, teacher: { ...teacher, width: 3, temperature: 2, hardWeight: 0.2 } })).toBeGreaterThanOrEqual(0.95);
    expect(await agreement(base)).toBeLessThan(0.95);
  });

  it('hardWeight 1 trains exactly the network that no teacher trains (same seed)', async () => {
    const teacher = logits;
    const short = { ...params([4]), epochs: 20 };
    const plain = await trainSupervised(base, short, { random: createRandom(3) });
    const distilled = await trainSupervised({ ...base, teacher: { ...teacher, width: 3, temperature: 3, hardWeight: 1 } }, short, { random: createRandom(3) });
    expect(distilled).toEqual(plain);
  });

  it('the validation loss (early stopping\'s) is the distillation loss; the metric stays accuracy on the hard labels', async () => {
    const teacher = logits;
    const epochs: Array<{ valLoss?: number; valMetric?: number }> = [];
    const student = await trainSupervised({ ...base, teacher: { ...teacher, width: 3, temperature: 2, hardWeight: 0.5 } }, { ...params([4]), epochs: 5 }, {
      random: createRandom(4),
      onEpoch: (e) => epochs.push(e),
    });
    const out = forwardLayers(student.layers, validation.x, validation.rows);
    const objective = softmaxDistillation({ soft: softTargets(teacher.validation, validation.rows, 3, 2), classes: 3, temperature: 2, hard: validation.y, hardWeight: 0.5 });
    const best = epochs.reduce((b, e) => ((e.valLoss ?? Infinity) < (b.valLoss ?? Infinity) ? e : b));
    expect(best.valLoss).toBe(objective.evaluate(out, allRows(validation.rows)).loss);
    const labels = argmaxRows(out, validation.rows, 3);
    expect(best.valMetric).toBe(labels.filter((c, i) => c === validation.y[i]).length / validation.rows);
  });

  it('a teacher width that does not fit the head is E_INVALID_DATA naming both; anomaly + teacher is E_UNSUPPORTED_TASK', async () => {
    const teacher = { train: new Float32Array(train.rows * 2), validation: new Float32Array(validation.rows * 2), width: 2, temperature: 2, hardWeight: 0.5 };
    await expect(trainSupervised({ ...base, teacher }, params([4]), { random: createRandom(5) })).rejects.toMatchObject({ code: 'E_INVALID_DATA', message: expect.stringMatching(/2 output.*3/) });
    const binary: TrainData = { task: 'classification', classes: ['a', 'b'], train: { ...train, y: train.y.map((c) => c % 2) }, validation: { ...validation, y: validation.y.map((c) => c % 2) }, teacher };
    await expect(trainSupervised(binary, params([4]), { random: createRandom(5) })).rejects.toMatchObject({ code: 'E_INVALID_DATA', message: expect.stringMatching(/2 output.*1/) });
    const anomaly: TrainData = { task: 'anomaly', train, validation, teacher: { ...teacher, width: 1 } };
    await expect(trainSupervised(anomaly, params([4]), { random: createRandom(5) })).rejects.toMatchObject({ code: 'E_UNSUPPORTED_TASK' });
  });

  it('regression, hardWeight 0: the student learns the teacher (in target units), not the labels', async () => {
    const teach = (set: EncodedData): Float32Array => Float32Array.from({ length: set.rows }, (_, i) => 100 + 20 * (set.x[4 * i] as number) - 10 * (set.x[4 * i + 1] as number));
    const labels = (set: EncodedData): Float32Array => Float32Array.from({ length: set.rows }, (_, i) => 50 - 30 * (set.x[4 * i + 2] as number));
    const data: TrainData = {
      task: 'regression',
      train: { ...train, y: labels(train) },
      validation: { ...validation, y: labels(validation) },
      teacher: { train: teach(train), validation: teach(validation), width: 1, temperature: 1, hardWeight: 0 },
    };
    const student = await trainSupervised(data, { ...params([]), activation: 'none' }, { random: createRandom(6) });
    if (student.head.kind !== 'identity') throw new Error(student.head.kind);
    const { targetMean, targetSd } = student.head;
    const out = forwardLayers(student.layers, validation.x, validation.rows);
    const expected = teach(validation);
    let worst = 0;
    out.forEach((z, i) => (worst = Math.max(worst, Math.abs(z * targetSd + targetMean - (expected[i] as number)))));
    expect(worst).toBeLessThan(0.1); // the labels are tens away
  });

  it('binary, hardWeight 0: the student\'s probability converges to the teacher\'s (its labels say the opposite)', async () => {
    const teach = (set: EncodedData): Float32Array => Float32Array.from({ length: set.rows }, (_, i) => 3 * (set.x[4 * i] as number) - 2 * (set.x[4 * i + 1] as number) + 0.5);
    const flip = (set: EncodedData & { y: Int32Array }): EncodedData => ({ ...set, y: set.y.map((c) => (c === 0 ? 1 : 0)) });
    const data: TrainData = {
      task: 'classification',
      classes: ['no', 'yes'],
      train: flip(train),
      validation: flip(validation),
      teacher: { train: teach(train), validation: teach(validation), width: 1, temperature: 1, hardWeight: 0 },
    };
    const student = await trainSupervised(data, { ...params([]), activation: 'none', epochs: 300 }, { random: createRandom(7) });
    expect(student.head.kind).toBe('sigmoid-binary');
    const out = forwardLayers(student.layers, validation.x, validation.rows);
    const expected = teach(validation);
    out.forEach((z, i) => expect(Math.abs(sigmoid(z) - sigmoid(expected[i] as number))).toBeLessThan(0.02));
  });
});
