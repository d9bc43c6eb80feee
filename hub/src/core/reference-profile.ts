/**
 * Reference profiles (DRIFT.md): equal-mass bins fitted on reference data, and the counts of
 * that data on them. They ship inside the signed release manifest, so devices count on exactly
 * these bins and the hub can merge and compare by addition.
 */
import { countIntoBins, oodLowerIsWorse, type NumericBins, type ReferenceFeature, type ReferenceOod, type ReferenceOutput, type ReferenceProfile } from '@edgefleet/protocol';
import { MAX_BINS, MIN_BINS, referenceEdges } from './bin-edges';
import { validation } from './errors';

export const DEFAULT_BINS = 10;

function checkBins(bins: number): void {
  if (!Number.isInteger(bins) || bins < MIN_BINS || bins > MAX_BINS) throw validation(`bins: must be an integer from ${MIN_BINS} to ${MAX_BINS}, got ${bins}`);
}

/**
 * Equal-mass edges of the finite values, at most `bins` bins, with a bin of its own for a value
 * that holds a large share and one bin per value when there are few (bin-edges.ts).
 */
export function equalMassEdges(values: ArrayLike<number>, bins = DEFAULT_BINS): number[] {
  checkBins(bins);
  return referenceEdges(values, bins);
}

/** Linear-interpolated quantile (type 7, as numpy's default) of ascending values. */
export function quantileSorted(sorted: readonly number[], q: number): number {
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.ceil(position);
  const low = sorted[below] as number;
  return low + ((sorted[above] as number) - low) * (position - below);
}

export function numericBins(values: ArrayLike<number>, edges: number[]): NumericBins {
  let n = 0;
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < values.length; i++) {
    const value = values[i] as number;
    if (!Number.isFinite(value)) continue;
    n++;
    sum += value;
    sumSq += value * value;
  }
  const mean = n > 0 ? sum / n : 0;
  const sd = n > 1 ? Math.sqrt(Math.max(0, (sumSq - n * mean * mean) / (n - 1))) : 0;
  return { edges, ...countIntoBins(edges, Array.from(values)), mean, sd };
}

export type ReferenceFeatureInput =
  | { name: string; kind: 'numeric'; source: { input: string; index: number }; values: ArrayLike<number> }
  | { name: string; kind: 'categorical'; source: { input: string; index: number }; values: ArrayLike<string | null>; categories: string[] };

export type ReferenceOutputInput =
  /** `confidence`: each row's top class probability, for the confidence histogram (optional) */
  | { name: string; kind: 'class'; classes: string[]; predicted: ArrayLike<number>; confidence?: ArrayLike<number> }
  | { name: string; kind: 'numeric'; values: ArrayLike<number> };

export interface ReferenceInput {
  rows: number;
  features: ReferenceFeatureInput[];
  outputs: ReferenceOutputInput[];
  ood?: { score: ReferenceOod['score']; values: ArrayLike<number> };
  bins?: number;
}

export function buildReferenceProfile(input: ReferenceInput): ReferenceProfile {
  const bins = input.bins ?? DEFAULT_BINS;
  // Checked here too: a profile with no numeric signal would never reach equalMassEdges.
  checkBins(bins);
  const features = input.features.map((feature): ReferenceFeature => {
    if (feature.kind === 'numeric') return { name: feature.name, kind: 'numeric', source: feature.source, bins: numericBins(feature.values, equalMassEdges(feature.values, bins)) };
    const index = new Map(feature.categories.map((category, i) => [category, i]));
    const counts = new Array<number>(feature.categories.length).fill(0);
    let unseen = 0;
    let missing = 0;
    for (let i = 0; i < feature.values.length; i++) {
      const value = feature.values[i];
      if (value === null || value === undefined) missing++;
      else {
        const slot = index.get(value);
        if (slot === undefined) unseen++;
        else counts[slot] = (counts[slot] ?? 0) + 1;
      }
    }
    return { name: feature.name, kind: 'categorical', source: feature.source, categories: feature.categories, counts, unseen, missing };
  });
  const outputs = input.outputs.map((output): ReferenceOutput => {
    if (output.kind === 'numeric') return { name: output.name, kind: 'numeric', bins: numericBins(output.values, equalMassEdges(output.values, bins)) };
    const counts = new Array<number>(output.classes.length).fill(0);
    for (let i = 0; i < output.predicted.length; i++) {
      const cls = output.predicted[i] as number;
      if (cls >= 0 && cls < counts.length) counts[cls] = (counts[cls] ?? 0) + 1;
    }
    return { name: output.name, kind: 'class', classes: output.classes, counts, ...(output.confidence ? { confidence: confidenceBins(output.confidence, bins) } : {}) };
  });
  return { rows: input.rows, features, outputs, ood: input.ood ? oodReference(input.ood.score, input.ood.values, bins) : null };
}

/**
 * Equal-mass bins of the top class probability, with the outer edges moved out to 0 and 1: a
 * probability is never out of range, so a device whose confidence falls below the lowest
 * reference value counts it in the first bin rather than as underflow (the reference counts stay
 * the same, as no reference value lies outside [min, max]). The top edge is exactly 1 (or the
 * largest value, were it above 1), without the float32 margin equalMassEdges adds: a probability
 * never exceeds 1 however it is rounded.
 */
export function confidenceBins(values: ArrayLike<number>, bins: number): NumericBins {
  const edges = equalMassEdges(values, bins);
  let largest = -Infinity;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) largest = Math.max(largest, values[i] as number);
  const top = Math.max(largest, 1);
  edges[0] = Math.min(edges[0] as number, 0);
  if (top > (edges[edges.length - 2] as number)) edges[edges.length - 1] = top;
  return numericBins(values, edges);
}

function oodReference(score: ReferenceOod['score'], values: ArrayLike<number>, bins: number): ReferenceOod {
  const sorted = Array.from(values).filter(Number.isFinite).sort((a, b) => a - b);
  // Thresholds in the out-of-distribution direction (protocol referenceOodSchema).
  const lower = oodLowerIsWorse(score);
  const p95 = sorted.length ? quantileSorted(sorted, lower ? 0.05 : 0.95) : 0;
  const p99 = sorted.length ? quantileSorted(sorted, lower ? 0.01 : 0.99) : 0;
  return { score, bins: numericBins(values, equalMassEdges(values, bins)), p95, p99 };
}
