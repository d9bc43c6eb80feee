/**
 * When does a row count as "above p95 / p99" of the reference OOD score? The reference carries
 * its thresholds in the out-of-distribution direction (protocol referenceOodSchema): for
 * `max-softmax` a row exceeds when its top probability is below them, for the other scores when
 * its score is above them. Either way `aboveP95` / `aboveP99` mean "more OOD than 95% / 99% of
 * the reference rows", with expected rates 5% and 1%.
 */
import { oodLowerIsWorse, type ReferenceOod } from '@edgefleet/protocol';

export interface OodThresholds {
  /** true when a low score means out of distribution (max-softmax) */
  lowerIsOod: boolean;
  t95: number;
  t99: number;
}

export const oodThresholds = (ood: ReferenceOod): OodThresholds => ({ lowerIsOod: oodLowerIsWorse(ood.score), t95: ood.p95, t99: ood.p99 });

/** Is `score` more OOD than the threshold? NaN never is. */
export const exceeds = (thresholds: OodThresholds, score: number, threshold: number): boolean =>
  thresholds.lowerIsOod ? score < threshold : score > threshold;
