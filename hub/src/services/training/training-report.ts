/**
 * The lines a run's log says about its fit and its test metrics, as pure functions of the
 * numbers: headline metrics, per-class F1 and the confusion matrix, and what ended the fit
 * (early stopping, or the epoch cap while the model was still improving: under-trained).
 */
import { confusionKey, headlineMetrics, perClassF1Key } from '../../core/training';
import type { EpochSummary } from './training-fit';

/** Headline metrics on one line: `name=0.1234 ...` (per-class and confusion keys left out). */
export const formatMetrics = (metrics: Record<string, number>): string =>
  Object.entries(headlineMetrics(metrics))
    .map(([k, v]) => `${k}=${v.toFixed(4)}`)
    .join(' ');

/** Per-class F1 and the confusion matrix, the lines a person reads to see which classes fail. */
export function classReport(metrics: Record<string, number>, classes: readonly string[]): string[] {
  const f1 = classes.map((c) => `${c}=${(metrics[perClassF1Key(c)] ?? Number.NaN).toFixed(4)}`).join(' ');
  const rows = classes.map((t) => `[${classes.map((p) => metrics[confusionKey(t, p)] ?? 0).join(', ')}]`).join(', ');
  return [`per-class F1 on the test split: ${f1}`, `confusion on the test split (rows: true class, columns: predicted, order ${classes.join(', ')}): [${rows}]`];
}

/** Whether early stopping ended the fit, or the epoch cap did (then the model may be under-trained). */
export function stoppingLine(stopping: EpochSummary, patience: unknown): { level: 'info' | 'warn'; message: string } {
  const kept = `kept epoch ${stopping.best.epoch} (validation loss ${stopping.best.valLoss.toFixed(4)})`;
  if (stopping.ran < stopping.cap) return { level: 'info', message: `early stopping after epoch ${stopping.ran} of at most ${stopping.cap} (no validation-loss improvement for ${String(patience)} epochs); ${kept}` };
  // The cap ended it: if the kept epoch is within the last `patience` epochs, the loss was still falling.
  const stillImproving = stopping.best.epoch > stopping.cap - (typeof patience === 'number' && patience > 0 ? patience : 1);
  return stillImproving
    ? { level: 'warn', message: `trained all ${stopping.cap} epochs (the cap) and the validation loss was still improving: the model may be under-trained; raise params.epochs. ${kept}` }
    : { level: 'info', message: `trained all ${stopping.cap} epochs (the cap); ${kept}` };
}
