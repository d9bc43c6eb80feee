import { describe, expect, it } from 'vitest';
import type { ReferenceProfile, StatsWindow } from '@edgefleet/protocol';
import {
  benjaminiHochberg,
  driftOptions,
  evaluateDrift,
  evaluateFleet,
  multinomialDraw,
  normalSampler,
  prepareReference,
  screenWindow,
  simulateWindow,
  slotModel,
  type DriftOptions,
  type Randomness,
} from '../../../src/core/drift';
import { buildReferenceProfile } from '../../../src/core/reference-profile';
import { mulberry32 } from '../../../src/core/seeded-random';

const randomness = (seed: number): Randomness => {
  const uniform = mulberry32(seed);
  return { uniform, normal: normalSampler(uniform) };
};
const random = randomness(3);
const numericReference = (features: number, bins: number, rows: number): ReferenceProfile =>
  buildReferenceProfile({
    rows,
    features: Array.from({ length: features }, (_, index) => ({ name: `f${index}`, kind: 'numeric' as const, source: { input: 'x', index }, values: Array.from({ length: rows }, random.normal) })),
    outputs: [],
    bins,
  });
const reference = numericReference(6, 12, 10_000);
const edges = (profile: ReferenceProfile, i: number): number[] => {
  const f = profile.features[i];
  return f?.kind === 'numeric' ? f.bins.edges : [];
};

/** The reference plus one categorical feature (with reference unseen and missing values), and windows for it. */
const CATEGORY_WEIGHTS = [0.5, 0.3, 0.15, 0.04, 0.01];
const mixed: ReferenceProfile = {
  ...reference,
  features: [...reference.features, { name: 'city', kind: 'categorical', source: { input: 'c', index: 0 }, categories: ['a', 'b', 'c'], counts: [5000, 3000, 1500], unseen: 400, missing: 100 }],
};
function mixedWindow(n: number, shifts: readonly number[], categoryShift: number, r: Randomness): StatsWindow {
  const window = simulateWindow(reference, 'dev', n, shifts.map((s, i) => slotModel(edges(reference, i), s)), r);
  const weights = CATEGORY_WEIGHTS.map((w, i) => (i === 0 ? w - categoryShift : i === 3 ? w + categoryShift : w));
  const slots = multinomialDraw(n, weights, r);
  return { ...window, features: [...window.features, { kind: 'categorical', counts: slots.slice(0, 3), unseen: slots[3] as number, missing: slots[4] as number }] };
}

function expectScreenMatches(profile: ReferenceProfile, window: StatsWindow, options: DriftOptions): void {
  const full = evaluateDrift(profile, window, options);
  const screen = screenWindow(prepareReference(profile), window, options);
  expect(screen.verdicts).toEqual(full.features.map((f) => f.verdict));
  screen.adjusted.forEach((p, i) => {
    const f = full.features[i];
    if (!f || f.verdict === 'insufficient-data') return expect(p).toBe(1);
    // Exact below alpha (the very same float); above it a lower bound that is itself at least alpha.
    if (f.adjustedPValue < options.alpha) expect(p).toBe(f.adjustedPValue);
    else {
      expect(p).toBeGreaterThanOrEqual(options.alpha);
      expect(p).toBeLessThanOrEqual(f.adjustedPValue);
    }
  });
}

describe('simulated windows', () => {
  it('count n rows and carry the shifted mean', () => {
    const shifts = [0, 0.5, -1, 0, 0, 2];
    const window = simulateWindow(reference, 'dev-1', 20_000, shifts.map((s, i) => slotModel(edges(reference, i), s)), random);
    window.features.forEach((f, i) => {
      if (f.kind !== 'numeric') throw new Error('numeric expected');
      expect(f.counts.reduce((a, b) => a + b, 0) + f.underflow + f.overflow).toBe(20_000);
      expect(f.sum / 20_000).toBeCloseTo(shifts[i] as number, 1);
      expect(f.sumSq / 20_000 - (f.sum / 20_000) ** 2).toBeCloseTo(1, 1);
    });
  });
});

