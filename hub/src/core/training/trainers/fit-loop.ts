/**
 * The mini-batch loop shared by every gradient-trained network: seeded shuffling each epoch,
 * Adam steps, an abort check between batches, a yield to the event loop between epochs (so an
 * AbortSignal fired from outside is seen), and early stopping on validation loss that restores
 * the best epoch's weights.
 */
import { forwardAll } from '../forward';
import { throwIfAborted } from '../training-error';
import type { DenseLayer } from '../types';
import { backward, cloneLayers, createAdam, zeroGradients } from './dense-net';
import type { Objective } from './losses';
import type { TrainContext } from './trainer';

export interface FitSet {
  /** row-major [allRows x width]; only `rows` are used */
  x: Float32Array;
  width: number;
  /** indices of the rows to use (into x and the objective's data) */
  rows: ArrayLike<number>;
  objective: Objective;
}

export interface ValidationSet extends FitSet {
  /** a number to report per epoch from the network outputs for `rows` (in order) */
  metric?(out: Float32Array): number;
}

export interface FitOptions {
  layers: DenseLayer[];
  train: FitSet;
  /** no rows = no validation loss and no early stopping */
  validation?: ValidationSet;
  epochs: number;
  batchSize: number;
  lr: number;
  l2: number;
  /** epochs without a validation-loss improvement before stopping; 0 = never stop early */
  patience: number;
  ctx: TrainContext;
  /**
   * Called after every optimiser step, before anything reads the layers (validation, the kept
   * best copy): a pruning mask re-applied here stays exact through fine-tuning.
   */
  afterStep?: () => void;
}

/** Relative decrease of the validation loss that counts as progress for `patience`. */
export const MIN_IMPROVEMENT = 1e-3;

/** Trains `layers` in place and returns the layers to keep (the best validation epoch's). */
export async function fitNetwork(options: FitOptions): Promise<DenseLayer[]> {
  const { layers, train, validation, epochs, batchSize, l2, patience, ctx } = options;
  const step = createAdam(layers, { lr: options.lr });
  const grads = zeroGradients(layers);
  const outputs = train.objective.outputs;
  const n = train.rows.length;
  const valX = validation !== undefined && validation.rows.length > 0 ? gather(validation.x, validation.width, validation.rows) : undefined;
  let best = { loss: Infinity, layers: cloneLayers(layers) };
  let stale = 0;
  let patienceLoss = Infinity;

  for (let epoch = 1; epoch <= epochs; epoch++) {
    const order = ctx.random.permutation(n);
    let lossSum = 0;
    let weightSum = 0;
    for (let start = 0; start < n; start += batchSize) {
      throwIfAborted(ctx.signal, `epoch ${epoch}`);
      const size = Math.min(batchSize, n - start);
      const batch = new Int32Array(size);
      for (let b = 0; b < size; b++) batch[b] = train.rows[order[start + b] as number] as number;
      const xb = gather(train.x, train.width, batch);
      const acts = [xb, ...forwardAll(layers, xb, size)];
      const dOut = new Float32Array(size * outputs);
      const { loss, weight } = train.objective.evaluate(acts[acts.length - 1] as Float32Array, batch, dOut);
      lossSum += loss * weight;
      weightSum += weight;
      backward(layers, acts, dOut, size, l2, grads);
      step(grads);
      options.afterStep?.();
    }
    const report: { epoch: number; loss: number; valLoss?: number; valMetric?: number } = { epoch, loss: weightSum > 0 ? lossSum / weightSum : 0 };
    if (validation !== undefined && valX !== undefined) {
      const out = forwardAll(layers, valX, validation.rows.length).at(-1) ?? valX;
      report.valLoss = validation.objective.evaluate(out, validation.rows).loss;
      if (validation.metric !== undefined) report.valMetric = validation.metric(out);
    }
    ctx.onEpoch?.(report);
    if (report.valLoss !== undefined) {
      // Patience restarts only on a real improvement (sklearn's tol): a loss creeping down by
      // float noise would otherwise hold a run at the cap. The best weights follow any decrease.
      const improved = report.valLoss < patienceLoss - MIN_IMPROVEMENT * Math.abs(patienceLoss);
      if (report.valLoss < best.loss) best = { loss: report.valLoss, layers: cloneLayers(layers) };
      if (improved || patienceLoss === Infinity) {
        patienceLoss = report.valLoss;
        stale = 0;
      } else if (patience > 0 && ++stale >= patience) {
        break;
      }
    }
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
    throwIfAborted(ctx.signal, `after epoch ${epoch}`);
  }
  return Number.isFinite(best.loss) ? best.layers : layers;
}

/** The given rows of a row-major matrix, as a new [rows.length x width] matrix. */
export function gather(x: Float32Array, width: number, rows: ArrayLike<number>): Float32Array {
  const out = new Float32Array(rows.length * width);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i] as number;
    out.set(x.subarray(r * width, (r + 1) * width), i * width);
  }
  return out;
}

export const allRows = (n: number): Int32Array => Int32Array.from({ length: n }, (_, i) => i);
