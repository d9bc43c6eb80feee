/**
 * What a lean device "sees" and "predicts": per-device input distributions (a device group's
 * spec plus the drift injected so far), drawn row by row from a seeded generator, and a cheap
 * stand-in for inference whose outputs have the shapes the release's reference profile reads.
 * Pure (no I/O); the tensors go straight into the agent's own StatsAccumulator.
 *
 * Defaults come from the release itself: a numeric feature the group does not name is drawn
 * from the reference bins' mean and sd, a categorical one from the reference counts, so an
 * undrifted device matches its reference.
 *
 * Stand-in inference (documented, not a model): per row, s = sum_f w_f z_f / sqrt(sum_f w_f^2)
 * with z_f the numeric feature standardised on the reference and fixed weights (1, -1, 2/3,
 * -2/3, 1/2, ...), so s ~ N(0, 1) on reference data and moves when inputs drift.
 * - class output: the class at quantile Phi(s) of the reference class proportions (so predicted
 *   classes match the reference without drift), probabilities with that class on top at a
 *   confidence drawn from the reference's (its max-softmax OOD histogram, with the p95/p99
 *   quantiles as knots, else its confidence bins; halved for rows far out of distribution, so
 *   max-softmax OOD sees them), the rest spread evenly;
 * - numeric output: its reference distribution's quantile Phi(s);
 * - reconstruction-error OOD score (`score` output): the reference score at the chi-square
 *   quantile of the row's sum of z^2.
 * So an undrifted device shows no drift on any signal, and drifted inputs move the outputs.
 */
import { z } from 'zod';
import { oodLowerIsWorse, type IoSpec, type NumericBins, type ReleaseManifest, type ReferenceFeature, type ReferenceProfile } from '@edgefleet/protocol';
import { PROBABILITIES_OUTPUT, SCORE_OUTPUT } from '@edgefleet/device-core';

export const numericDistributionSchema = z.strictObject({ mean: z.number(), sd: z.number().min(0) });

/** How the devices of one group behave. Every field has a default. */
export const groupSpecSchema = z.strictObject({
  /** feature name -> normal(mean, sd); default: the reference's mean and sd */
  numeric: z.record(z.string(), numericDistributionSchema).default({}),
  /** feature name -> category -> weight; default: the reference counts */
  categorical: z.record(z.string(), z.record(z.string(), z.number().min(0))).default({}),
  /** predictions per second per device (rows); default 1 */
  rowsPerSecond: z.number().min(0).max(10_000).default(1),
  /** rows per request; default 10 */
  batch: z.number().int().min(1).max(1_000).default(10),
  /** share of requests that fail (counted as E_INFERENCE); default 0 */
  errorRate: z.number().min(0).max(1).default(0),
  /** request latency: lognormal with this median (ms) and log-sd; default 2 ms, 0.3 */
  latencyMs: z.strictObject({ median: z.number().positive(), spread: z.number().min(0) }).default({ median: 2, spread: 0.3 }),
});
export type GroupSpec = z.output<typeof groupSpecSchema>;
export type GroupSpecInput = z.input<typeof groupSpecSchema>;

/** A drift injection. Shifts add up; scales multiply; `reset` clears everything injected before. */
export const driftSchema = z.strictObject({
  /** the feature shifted, scaled or given new categories (by its reference name) */
  feature: z.string().optional(),
  /** mean shift in sds of the current distribution */
  meanShiftSds: z.number().default(0),
  /** sd multiplier */
  sdScale: z.number().positive().default(1),
  /** categories the reference never saw, with weights against the existing distribution's total of 1 ({ z: 0.25 }: 20% z) */
  newCategories: z.record(z.string(), z.number().min(0)).default({}),
  /** share of rows whose numeric features are all out of distribution (mean +- oodSds sd) */
  oodFraction: z.number().min(0).max(1).optional(),
  oodSds: z.number().positive().default(8),
  reset: z.boolean().default(false),
});
export type Drift = z.output<typeof driftSchema>;

