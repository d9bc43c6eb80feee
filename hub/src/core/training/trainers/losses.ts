/**
 * Training objectives over the last layer's raw output (the head's pre-image): each gives the
 * sample-weighted mean loss of a batch and, when asked, dLoss/dOutput. Batches are lists of row
 * indices into the objective's data, so the data is never copied per batch.
 * Loss = sum_i w_i l_i / sum_i w_i (w_i = 1 without weights).
 */
import { sigmoid } from '../forward';

export interface Objective {
  /** width of the output the objective expects */
  readonly outputs: number;
  evaluate(out: Float32Array, batch: ArrayLike<number>, grad?: Float32Array): { loss: number; weight: number };
}

/** Sum of the batch rows' sample weights (the batch's size without weights). */
export function weightSum(batch: ArrayLike<number>, weights: Float32Array | undefined): number {
  if (weights === undefined) return batch.length;
  let s = 0;
  for (let b = 0; b < batch.length; b++) s += weights[batch[b] as number] as number;
  return s;
}

/** Softmax cross-entropy over `classes` logits; y = class index per row. */
export function softmaxCrossEntropy(y: ArrayLike<number>, classes: number, weights?: Float32Array): Objective {
  return {
    outputs: classes,
    evaluate(out, batch, grad) {
      const total = weightSum(batch, weights);
      let loss = 0;
      for (let b = 0; b < batch.length; b++) {
        const row = batch[b] as number;
        const w = weights === undefined ? 1 : (weights[row] as number);
        const target = y[row] as number;
        const o = b * classes;
        let max = -Infinity;
        for (let c = 0; c < classes; c++) max = Math.max(max, out[o + c] as number);
        let sum = 0;
        for (let c = 0; c < classes; c++) sum += Math.exp((out[o + c] as number) - max);
        loss += w * (Math.log(sum) + max - (out[o + target] as number));
        if (grad !== undefined) {
          const scale = total > 0 ? w / total : 0;
          for (let c = 0; c < classes; c++) grad[o + c] = scale * (Math.exp((out[o + c] as number) - max) / sum - (c === target ? 1 : 0));
        }
      }
      return { loss: total > 0 ? loss / total : 0, weight: total };
    },
  };
}

/** One row's loss and dLoss/dz, written by a one-output objective's row function (reused: no allocation per row). */
export interface RowTerms {
  loss: number;
  grad: number;
}

/**
 * The batch loop of an objective with one output per row: sample weights, the batch's total and
 * the gradient's scaling around `row`, which fills `terms` for output `z` of data row `index`.
 */
export function oneOutputObjective(weights: Float32Array | undefined, row: (z: number, index: number, terms: RowTerms) => void): Objective {
  const terms: RowTerms = { loss: 0, grad: 0 };
  return {
    outputs: 1,
    evaluate(out, batch, grad) {
      const total = weightSum(batch, weights);
      let loss = 0;
      for (let b = 0; b < batch.length; b++) {
        const index = batch[b] as number;
        const w = weights === undefined ? 1 : (weights[index] as number);
        row(out[b] as number, index, terms);
        loss += w * terms.loss;
        if (grad !== undefined) grad[b] = total > 0 ? (terms.grad * w) / total : 0;
      }
      return { loss: total > 0 ? loss / total : 0, weight: total };
    },
  };
}

/** Binary cross-entropy on one logit per row; y = 0 or 1. */
export function sigmoidCrossEntropy(y: ArrayLike<number>, weights?: Float32Array): Objective {
  return oneOutputObjective(weights, (z, row, terms) => {
    const t = (y[row] as number) > 0 ? 1 : 0;
    // log(1 + e^z) - t z, written to stay finite for large |z|
    terms.loss = Math.max(z, 0) - t * z + Math.log1p(Math.exp(-Math.abs(z)));
    terms.grad = sigmoid(z) - t;
  });
}

/**
 * Mean squared error against row-major targets [rows x width]: l_i = mean_j (o_ij - t_ij)^2.
 * Used for regression (width 1, standardised target) and reconstruction (target = input).
 */
export function meanSquaredError(target: Float32Array, width: number, weights?: Float32Array): Objective {
  return {
    outputs: width,
    evaluate(out, batch, grad) {
      const total = weightSum(batch, weights);
      let loss = 0;
      for (let b = 0; b < batch.length; b++) {
        const row = batch[b] as number;
        const w = weights === undefined ? 1 : (weights[row] as number);
        let sum = 0;
        for (let j = 0; j < width; j++) {
          const d = (out[b * width + j] as number) - (target[row * width + j] as number);
          sum += d * d;
          if (grad !== undefined) grad[b * width + j] = total > 0 ? (2 * d * w) / (width * total) : 0;
        }
        loss += (w * sum) / width;
      }
      return { loss: total > 0 ? loss / total : 0, weight: total };
    },
  };
}
