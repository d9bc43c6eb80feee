/**
 * Merging statistics windows by addition (ARCHITECTURE rule 6). Pure and shared: devices merge
 * windows in their offline queue, the hub merges across devices, rings and time.
 */
import type { BinnedStats, CategoricalStats, FeatureStats, OodStats, OutputStats, StatsWindow } from './schemas/stats';

const addArrays = (a: readonly number[], b: readonly number[]): number[] => {
  if (a.length !== b.length) throw new Error(`cannot merge counts of ${a.length} and ${b.length} bins`);
  return a.map((value, i) => value + (b[i] ?? 0));
};

const minOf = (a: number | null, b: number | null): number | null => (a === null ? b : b === null ? a : Math.min(a, b));
const maxOf = (a: number | null, b: number | null): number | null => (a === null ? b : b === null ? a : Math.max(a, b));

export function mergeBinned(a: BinnedStats, b: BinnedStats): BinnedStats {
  return {
    counts: addArrays(a.counts, b.counts),
    underflow: a.underflow + b.underflow,
    overflow: a.overflow + b.overflow,
    missing: a.missing + b.missing,
    sum: a.sum + b.sum,
    sumSq: a.sumSq + b.sumSq,
    min: minOf(a.min, b.min),
    max: maxOf(a.max, b.max),
  };
}

export function mergeCategorical(a: CategoricalStats, b: CategoricalStats): CategoricalStats {
  return { counts: addArrays(a.counts, b.counts), unseen: a.unseen + b.unseen, missing: a.missing + b.missing };
}

function mergeFeature(a: FeatureStats, b: FeatureStats): FeatureStats {
  if (a.kind === 'numeric' && b.kind === 'numeric') return { kind: 'numeric', ...mergeBinned(a, b) };
  if (a.kind === 'categorical' && b.kind === 'categorical') return { kind: 'categorical', ...mergeCategorical(a, b) };
  throw new Error(`cannot merge a ${a.kind} feature with a ${b.kind} one`);
}

function mergeOutput(a: OutputStats, b: OutputStats): OutputStats {
  if (a.kind === 'class' && b.kind === 'class') return { kind: 'class', counts: addArrays(a.counts, b.counts), confidence: mergeBinned(a.confidence, b.confidence) };
  if (a.kind === 'numeric' && b.kind === 'numeric') return { kind: 'numeric', ...mergeBinned(a, b) };
  throw new Error(`cannot merge a ${a.kind} output with a ${b.kind} one`);
}

function mergeOod(a: OodStats | null, b: OodStats | null): OodStats | null {
  if (a === null || b === null) return a ?? b;
  return { score: mergeBinned(a.score, b.score), aboveP95: a.aboveP95 + b.aboveP95, aboveP99: a.aboveP99 + b.aboveP99 };
}

const zip = <T>(a: readonly T[], b: readonly T[], merge: (x: T, y: T) => T): T[] => {
  if (a.length !== b.length) throw new Error(`cannot merge ${a.length} entries with ${b.length}`);
  return a.map((x, i) => merge(x, b[i] as T));
};

/**
 * The sum of two windows of the same model version (same artifact). The result spans both
 * windows; `device` and `msgId` are the first window's (callers merging across devices relabel).
 */
export function mergeStatsWindows(a: StatsWindow, b: StatsWindow): StatsWindow {
  if (a.sha256 !== b.sha256) throw new Error(`cannot merge windows of ${a.model}@${a.version} and ${b.model}@${b.version}`);
  const errors: Record<string, number> = { ...a.errors };
  for (const [code, n] of Object.entries(b.errors)) errors[code] = (errors[code] ?? 0) + n;
  const merged = (a.merged ?? 0) + (b.merged ?? 0);
  const lost = (a.lost ?? 0) + (b.lost ?? 0);
  return {
    msgId: a.msgId,
    device: a.device,
    model: a.model,
    version: a.version,
    sha256: a.sha256,
    windowStart: a.windowStart < b.windowStart ? a.windowStart : b.windowStart,
    windowEnd: a.windowEnd > b.windowEnd ? a.windowEnd : b.windowEnd,
    n: a.n + b.n,
    errors,
    latencyMs: mergeBinned(a.latencyMs, b.latencyMs),
    features: zip(a.features, b.features, mergeFeature),
    outputs: zip(a.outputs, b.outputs, mergeOutput),
    ood: mergeOod(a.ood, b.ood),
    ...(merged > 0 ? { merged } : {}),
    ...(lost > 0 ? { lost } : {}),
  };
}