interface FeatureDrift {
  meanShiftSds: number;
  sdScale: number;
  newCategories: Record<string, number>;
}

/** The drift injected into one device's inputs: the world around it, so an agent crash keeps it. */
export class DriftState {
  private readonly features = new Map<string, FeatureDrift>();
  oodFraction = 0;
  oodSds = 8;

  apply(drift: Drift): void {
    if (drift.reset) {
      this.features.clear();
      this.oodFraction = 0;
    }
    if (drift.oodFraction !== undefined) {
      this.oodFraction = drift.oodFraction;
      this.oodSds = drift.oodSds;
    }
    if (drift.feature === undefined) return;
    const current = this.features.get(drift.feature) ?? { meanShiftSds: 0, sdScale: 1, newCategories: {} };
    this.features.set(drift.feature, {
      meanShiftSds: current.meanShiftSds + drift.meanShiftSds,
      sdScale: current.sdScale * drift.sdScale,
      newCategories: { ...current.newCategories, ...drift.newCategories },
    });
  }

  of(feature: string): FeatureDrift | undefined {
    return this.features.get(feature);
  }
}

export interface Tensor {
  dims: number[];
  data: Float32Array | string[];
}
export type Tensors = Record<string, Tensor>;

/** Per release: where each feature sits and how each input is shaped (computed once per version). */
export interface InputLayout {
  inputs: { name: string; width: number; kind: 'numeric' | 'string' }[];
  features: ReferenceFeature[];
  /** the reference's top class probability, as an inverse CDF (null: none in the reference) */
  confidence: Sampler | null;
  /** the reference's OOD score, as an inverse CDF */
  oodScore: Sampler | null;
  /** each numeric output's reference distribution, as an inverse CDF */
  numericOutputs: Map<string, Sampler>;
}

/** u in [0, 1) -> a value with the reference distribution. */
export type Sampler = (u: number) => number;

export function inputLayoutOf(release: Pick<ReleaseManifest, 'io' | 'reference'>): InputLayout {
  const features = release.reference?.features ?? [];
  const inputs = release.io.inputs.map((spec: IoSpec) => {
    const last = spec.shape[spec.shape.length - 1];
    const used = features.filter((f) => f.source.input === spec.name).reduce((max, f) => Math.max(max, f.source.index + 1), 0);
    const declared = spec.shape.length >= 2 && typeof last === 'number' ? last : 1;
    return { name: spec.name, width: Math.max(used, declared, 1), kind: spec.type === 'string' ? ('string' as const) : ('numeric' as const) };
  });
  const ood = release.reference?.ood ?? null;
  // The OOD quantiles are knots too, so the undrifted exceedance rates are the reference's (5% and 1%).
  const oodScore = ood ? inverseCdf(ood.bins, oodLowerIsWorse(ood.score) ? [[ood.p99, 0.01], [ood.p95, 0.05]] : [[ood.p95, 0.95], [ood.p99, 0.99]]) : null;
  const classOutput = release.reference?.outputs.find((o) => o.kind === 'class');
  const confidence = ood?.score === 'max-softmax' ? oodScore : classOutput?.kind === 'class' && classOutput.confidence ? inverseCdf(classOutput.confidence, []) : null;
  const numericOutputs = new Map((release.reference?.outputs ?? []).flatMap((o) => (o.kind === 'numeric' ? [[o.name, inverseCdf(o.bins, [])] as const] : [])));
  return { inputs, features, confidence, oodScore, numericOutputs };
}

/**
 * The inverse of a histogram's CDF, linear between knots: the bin edges at their cumulative
 * shares, plus extra (value, share) knots such as OOD quantiles.
 */
