/**
 * Fast synthetic statistics windows for simulations (pure; randomness injected). Instead of
 * drawing every value, a window of n values from N(shift, 1) on a reference's bins is drawn as
 * one multinomial (sequential binomials: exact inversion when n p (1 - p) < 10, else the normal
 * approximation). The moments follow from the counts: sum adds to each bin's count times the
 * truncated-normal mean a normal draw with the within-bin variance (CLT), sumSq uses each bin's
 * conditional second moment. Assumes reference features were fitted on standard normal data.
 */
import type { BinnedStats, ReferenceProfile, StatsWindow } from '@edgefleet/protocol';
import { normalSurvival } from './special-functions';

const SQRT_2PI = Math.sqrt(2 * Math.PI);
const phi = (x: number): number => (Number.isFinite(x) ? Math.exp(-0.5 * x * x) / SQRT_2PI : 0);
const cdf = (x: number): number => (x === -Infinity ? 0 : x === Infinity ? 1 : 1 - normalSurvival(x));

/** Per ordered slot (underflow, bins, overflow): probability, conditional mean, variance, second moment. */
export interface SlotModel {
  p: number[];
  mean: number[];
  variance: number[];
  second: number[];
}

export function slotModel(edges: readonly number[], shift: number): SlotModel {
  const bounds = [-Infinity, ...edges, Infinity];
  const model: SlotModel = { p: [], mean: [], variance: [], second: [] };
  for (let i = 0; i + 1 < bounds.length; i++) {
    const a = (bounds[i] as number) - shift;
    const b = (bounds[i + 1] as number) - shift;
    const z = Math.max(cdf(b) - cdf(a), 1e-300);
    const ratio = (phi(a) - phi(b)) / z;
    const tail = ((Number.isFinite(a) ? a * phi(a) : 0) - (Number.isFinite(b) ? b * phi(b) : 0)) / z;
    const variance = Math.max(0, 1 + tail - ratio * ratio);
    const mean = shift + ratio;
    model.p.push(cdf(b) - cdf(a));
    model.mean.push(mean);
    model.variance.push(variance);
    model.second.push(variance + mean * mean);
  }
  return model;
}

export interface Randomness {
  uniform: () => number;
  normal: () => number;
}

export function binomialDraw(n: number, p: number, random: Randomness): number {
  if (n <= 0 || p <= 0) return 0;
  if (p >= 1) return n;
  if (p > 0.5) return n - binomialDraw(n, 1 - p, random);
  const variance = n * p * (1 - p);
  if (variance >= 10) return Math.min(n, Math.max(0, Math.round(n * p + Math.sqrt(variance) * random.normal())));
  const u = random.uniform();
  let x = 0;
  let pmf = Math.pow(1 - p, n);
  let cumulative = pmf;
  const odds = p / (1 - p);
  while (u > cumulative && x < n) {
    pmf *= ((n - x) / (x + 1)) * odds;
    x++;
    cumulative += pmf;
  }
  return x;
}

export function multinomialDraw(n: number, p: readonly number[], random: Randomness): number[] {
  let remaining = n;
  let mass = 1;
  return p.map((pi, i) => {
    if (i === p.length - 1) return remaining;
    const x = mass > 0 ? binomialDraw(remaining, Math.min(1, pi / mass), random) : 0;
    remaining -= x;
    mass -= pi;
    return x;
  });
}

export function simulateBinned(n: number, model: SlotModel, random: Randomness): BinnedStats {
  const slots = multinomialDraw(n, model.p, random);
  let sum = 0;
  let withinVariance = 0;
  let sumSq = 0;
  slots.forEach((count, i) => {
    sum += count * (model.mean[i] as number);
    withinVariance += count * (model.variance[i] as number);
    sumSq += count * (model.second[i] as number);
  });
  sum += Math.sqrt(withinVariance) * random.normal();
  return { counts: slots.slice(1, -1), underflow: slots[0] as number, overflow: slots[slots.length - 1] as number, missing: 0, sum, sumSq, min: null, max: null };
}

const SHA = '0'.repeat(64);

/** A window of n rows for a reference whose features are all numeric; models[i] is feature i's. */
export function simulateWindow(reference: ReferenceProfile, device: string, n: number, models: readonly SlotModel[], random: Randomness): StatsWindow {
  const features = models.map((model) => ({ kind: 'numeric' as const, ...simulateBinned(n, model, random) }));
  if (features.length !== reference.features.length) throw new Error('simulateWindow: one slot model per feature');
  const empty: BinnedStats = { counts: [0], underflow: 0, overflow: 0, missing: 0, sum: 0, sumSq: 0, min: null, max: null };
  return { msgId: `sim-${device}`, device, model: 'sim', version: '1', sha256: SHA, windowStart: '2026-01-01T00:00:00.000Z', windowEnd: '2026-01-01T01:00:00.000Z', n, errors: {}, latencyMs: empty, features, outputs: [], ood: null };
}
