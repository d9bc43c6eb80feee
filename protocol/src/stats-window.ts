/**
 * Merging statistics windows by addition (ARCHITECTURE rule 6). Pure and shared: devices merge
 * windows in their offline queue, the hub merges across devices, rings and time.
 */
import type { BinnedStats, CategoricalStats, FeatureStats, OodStats, OutputStats, ShadowStats, StatsWindow } from './schemas/stats';

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

const sameCandidate = (a: ShadowStats, b: ShadowStats): boolean => a.model === b.model && a.version === b.version && a.sha256 === b.sha256;

/**
 * Shadow sections sum only when they count the same candidate. A window without a section made
 * no comparisons, so it adds nothing: absent + S = S. Two different candidates are refused rather
 * than summed: their agreement would be a blend that belongs to neither, and dropping one side
 * would lose comparisons without a trace. A device never needs that merge (it closes the window
 * when its shadow changes, and its outbox merges only mergeable windows: statsWindowsMergeable);
 * the hub keeps shadow sections per candidate (hub services/statistics/stats-ingest.ts).
 */
export function shadowsMergeable(a: ShadowStats | undefined, b: ShadowStats | undefined): boolean {
  return a === undefined || b === undefined || sameCandidate(a, b);
}

/** Whether mergeStatsWindows accepts the pair: the same artifact and mergeable shadow sections. */
export function statsWindowsMergeable(a: StatsWindow, b: StatsWindow): boolean {
  return a.sha256 === b.sha256 && shadowsMergeable(a.shadow, b.shadow);
}

const shadowConflict = (a: ShadowStats, b: ShadowStats): Error =>
  new Error(`cannot merge shadow statistics of ${a.model}@${a.version} (${a.sha256.slice(0, 12)}) and ${b.model}@${b.version} (${b.sha256.slice(0, 12)})`);

const addErrors = (into: Record<string, number>, from: Readonly<Record<string, number>>): Record<string, number> => {
  for (const [code, n] of Object.entries(from)) into[code] = (into[code] ?? 0) + n;
  return into;
};

export function mergeShadow(a: ShadowStats | undefined, b: ShadowStats | undefined): ShadowStats | undefined {
  if (a === undefined || b === undefined) return a ?? b;
  if (!sameCandidate(a, b)) throw shadowConflict(a, b);
  return {
    model: a.model,
    version: a.version,
    sha256: a.sha256,
    n: a.n + b.n,
    agree: a.agree + b.agree,
    errors: addErrors({ ...a.errors }, b.errors),
    latencyMs: mergeBinned(a.latencyMs, b.latencyMs),
    dropped: a.dropped + b.dropped,
  };
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
  const errors = addErrors({ ...a.errors }, b.errors);
  const shadow = mergeShadow(a.shadow, b.shadow);
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
    ...(shadow ? { shadow } : {}),
  };
}

const copyBinned = (s: BinnedStats): BinnedStats => ({ ...s, counts: [...s.counts] });

/** a += b in place (a is the accumulator's own copy); the same additions as mergeBinned. */
function addBinnedInto(a: BinnedStats, b: BinnedStats): void {
  addCountsInto(a.counts, b.counts);
  a.underflow += b.underflow;
  a.overflow += b.overflow;
  a.missing += b.missing;
  a.sum += b.sum;
  a.sumSq += b.sumSq;
  a.min = minOf(a.min, b.min);
  a.max = maxOf(a.max, b.max);
}

function addCountsInto(a: number[], b: readonly number[]): void {
  if (a.length !== b.length) throw new Error(`cannot merge counts of ${a.length} and ${b.length} bins`);
  for (let i = 0; i < a.length; i++) a[i] = (a[i] as number) + (b[i] as number);
}

const copyFeature = (f: FeatureStats): FeatureStats => (f.kind === 'numeric' ? { kind: 'numeric', ...copyBinned(f) } : { ...f, counts: [...f.counts] });
const copyShadow = (s: ShadowStats): ShadowStats => ({ ...s, errors: { ...s.errors }, latencyMs: copyBinned(s.latencyMs) });
const copyOutput = (o: OutputStats): OutputStats => (o.kind === 'numeric' ? { kind: 'numeric', ...copyBinned(o) } : { kind: 'class', counts: [...o.counts], confidence: copyBinned(o.confidence) });

