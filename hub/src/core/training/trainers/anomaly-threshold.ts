/**
 * Choosing the anomaly threshold on validation scores (a row is an anomaly when score > threshold).
 *  - With labels that include anomalies: the cut between two distinct sorted scores that
 *    maximises F1 of the anomaly class (the midpoint, so float32 rounding of the stored
 *    threshold does not move a validation row across it). Ties in F1 go to the higher threshold.
 *  - Without: the q-quantile (default 0.99) of the normal rows' scores: about 1% of normal
 *    traffic gets flagged.
 */
import { quantileSorted } from '../../datasets/stats';

export function quantileThreshold(scores: ArrayLike<number>, q: number): number {
  const sorted = Float64Array.from(scores).sort();
  return sorted.length === 0 ? Number.POSITIVE_INFINITY : quantileSorted(sorted, q);
}

export function f1OptimalThreshold(scores: ArrayLike<number>, labels: ArrayLike<number>): { threshold: number; f1: number } {
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => (scores[b] as number) - (scores[a] as number));
  let positives = 0;
  for (let i = 0; i < labels.length; i++) if ((labels[i] as number) === 1) positives++;
  let best = { threshold: Number.POSITIVE_INFINITY, f1: 0 };
  if (positives === 0) return best;
  let tp = 0;
  for (let k = 1; k <= order.length; k++) {
    const idx = order[k - 1] as number;
    if ((labels[idx] as number) === 1) tp++;
    const here = scores[idx] as number;
    const below = k < order.length ? (scores[order[k] as number] as number) : Number.NEGATIVE_INFINITY;
    if (!(here > below)) continue; // cannot cut between equal scores
    const f1 = (2 * tp) / (k + positives); // 2 tp / (predicted + actual)
    if (f1 > best.f1) best = { threshold: Number.isFinite(below) ? (here + below) / 2 : here - Math.max(1e-6, Math.abs(here) * 1e-3), f1 };
  }
  return best;
}