export function inverseCdf(bins: Pick<NumericBins, 'edges' | 'counts' | 'mean'>, extra: readonly (readonly [number, number])[]): Sampler {
  const total = bins.counts.reduce((a, b) => a + b, 0);
  if (total <= 0) return () => bins.mean;
  let cumulative = 0;
  const knots: [number, number][] = bins.edges.map((edge, i) => {
    if (i > 0) cumulative += bins.counts[i - 1] ?? 0;
    return [edge, cumulative / total];
  });
  for (const knot of extra) if (Number.isFinite(knot[0])) knots.push([knot[0], knot[1]]);
  knots.sort((a, b) => a[0] - b[0]);
  // Keep shares non-decreasing whatever the extra knots said.
  for (let i = 1; i < knots.length; i++) (knots[i] as [number, number])[1] = Math.max((knots[i] as [number, number])[1], (knots[i - 1] as [number, number])[1]);
  return (u) => {
    for (let i = 1; i < knots.length; i++) {
      const [hi, pHi] = knots[i] as [number, number];
      const [lo, pLo] = knots[i - 1] as [number, number];
      if (u < pHi) return pHi > pLo ? lo + ((hi - lo) * (u - pLo)) / (pHi - pLo) : lo;
    }
    return (knots[knots.length - 1] as [number, number])[0];
  };
}

/** P(chi-square with k degrees of freedom < x), by Wilson-Hilferty: uniform on reference rows. */
const chiSquareCdf = (x: number, k: number): number => normalCdf((Math.cbrt(Math.max(0, x) / k) - (1 - 2 / (9 * k))) / Math.sqrt(2 / (9 * k)));

/** Standard normal by Box-Muller. */
export function standardNormal(random: () => number): number {
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

const weight = (i: number): number => (i % 2 === 0 ? 1 : -1) / (1 + Math.floor(i / 2) * 0.5);

/** Standard normal CDF (Abramowitz-Stegun 7.1.26 on erf; 1e-7 is plenty for choosing a class). */
function normalCdf(x: number): number {
  const t = 1 / (1 + (0.3275911 * Math.abs(x)) / Math.SQRT2);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-(x * x) / 2);
  return x >= 0 ? (1 + y) / 2 : (1 - y) / 2;
}

function pickWeighted(entries: readonly (readonly [string, number])[], total: number, u: number): string {
  let at = u * total;
  for (const [name, w] of entries) {
    if (at < w) return name;
    at -= w;
  }
  return entries[entries.length - 1]?.[0] ?? '';
}

/**
 * One request of `rows` rows for `release`: its input tensors and the stand-in's outputs.
 */
export function drawRequest(release: Pick<ReleaseManifest, 'io' | 'reference'>, layout: InputLayout, group: GroupSpec, drift: DriftState, random: () => number, rows: number): { inputs: Tensors; outputs: Tensors } {
  const inputs: Tensors = {};
  for (const input of layout.inputs) {
    inputs[input.name] = { dims: [rows, input.width], data: input.kind === 'string' ? new Array<string>(rows * input.width).fill('') : new Float32Array(rows * input.width) };
  }
  const reference = release.reference;
  const scores = new Float64Array(rows);
  const zSq = new Float64Array(rows);
  let numericCount = 0;
  let weightSq = 0;
  for (const [f, feature] of layout.features.entries()) {
    const tensor = inputs[feature.source.input];
    if (!tensor) continue;
    const width = tensor.dims[1] as number;
    const fd = drift.of(feature.name);
    if (feature.kind === 'numeric') {
      numericCount++;
      weightSq += weight(f) ** 2;
      const base = group.numeric[feature.name] ?? { mean: feature.bins.mean, sd: feature.bins.sd };
      const sd = base.sd * (fd?.sdScale ?? 1);
      const mean = base.mean + (fd?.meanShiftSds ?? 0) * base.sd;
      const refSd = feature.bins.sd > 0 ? feature.bins.sd : 1;
      const data = tensor.data as Float32Array;
      for (let r = 0; r < rows; r++) {
        const ood = drift.oodFraction > 0 && random() < drift.oodFraction;
        const value = ood ? mean + (random() < 0.5 ? -1 : 1) * drift.oodSds * (sd || 1) : mean + sd * standardNormal(random);
        data[r * width + feature.source.index] = value;
        const z = (value - feature.bins.mean) / refSd;
        scores[r]! += weight(f) * z;
        zSq[r]! += z * z;
      }
    } else {
      const weights = group.categorical[feature.name] ?? Object.fromEntries(feature.categories.map((c, i) => [c, feature.counts[i] ?? 0]));
      // New categories weigh against the existing distribution scaled to a total of 1.
      const base = Object.values(weights).reduce((sum, w) => sum + w, 0) || 1;
      const entries = [...Object.entries(weights).map(([c, w]) => [c, w / base] as const), ...Object.entries(fd?.newCategories ?? {})].filter(([, w]) => w > 0);
      const total = entries.reduce((sum, [, w]) => sum + w, 0);
      const data = tensor.data as string[];
      for (let r = 0; r < rows; r++) data[r * width + feature.source.index] = total > 0 ? pickWeighted(entries, total, random()) : '';
    }
  }
  // s ~ N(0, 1) on reference rows.
  const norm = weightSq > 0 ? Math.sqrt(weightSq) : 1;
  for (let r = 0; r < rows; r++) scores[r] = scores[r]! / norm;
  return { inputs, outputs: standIn(reference, layout, scores, zSq, numericCount, rows, random) };
}