/**
 * The sum of many windows of one model version: equal to `windows.reduce(mergeStatsWindows)`,
 * with the same additions in the same order (so the same floats), but without building every
 * intermediate window, which made merging 1,000 device-windows cost as much as testing them.
 */
export function sumStatsWindows(windows: readonly StatsWindow[]): StatsWindow {
  const first = windows[0];
  if (!first) throw new Error('sumStatsWindows needs at least one window');
  if (windows.length === 1) return first;
  const sum = { ...first, errors: { ...first.errors }, latencyMs: copyBinned(first.latencyMs), features: first.features.map(copyFeature), outputs: first.outputs.map(copyOutput), ood: first.ood ? { ...first.ood, score: copyBinned(first.ood.score) } : null };
  let merged = first.merged ?? 0;
  let lost = first.lost ?? 0;
  let shadow = first.shadow ? copyShadow(first.shadow) : undefined;
  for (let w = 1; w < windows.length; w++) {
    const b = windows[w] as StatsWindow;
    if (sum.sha256 !== b.sha256) throw new Error(`cannot merge windows of ${sum.model}@${sum.version} and ${b.model}@${b.version}`);
    if (shadow && b.shadow) {
      if (!sameCandidate(shadow, b.shadow)) throw shadowConflict(shadow, b.shadow);
      shadow.n += b.shadow.n;
      shadow.agree += b.shadow.agree;
      addErrors(shadow.errors, b.shadow.errors);
      addBinnedInto(shadow.latencyMs, b.shadow.latencyMs);
      shadow.dropped += b.shadow.dropped;
    } else if (b.shadow) shadow = copyShadow(b.shadow);
    addErrors(sum.errors, b.errors);
    if (b.windowStart < sum.windowStart) sum.windowStart = b.windowStart;
    if (b.windowEnd > sum.windowEnd) sum.windowEnd = b.windowEnd;
    sum.n += b.n;
    addBinnedInto(sum.latencyMs, b.latencyMs);
    if (sum.features.length !== b.features.length) throw new Error(`cannot merge ${sum.features.length} entries with ${b.features.length}`);
    for (let i = 0; i < sum.features.length; i++) {
      const a = sum.features[i] as FeatureStats;
      const f = b.features[i] as FeatureStats;
      if (a.kind === 'numeric' && f.kind === 'numeric') addBinnedInto(a, f);
      else if (a.kind === 'categorical' && f.kind === 'categorical') {
        addCountsInto(a.counts, f.counts);
        a.unseen += f.unseen;
        a.missing += f.missing;
      } else throw new Error(`cannot merge a ${a.kind} feature with a ${f.kind} one`);
    }
    if (sum.outputs.length !== b.outputs.length) throw new Error(`cannot merge ${sum.outputs.length} entries with ${b.outputs.length}`);
    for (let i = 0; i < sum.outputs.length; i++) {
      const a = sum.outputs[i] as OutputStats;
      const o = b.outputs[i] as OutputStats;
      if (a.kind === 'numeric' && o.kind === 'numeric') addBinnedInto(a, o);
      else if (a.kind === 'class' && o.kind === 'class') {
        addCountsInto(a.counts, o.counts);
        addBinnedInto(a.confidence, o.confidence);
      } else throw new Error(`cannot merge a ${a.kind} output with a ${o.kind} one`);
    }
    if (sum.ood === null) sum.ood = b.ood ? { ...b.ood, score: copyBinned(b.ood.score) } : null;
    else if (b.ood) {
      addBinnedInto(sum.ood.score, b.ood.score);
      sum.ood.aboveP95 += b.ood.aboveP95;
      sum.ood.aboveP99 += b.ood.aboveP99;
    }
    merged += b.merged ?? 0;
    lost += b.lost ?? 0;
  }
  const { merged: _merged, lost: _lost, shadow: _shadow, ...rest } = sum;
  return { ...rest, ...(merged > 0 ? { merged } : {}), ...(lost > 0 ? { lost } : {}), ...(shadow ? { shadow } : {}) };
}
