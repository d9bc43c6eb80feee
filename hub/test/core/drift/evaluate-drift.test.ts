import { describe, expect, it } from 'vitest';
import { statsWindowSchema, type ReferenceProfile, type StatsWindow } from '@edgefleet/protocol';
import { evaluateDrift, evaluateFleet, evaluateSeries, normalSampler, windowOf } from '../../../src/core/drift';
import { buildReferenceProfile } from '../../../src/core/reference-profile';
import { mulberry32 } from '../../../src/core/seeded-random';

const FEATURES = ['age', 'income', 'score'];
const normal = normalSampler(mulberry32(7));
const draw = (n: number, shift = 0): number[] => Array.from({ length: n }, () => normal() + shift);
const uniform = mulberry32(11);
const classes = (n: number, weights: number[]): number[] =>
  Array.from({ length: n }, () => {
    let u = uniform();
    for (let c = 0; c < weights.length; c++) if ((u -= weights[c] as number) < 0) return c;
    return weights.length - 1;
  });

const reference: ReferenceProfile = buildReferenceProfile({
  rows: 20_000,
  features: FEATURES.map((name, index) => ({ name, kind: 'numeric' as const, source: { input: 'x', index }, values: draw(20_000) })),
  outputs: [{ name: 'label', kind: 'class', classes: ['a', 'b', 'c'], predicted: classes(20_000, [0.5, 0.3, 0.2]) }],
  ood: { score: 'standardized-distance', values: draw(20_000).map(Math.abs) },
  bins: 10,
});

interface Given {
  n: number;
  shifts?: Record<string, number>;
  classWeights?: number[];
  oodScale?: number;
  device?: string;
  start?: string;
}

const windowWith = ({ n, shifts = {}, classWeights = [0.5, 0.3, 0.2], oodScale = 1, device = 'dev-0001', start }: Given): StatsWindow =>
  windowOf(reference, {
    device,
    numeric: FEATURES.map((name) => draw(n, shifts[name] ?? 0)),
    predicted: classes(n, classWeights),
    ood: draw(n).map((v) => Math.abs(v) * oodScale),
    ...(start ? { windowStart: start } : {}),
  });

describe('evaluateDrift (given a reference of 20,000 standard normal rows on 10 equal-mass bins)', () => {
  it('builds windows that satisfy the protocol schema', () => {
    expect(statsWindowSchema.safeParse(windowWith({ n: 100 })).success).toBe(true);
  });

  it('when income shifts by 0.75 sd, then income is drift by name and the rest ok', () => {
    const report = evaluateDrift(reference, windowWith({ n: 5000, shifts: { income: 0.75 } }));
    expect(report.verdict).toBe('drift');
    expect(report.drifting).toEqual(['income']);
    const byName = Object.fromEntries(report.features.map((f) => [f.name, f]));
    expect(byName.income?.verdict).toBe('drift');
    expect(byName.income?.statistics.meanShift).toBeCloseTo(0.75, 1);
    expect(byName.income?.evidence).toMatch(/^drift: .*meanShift/);
    expect(byName.age?.verdict).toBe('ok');
    expect(byName.score?.verdict).toBe('ok');
    expect(report.outputs[0]?.verdict).toBe('ok');
    expect(report.ood?.verdict).toBe('ok');
  });

  it('when nothing shifts, then every signal is ok with small statistics', () => {
    const report = evaluateDrift(reference, windowWith({ n: 5000 }));
    expect(report.verdict).toBe('ok');
    for (const f of report.features) {
      expect(f.statistics.psi).toBeLessThan(0.02);
      expect(f.statistics.ks).toBeLessThan(0.03);
      // binned Wasserstein overstates on the wide outer bins (mass at their centres)
      expect(f.statistics.wasserstein).toBeLessThan(0.1);
      expect(f.statistics.hellinger).toBeLessThan(0.05);
    }
  });

  it.each([
    { name: 'too few rows', given: { n: 50 }, reason: /n = 50 < minimum 100/ },
    { name: 'too few expected per bin', given: { n: 120 }, options: { minExpectedPerBin: 20 }, reason: /smallest expected bin count/ },
  ])('when $name, then insufficient-data rather than a guess', ({ given, options, reason }) => {
    const report = evaluateDrift(reference, windowWith({ ...given, shifts: { income: 2 } }), options);
    expect(report.features.every((f) => f.verdict === 'insufficient-data')).toBe(true);
    expect(report.features[0]?.evidence).toMatch(reason);
  });

  it('when the predicted classes and the OOD score move, then the class output and OOD drift', () => {
    const report = evaluateDrift(reference, windowWith({ n: 5000, classWeights: [0.2, 0.3, 0.5], oodScale: 1.5 }));
    expect(report.outputs[0]).toMatchObject({ name: 'label', kind: 'class', verdict: 'drift' });
    expect(report.ood?.verdict).toBe('drift');
    expect(report.ood?.statistics.rateRatioP95).toBeGreaterThan(2);
    expect(report.drifting).toEqual(['label', 'ood']);
  });

  it('a significant but tiny effect stays ok (effect size AND significance)', () => {
    const report = evaluateDrift(reference, windowWith({ n: 200_000, shifts: { age: 0.05 } }));
    const age = report.features[0];
    expect(age?.adjustedPValue).toBeLessThan(0.01);
    expect(age?.verdict).toBe('ok');
    expect(age?.evidence).toMatch(/^ok: /);
  });

  it('a categorical feature with unseen categories drifts on JS / L-infinity', () => {
    const categorical: ReferenceProfile = {
      rows: 1000,
      features: [{ name: 'country', kind: 'categorical', source: { input: 'x', index: 0 }, categories: ['de', 'fr', 'it'], counts: [500, 300, 200], unseen: 0, missing: 0 }],
      outputs: [],
      ood: null,
    };
    const window = { ...windowWith({ n: 1 }), features: [{ kind: 'categorical' as const, counts: [400, 300, 100], unseen: 200, missing: 0 }], outputs: [], ood: null };
    const report = evaluateDrift(categorical, window);
    expect(report.features[0]).toMatchObject({ verdict: 'drift', kind: 'categorical' });
    expect(report.features[0]?.statistics.lInfinity).toBeCloseTo(0.2, 12);
  });
});

