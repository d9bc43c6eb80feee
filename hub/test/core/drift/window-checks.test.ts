/**
 * Issue 11 item 4: numbers no test can use. A NaN count or sum used to give verdict ok and turn
 * Holm's adjusted p-values of every other signal into NaN; OOD counts above n were accepted.
 */
import { describe, expect, it } from 'vitest';
import type { ReferenceProfile, StatsWindow } from '@edgefleet/protocol';
import { evaluateDrift, evaluateFleet, normalSampler, oodProblem, shapeMismatch, windowOf, windowRefusal } from '../../../src/core/drift';
import { HubError } from '../../../src/core/errors';
import { buildReferenceProfile } from '../../../src/core/reference-profile';
import { mulberry32 } from '../../../src/core/seeded-random';

const normal = normalSampler(mulberry32(21));
const draw = (n: number): number[] => Array.from({ length: n }, normal);
const reference: ReferenceProfile = buildReferenceProfile({
  rows: 5000,
  features: ['age', 'income'].map((name, index) => ({ name, kind: 'numeric' as const, source: { input: 'x', index }, values: draw(5000) })),
  outputs: [],
  ood: { score: 'standardized-distance', values: draw(5000).map(Math.abs) },
  bins: 10,
});
const good = (): StatsWindow => windowOf(reference, { device: 'dev-1', numeric: [draw(1000), draw(1000)], ood: draw(1000).map(Math.abs) });

function withFeature(window: StatsWindow, index: number, change: Record<string, unknown>): StatsWindow {
  return { ...window, features: window.features.map((f, i) => (i === index ? ({ ...f, ...change } as StatsWindow['features'][number]) : f)) };
}

/** The error evaluateDrift throws for a window, or null. */
function refusal(window: StatsWindow): HubError | null {
  try {
    evaluateDrift(reference, window);
    return null;
  } catch (error) {
    if (error instanceof HubError) return error;
    throw error;
  }
}

describe('evaluateDrift refuses numbers it cannot test, naming the field', () => {
  const base = good();
  const counts = (base.features[1]?.kind === 'numeric' ? base.features[1].counts : []).map((c, i) => (i === 3 ? Number.NaN : c));
  const ood = base.ood;
  if (!ood) throw new Error('window with OOD expected');
  it.each([
    { name: 'a NaN sum', window: withFeature(base, 0, { sum: Number.NaN }), field: 'features[0] (age).sum' },
    { name: 'a NaN bin count', window: withFeature(base, 1, { counts }), field: 'features[1] (income).counts[3]' },
    { name: 'a negative overflow', window: withFeature(base, 0, { overflow: -2 }), field: 'features[0] (age).overflow' },
    { name: 'more rows above p95 than rows with a score', window: { ...base, ood: { ...ood, aboveP95: 5000, aboveP99: 10 } }, field: 'ood.aboveP95' },
    { name: 'more rows above p99 than above p95', window: { ...base, ood: { ...ood, aboveP95: 40, aboveP99: 41 } }, field: 'ood.aboveP99' },
  ])('$name: E_VALIDATION naming $field', ({ window, field }) => {
    const error = refusal(window);
    expect(error?.code).toBe('E_VALIDATION');
    expect(error?.details).toEqual({ field });
    expect(error?.message).toContain(field);
  });

  it('a NaN sum on one device of a fleet is refused too, not read as ok', () => {
    const windows = [good(), withFeature(good(), 0, { sum: Number.NaN }), good()];
    expect(() => evaluateFleet(reference, windows)).toThrow(/features\[0\] \(age\)\.sum is NaN/);
  });

  it('consistent windows still evaluate, with finite adjusted p-values', () => {
    const report = evaluateDrift(reference, good());
    expect(report.verdict).toBe('ok');
    for (const signal of [...report.features, ...(report.ood ? [report.ood] : [])]) expect(Number.isFinite(signal.adjustedPValue)).toBe(true);
  });

  it('oodProblem accepts nested counts up to the rows with a score', () => {
    expect(oodProblem({ ...ood, aboveP95: 1000, aboveP99: 1000 })).toBeNull();
    expect(oodProblem({ ...ood, aboveP95: 1001, aboveP99: 0 })?.field).toBe('ood.aboveP95');
  });
});

describe('windowRefusal: the shape against the reference first, then the numbers', () => {
  it('accepts a window that fits and is testable', () => {
    expect(shapeMismatch(reference, good())).toBeNull();
    expect(windowRefusal(reference, good())).toBeNull();
  });

  it('names the feature counted on other bins', () => {
    const base = good();
    const counts = base.features[1]?.kind === 'numeric' ? [...base.features[1].counts, 0] : [];
    const window = withFeature(base, 1, { counts });
    expect(shapeMismatch(reference, window)).toBe(`feature income: ${counts.length} bins, the reference has ${counts.length - 1}`);
    expect(windowRefusal(reference, window)).toBe(shapeMismatch(reference, window));
  });

  it('refuses a missing feature before looking at any number', () => {
    const base = good();
    const window = { ...withFeature(base, 0, { sum: Number.NaN }), features: base.features.slice(0, 1) };
    expect(windowRefusal(reference, window)).toBe('1 features, the reference has 2');
  });

  it('a window that fits but has numbers no test can use is refused with the number problem', () => {
    expect(windowRefusal(reference, withFeature(good(), 0, { sum: Number.NaN }))).toBe('features[0] (age).sum is NaN, not a finite number');
  });
});