function standIn(reference: ReferenceProfile | null, layout: InputLayout, scores: Float64Array, zSq: Float64Array, numericCount: number, rows: number, random: () => number): Tensors {
  const outputs: Tensors = {};
  for (const output of reference?.outputs ?? []) {
    if (output.kind === 'numeric') {
      const data = new Float32Array(rows);
      const sampler = layout.numericOutputs.get(output.name);
      for (let r = 0; r < rows; r++) data[r] = sampler ? sampler(Math.min(0.999999, normalCdf(scores[r]!))) : output.bins.mean + output.bins.sd * scores[r]!;
      outputs[output.name] = { dims: [rows, 1], data };
      continue;
    }
    if (outputs[PROBABILITIES_OUTPUT]) continue;
    const k = output.classes.length;
    const total = output.counts.reduce((a, b) => a + b, 0);
    const data = new Float32Array(rows * k);
    for (let r = 0; r < rows; r++) {
      // The class at quantile Phi(s) of the reference proportions.
      let at = normalCdf(scores[r]!) * (total > 0 ? total : k);
      let best = k - 1;
      for (let c = 0; c < k; c++) {
        const share = total > 0 ? (output.counts[c] ?? 0) : 1;
        if (at < share) {
          best = c;
          break;
        }
        at -= share;
      }
      // Far out of distribution (sum z^2 beyond what reference rows reach once in 10^5), the stand-in is unsure.
      const far = numericCount > 0 && chiSquareCdf(zSq[r]!, numericCount) > 0.99999;
      const drawn = (layout.confidence ? layout.confidence(random()) : 0.8) * (far ? 0.5 : 1);
      const top = k === 1 ? 1 : Math.min(1, Math.max(1 / k + 1e-3, drawn));
      for (let c = 0; c < k; c++) data[r * k + c] = c === best ? top : (1 - top) / (k - 1);
    }
    outputs[PROBABILITIES_OUTPUT] = { dims: [rows, k], data };
  }
  if (reference?.ood?.score === 'reconstruction-error' && layout.oodScore) {
    // The reference score at the row's chi-square quantile of sum z^2: the reference distribution on reference rows, higher when inputs move.
    const data = new Float32Array(rows);
    for (let r = 0; r < rows; r++) data[r] = layout.oodScore(numericCount > 0 ? Math.min(0.999999, chiSquareCdf(zSq[r]!, numericCount)) : random());
    outputs[SCORE_OUTPUT] = { dims: [rows, 1], data };
  }
  return outputs;
}

/** Lognormal request latency. */
export const drawLatency = (group: GroupSpec, random: () => number): number => group.latencyMs.median * Math.exp(group.latencyMs.spread * standardNormal(random));
