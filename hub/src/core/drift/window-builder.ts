/**
 * Building statistics windows from raw values, as a device would (pure; for tests, simulations
 * and benchmarks): counts on the reference's own bins via the shared countIntoBins, and moments
 * of the finite values.
 */
import { countIntoBins, oodLowerIsWorse, type BinnedStats, type ReferenceProfile, type StatsWindow } from '@edgefleet/protocol';

export function binnedStatsOf(edges: readonly number[], values: readonly number[]): BinnedStats {
  let sum = 0;
  let sumSq = 0;
  let min: number | null = null;
  let max: number | null = null;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    sum += v;
    sumSq += v * v;
    min = min === null ? v : Math.min(min, v);
    max = max === null ? v : Math.max(max, v);
  }
  return { ...countIntoBins(edges, values), sum, sumSq, min, max };
}

export interface WindowValues {
  device: string;
  /** one array of raw values per numeric reference feature, in reference order */
  numeric: readonly (readonly number[])[];
  /** predicted class indexes, for a reference whose first output is a class output */
  predicted?: readonly number[];
  /** the top class probability of each prediction, counted on the class output's confidence bins */
  confidence?: readonly number[];
  /** OOD scores, for a reference with an OOD profile */
  ood?: readonly number[];
  windowStart?: string;
}

const SHA = '0'.repeat(64);

/** A window for a reference whose features are all numeric (categoricals are left to callers). */
export function windowOf(reference: ReferenceProfile, values: WindowValues): StatsWindow {
  const features = reference.features.map((feature, i) => {
    if (feature.kind !== 'numeric') throw new Error(`windowOf: feature ${feature.name} is not numeric`);
    return { kind: 'numeric' as const, ...binnedStatsOf(feature.bins.edges, values.numeric[i] ?? []) };
  });
  const outputs = reference.outputs.map((output) => {
    if (output.kind === 'numeric') return { kind: 'numeric' as const, ...binnedStatsOf(output.bins.edges, []) };
    const counts = new Array<number>(output.classes.length).fill(0);
    for (const c of values.predicted ?? []) if (c >= 0 && c < counts.length) counts[c] = (counts[c] ?? 0) + 1;
    return { kind: 'class' as const, counts, confidence: binnedStatsOf(output.confidence?.edges ?? [0, 1], values.confidence ?? []) };
  });
  const refOod = reference.ood;
  // Thresholds point in the out-of-distribution direction (protocol referenceOodSchema).
  const beyond = (v: number, threshold: number): boolean => (refOod && oodLowerIsWorse(refOod.score) ? v < threshold : v > threshold);
  const ood = refOod
    ? {
        score: binnedStatsOf(refOod.bins.edges, values.ood ?? []),
        aboveP95: (values.ood ?? []).filter((v) => beyond(v, refOod.p95)).length,
        aboveP99: (values.ood ?? []).filter((v) => beyond(v, refOod.p99)).length,
      }
    : null;
  const n = Math.max(values.numeric[0]?.length ?? 0, values.predicted?.length ?? 0, values.ood?.length ?? 0);
  const start = values.windowStart ?? '2026-01-01T00:00:00.000Z';
  return { msgId: `window-${values.device}-${start}`, device: values.device, model: 'demo', version: '1', sha256: SHA, windowStart: start, windowEnd: start, n, errors: {}, latencyMs: binnedStatsOf([0, 1], []), features, outputs, ood };
}