describe('evaluateFleet and evaluateSeries', () => {
  it('given 50 devices, when 5 shift income by 0.5 sd, then the fleet drifts on income and names those devices', () => {
    const windows = Array.from({ length: 50 }, (_, i) => windowWith({ n: 1000, device: `dev-${String(i).padStart(4, '0')}`, shifts: i < 5 ? { income: 0.5 } : {} }));
    const report = evaluateFleet(reference, windows);
    expect(report.verdict).toBe('drift');
    expect(report.drifting).toEqual(['income']);
    expect(report.merged.features[1]?.verdict).not.toBe('drift'); // diluted tenfold in the merge
    expect(report.signals[1]?.devices).toEqual(['dev-0000', 'dev-0001', 'dev-0002', 'dev-0003', 'dev-0004']);
  });

  it('given 50 devices, when nothing shifts, then the fleet is ok and no device is flagged', () => {
    const windows = Array.from({ length: 50 }, (_, i) => windowWith({ n: 1000, device: `dev-${String(i).padStart(4, '0')}` }));
    const report = evaluateFleet(reference, windows);
    expect(report.verdict).toBe('ok');
    expect(report.devices).toEqual([]);
    expect(report.signals.every((s) => s.devices.length === 0)).toBe(true);
  });

  it.each([
    { shift: 0.75, pageHinkleyAt: 4, persistentAt: 5 },
    { shift: 0.35, pageHinkleyAt: 5, persistentAt: -1 },
  ])('given 8 windows, when income shifts by $shift sd from window 4, then Page-Hinkley alarms at $pageHinkleyAt, persistence at $persistentAt, nothing before', ({ shift, pageHinkleyAt, persistentAt }) => {
    const windows = Array.from({ length: 8 }, (_, i) => windowWith({ n: 2000, shifts: i >= 4 ? { income: shift } : {} }));
    const series = evaluateSeries(reference, windows);
    expect(series.firstAlarm).toBe(pageHinkleyAt);
    expect(series.alarms.slice(0, 4).flat()).toEqual([]);
    expect(series.alarms[pageHinkleyAt]).toEqual(['income']);
    const income = series.signals.find((s) => s.name === 'income');
    expect(income?.pageHinkley.indexOf(true)).toBe(pageHinkleyAt);
    expect(income?.persistent.indexOf(true)).toBe(persistentAt);
  });
});