describe('screenWindow agrees with evaluateDrift on input features', () => {
  const options = driftOptions();
  it.each([
    { shifts: [0, 0, 0, 0, 0, 0], categoryShift: 0, n: 1000 },
    { shifts: [0.5, 0, 0.25, 0, 1, 0], categoryShift: 0.05, n: 1000 },
    { shifts: [0.3, 0.2, 0.1, 0, 0, 0], categoryShift: 0.02, n: 3000 },
    { shifts: [0.15, 0.1, 0.05, 0.12, 0.08, 0.2], categoryShift: 0.03, n: 2000 },
    { shifts: [2, 0, 0, 0, 0, 0], categoryShift: 0.3, n: 60 },
    { shifts: [0, 0.4, 0, 0, 0, 0], categoryShift: 0, n: 150 },
  ])('shifts $shifts, category shift $categoryShift, n $n: 40 seeded windows', ({ shifts, categoryShift, n }) => {
    for (let trial = 0; trial < 40; trial++) expectScreenMatches(mixed, mixedWindow(n, shifts, categoryShift, random), options);
  });

  it('on 300 windows with random shifts, sizes and bins', () => {
    const r = randomness(41);
    const profiles = [numericReference(8, 5, 3000), numericReference(8, 20, 3000), numericReference(8, 10, 200)];
    for (let trial = 0; trial < 300; trial++) {
      const profile = profiles[trial % profiles.length] as ReferenceProfile;
      const shifts = profile.features.map(() => (r.uniform() < 0.3 ? (r.uniform() - 0.5) * 0.8 : 0));
      const n = Math.round(50 + r.uniform() * 4000);
      expectScreenMatches(profile, simulateWindow(profile, 'dev', n, shifts.map((s, i) => slotModel(edges(profile, i), s)), r), options);
    }
  });

  it('agrees when an effect lies exactly on a threshold, or a p-value on alpha (evaluateDrift decides those)', () => {
    const window = mixedWindow(2000, [0.3, 0.25, 0, 0, 0, 0], 0.08, randomness(5));
    const full = evaluateDrift(mixed, window, options);
    const [first, second] = full.features;
    const city = full.features[6];
    if (!first || !second || !city) throw new Error('features expected');
    const on = (value: number | undefined, other: number) => ({ warning: Math.min(value as number, other), drift: Math.max(value as number, other) });
    for (const overrides of [
      { psi: on(first.statistics.psi, 1) },
      { psi: on(second.statistics.psi, 1e-6) },
      { jensenShannon: on(first.statistics.jensenShannon, 1) },
      { jensenShannon: on(city.statistics.jensenShannon, 1e-6) },
      { lInfinity: on(city.statistics.lInfinity, 1) },
      { alpha: first.adjustedPValue },
      { alpha: Math.min(0.5, second.adjustedPValue * 2) },
    ]) {
      expectScreenMatches(mixed, window, driftOptions(overrides));
    }
  });
});

describe('evaluateFleet flags the devices that full reports, Holm and BH would', () => {
  /** The rule of evaluateFleet written out with a full evaluateDrift per device. */
  function flaggedByFullReports(profile: ReferenceProfile, windows: StatsWindow[], fdr: number, options: DriftOptions): string[][] {
    const reports = windows.map((w) => evaluateDrift(profile, w, options));
    return profile.features.map((_, f) => {
      const candidates = reports.map((r, d) => ({ d, signal: r.features[f] })).filter((c) => c.signal && c.signal.verdict !== 'insufficient-data');
      const adjusted = benjaminiHochberg(candidates.map((c) => c.signal?.adjustedPValue ?? 1));
      return candidates.filter((c, i) => (adjusted[i] as number) < fdr && (c.signal?.verdict === 'warning' || c.signal?.verdict === 'drift')).map((c) => (windows[c.d] as StatsWindow).device);
    });
  }

  it.each([
    { fdr: 0.01, alpha: 0.01 },
    { fdr: 0.05, alpha: 0.01 },
    { fdr: 0.005, alpha: 0.02 },
  ])('fdr $fdr, alpha $alpha, on seeded fleets of 60 devices, a third of them shifted, many only just significant', ({ fdr, alpha }) => {
    const r = randomness(97);
    const options = driftOptions({ alpha });
    for (let fleet = 0; fleet < 6; fleet++) {
      const windows = Array.from({ length: 60 }, (_, d) => {
        const shifted = d % 3 === fleet % 3;
        const shift = () => (shifted && r.uniform() < 0.7 ? 0.15 + 0.35 * r.uniform() : 0);
        const w = mixedWindow(Math.round(150 + 1000 * r.uniform()), [shift(), 0, shift(), 0, shift(), 0], shifted ? 0.06 * r.uniform() : 0, r);
        return { ...w, device: `dev-${String(d).padStart(2, '0')}` };
      });
      const report = evaluateFleet(mixed, windows, { fdr, drift: { alpha } });
      expect(report.signals.slice(0, mixed.features.length).map((s) => s.devices)).toEqual(flaggedByFullReports(mixed, windows, fdr, options));
      expect(report.signals.some((s) => s.devices.length > 0)).toBe(true);
    }
  });
});
