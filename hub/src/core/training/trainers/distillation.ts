/**
 * Knowledge-distillation objectives (Hinton et al. 2015) over the student's last-layer output,
 * behind losses.ts's Objective interface. With hard-label weight a and temperature T, per row:
 *   loss = a * CE(hard, f(z)) + (1 - a) * T^2 * CE(soft, f(z / T))
 *   dLoss/dz = a * (f(z) - hard) + (1 - a) * T * (f(z / T) - soft)
 * (f = softmax or sigmoid; soft = the teacher's probabilities at T). The T^2 keeps the soft
 * term's gradient on the scale of the hard one as T grows. A row without a hard label (-1, or
 * NaN for regression) takes the soft term alone at full weight.
 * At a = 1 every sum is formed exactly as the plain losses form it, so a student with hardWeight
 * 1 trains bit for bit like one without a teacher.
 */
import { sigmoid } from '../forward';
import { TrainingError, invalidData } from '../training-error';
import { checkTemperature } from '../teacher-targets';
import { oneOutputObjective, weightSum, type Objective } from './losses';

function checkHardWeight(hardWeight: number): void {
  if (!(hardWeight >= 0 && hardWeight <= 1)) {
    throw new TrainingError('E_INVALID_PARAMS', `distillation hardWeight must be in [0, 1], got ${hardWeight}`, { hardWeight });
  }
}

function checkRows(name: string, values: ArrayLike<number> | undefined, rows: number): void {
  if (values !== undefined && values.length !== rows) throw invalidData(`distillation: ${name} has ${values.length} values for ${rows} rows`, { values: values.length, rows });
}

export interface SoftmaxDistillationOptions {
  /** teacher probabilities at `temperature`, row-major [rows x classes] (teacher-targets.ts softTargets) */
  soft: Float32Array;
  classes: number;
  temperature: number;
  /** class index per row; negative = no label */
  hard?: ArrayLike<number>;
  /** a in [0, 1]: the hard labels' share of the loss */
  hardWeight: number;
  weights?: Float32Array;
}

export function softmaxDistillation(options: SoftmaxDistillationOptions): Objective {
  const { soft, classes: k, temperature: t, hard, hardWeight: alpha, weights } = options;
  checkTemperature(t);
  checkHardWeight(alpha);
  if (!Number.isInteger(k) || k < 2 || soft.length % k !== 0) throw invalidData(`distillation: ${soft.length} soft targets do not fill rows of ${k} classes`, { values: soft.length, classes: k });
  checkRows('hard', hard, soft.length / k);
  checkRows('weights', weights, soft.length / k);
  if (hard !== undefined) for (let i = 0; i < hard.length; i++) if (!(Number.isInteger(hard[i]) && (hard[i] as number) < k)) throw invalidData(`distillation: row ${i} has hard label ${hard[i]}: not a class index 0..${k - 1} nor negative (no label)`, { row: i });
  return {
    outputs: k,
    evaluate(out, batch, grad) {
      const total = weightSum(batch, weights);
      let loss = 0;
      for (let b = 0; b < batch.length; b++) {
        const row = batch[b] as number;
        const w = weights === undefined ? 1 : (weights[row] as number);
        const label = hard === undefined ? -1 : (hard[row] as number);
        const a = label >= 0 ? alpha : 0;
        const o = b * k;
        let max = -Infinity;
        for (let c = 0; c < k; c++) max = Math.max(max, out[o + c] as number);
        let sum = 0;
        for (let c = 0; c < k; c++) sum += Math.exp((out[o + c] as number) - max);
        // Dividing by T > 0 keeps the order, so max / T is the largest z / T.
        const maxT = max / t;
        let sumT = 0;
        for (let c = 0; c < k; c++) sumT += Math.exp((out[o + c] as number) / t - maxT);
        let l = 0;
        if (a > 0) l += a * (Math.log(sum) + max - (out[o + label] as number));
        if (a < 1) {
          const lse = Math.log(sumT) + maxT;
          let ce = 0;
          for (let c = 0; c < k; c++) ce += (soft[row * k + c] as number) * (lse - (out[o + c] as number) / t);
          l += (1 - a) * t * t * ce;
        }
        loss += w * l;
        if (grad !== undefined) {
          const scale = total > 0 ? w / total : 0;
          for (let c = 0; c < k; c++) {
            let g = a > 0 ? a * (Math.exp((out[o + c] as number) - max) / sum - (c === label ? 1 : 0)) : 0;
            if (a < 1) g += (1 - a) * t * (Math.exp((out[o + c] as number) / t - maxT) / sumT - (soft[row * k + c] as number));
            grad[o + c] = scale * g;
          }
        }
      }
      return { loss: total > 0 ? loss / total : 0, weight: total };
    },
  };
}

export interface SigmoidDistillationOptions {
  /** teacher P(positive) at `temperature` per row (softTargets with width 1) */
  soft: Float32Array;
  temperature: number;
  /** 0 or 1 per row; negative = no label */
  hard?: ArrayLike<number>;
  hardWeight: number;
  weights?: Float32Array;
}

/** log(1 + e^u) - s u: binary cross-entropy of target s against sigmoid(u), finite for large |u|. */
const binaryCrossEntropy = (u: number, s: number): number => Math.max(u, 0) - s * u + Math.log1p(Math.exp(-Math.abs(u)));

/** The binary case on one logit per row. */
export function sigmoidDistillation(options: SigmoidDistillationOptions): Objective {
  const { soft, temperature: t, hard, hardWeight: alpha, weights } = options;
  checkTemperature(t);
  checkHardWeight(alpha);
  checkRows('hard', hard, soft.length);
  checkRows('weights', weights, soft.length);
  return oneOutputObjective(weights, (z, row, terms) => {
    const label = hard === undefined ? -1 : (hard[row] as number);
    const a = label >= 0 ? alpha : 0;
    let l = 0;
    let g = 0;
    if (a > 0) {
      const y = label > 0 ? 1 : 0;
      l += a * binaryCrossEntropy(z, y);
      g += a * (sigmoid(z) - y);
    }
    if (a < 1) {
      const s = soft[row] as number;
      l += (1 - a) * t * t * binaryCrossEntropy(z / t, s);
      g += (1 - a) * t * (sigmoid(z / t) - s);
    }
    terms.loss = l;
    terms.grad = g;
  });
}

export interface RegressionDistillationOptions {
  /** the teacher's prediction per row, standardised like the student's target */
  teacher: Float32Array;
  /** the standardised label per row; NaN = no label. Absent = teacher only. */
  target?: Float32Array;
  hardWeight: number;
  weights?: Float32Array;
}

/** loss = a (z - target)^2 + (1 - a) (z - teacher)^2 per row: no temperature, a regression has no classes to soften. */
export function regressionDistillation(options: RegressionDistillationOptions): Objective {
  const { teacher, target, hardWeight: alpha, weights } = options;
  checkHardWeight(alpha);
  checkRows('target', target, teacher.length);
  checkRows('weights', weights, teacher.length);
  return oneOutputObjective(weights, (z, row, terms) => {
    const y = target === undefined ? Number.NaN : (target[row] as number);
    const a = Number.isNaN(y) ? 0 : alpha;
    let l = 0;
    let g = 0;
    if (a > 0) {
      const d = z - y;
      l += a * d * d;
      g += a * d;
    }
    if (a < 1) {
      const d = z - (teacher[row] as number);
      l += (1 - a) * d * d;
      g += (1 - a) * d;
    }
    terms.loss = l;
    terms.grad = 2 * g;
  });
}
