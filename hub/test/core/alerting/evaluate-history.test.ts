import { describe, expect, it } from 'vitest';
import type { ReferenceProfile, StatsWindow } from '@edgefleet/protocol';
import { normalSampler, simulateWindow, slotModel, type Randomness } from '../../../src/core/drift';
import { evaluateHistory, type HourWindows } from '../../../src/core/drift/evaluate-history';
import { buildReferenceProfile } from '../../../src/core/reference-profile';
import { mulberry32 } from '../../../src/core/seeded-random';

const randomness = (seed: number): Randomness => {
  const uniform = mulberry32(seed);
  return { uniform, normal: normalSampler(uniform) };
};

function referenceOf(features: number, seed: number): ReferenceProfile {
  const { normal } = randomness(seed);
  return buildReferenceProfile({
    rows: 10_000,
    features: Array.from({ length: features }, (_, index) => ({ name: `f${index}`, kind: 'numeric' as const, source: { input: 'x', index }, values: Array.from({ length: 10_000 }, normal) })),
    outputs: [],
    bins: 10,
  });
}

const HOUR0 = Date.parse('2026-11-20T00:00:00.000Z');
const hourIso = (h: number): string => new Date(HOUR0 + h * 3_600_000).toISOString();

/** `devices` windows per hour; the first `shifted` devices have feature f1 shifted by `shift` sd from hour `from` on. */
function history(reference: ReferenceProfile, hours: number, devices: number, shifted: number, shift: number, from: number, seed: number): HourWindows[] {
  const random = randomness(seed);
  const plain = reference.features.map((f) => slotModel(f.kind === 'numeric' ? f.bins.edges : [0, 1], 0));
  const moved = reference.features.map((f, i) => slotModel(f.kind === 'numeric' ? f.bins.edges : [0, 1], i === 1 ? shift : 0));
  return Array.from({ length: hours }, (_, h) => ({
    hour: hourIso(h),
    windows: Array.from({ length: devices }, (_, d): StatsWindow => simulateWindow(reference, `dev-${d}`, 1000, h >= from && d < shifted ? moved : plain, random)),
  }));
}

describe('evaluateHistory', () => {
  const reference = referenceOf(4, 1);

  it('finds nothing on a day without drift', () => {
    const report = evaluateHistory(reference, history(reference, 24, 50, 0, 0, 0, 2));
    expect(report.severity).toBeNull();
    expect(report.signals).toEqual([]);
    expect(report.latestHour).toBe(hourIso(23));
    expect(report.hours.map((h) => h.hour)).toEqual([hourIso(21), hourIso(22), hourIso(23)]);
    expect(report.hours.every((h) => h.devices === 50 && h.n === 50_000)).toBe(true);
  });

  it('raises drift on the shifted feature only, after it persisted, naming the flagged devices', () => {
    const days = history(reference, 12, 50, 5, 1, 10, 3);
    // One drifting hour is not yet persistent (2 of 3 hours needed) ...
    const first = evaluateHistory(reference, days.slice(0, 11));
    expect(first.signals.filter((s) => s.reasons.some((r) => r.startsWith('drift in')))).toEqual([]);
    // ... two are.
    const report = evaluateHistory(reference, days);
    expect(report.severity).toBe('drift');
    expect(report.signals.map((s) => s.name)).toEqual(['f1']);
    const [signal] = report.signals;
    expect(signal?.reasons.join('; ')).toContain('drift in 2 of the last 3 hours');
    expect(signal?.devices).toEqual(['dev-0', 'dev-1', 'dev-2', 'dev-3', 'dev-4']);
    expect(report.hours.at(-1)?.drifting).toEqual(['f1']);
  });

  it('counts hours without data as quiet: k of the last m hours, not of the last m reports', () => {
    const days = history(reference, 3, 20, 20, 1.5, 0, 4);
    // Drift at hours 0 and 2 with nothing at hour 1 is still 2 of 3; drift at 0 and 5 is not.
    expect(evaluateHistory(reference, [days[0] as HourWindows, days[2] as HourWindows]).severity).toBe('drift');
    const late = { ...(days[2] as HourWindows), hour: hourIso(5) };
    const sparse = evaluateHistory(reference, [days[0] as HourWindows, late], { pageHinkley: { delta: 0.1, lambda: 1e9, burnIn: 1 } });
    expect(sparse.signals.filter((s) => s.reasons.some((r) => r.startsWith('drift in')))).toEqual([]);
  });

  it('says insufficient-data without windows', () => {
    expect(evaluateHistory(reference, [])).toEqual({ latestHour: null, verdict: 'insufficient-data', severity: null, signals: [], hours: [] });
  });
});

describe('evaluateHistory with recentFrom (the scheduled job)', () => {
  const reference = referenceOf(3, 5);
  it('lets drift that stopped arriving age out: no recent hour, no finding', () => {
    const days = history(reference, 3, 20, 20, 1.5, 0, 6);
    expect(evaluateHistory(reference, days, { recentFrom: hourIso(0) }).severity).toBe('drift');
    expect(evaluateHistory(reference, days, { recentFrom: hourIso(5) })).toMatchObject({ latestHour: hourIso(2), verdict: 'insufficient-data', severity: null, hours: [] });
  });
});
