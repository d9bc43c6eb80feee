import { describe, expect, it } from 'vitest';
import { mergeStatsWindows, statsWindowSchema, statsWindowsMergeable, sumStatsWindows, type BinnedStats, type ShadowStats, type StatsWindow } from '@edgefleet/protocol';

const binned = (counts: number[], sum: number, min: number | null, max: number | null): BinnedStats => ({ counts, underflow: 1, overflow: 0, missing: 2, sum, sumSq: sum * sum, min, max });

const window = (over: Partial<StatsWindow> = {}): StatsWindow => ({
  msgId: 'win-0001',
  device: 'dev-1',
  model: 'm',
  version: '1',
  sha256: 'a'.repeat(64),
  windowStart: '2026-11-25T10:00:00.000Z',
  windowEnd: '2026-11-25T10:01:00.000Z',
  n: 10,
  errors: { E_SCHEMA: 1 },
  latencyMs: binned([5, 5], 3, 0.1, 0.9),
  features: [
    { kind: 'numeric', ...binned([4, 6], 10, -1, 2) },
    { kind: 'categorical', counts: [7, 3], unseen: 1, missing: 0 },
  ],
  outputs: [{ kind: 'class', counts: [8, 2], confidence: binned([1, 9], 8, 0.5, 1) }],
  ood: { score: binned([9, 1], 2, 0, 3), aboveP95: 1, aboveP99: 0 },
  ...over,
});

describe('mergeStatsWindows', () => {
  it('adds every count and keeps the extremes', () => {
    const later = window({ msgId: 'win-0002', windowStart: '2026-11-25T10:01:00.000Z', windowEnd: '2026-11-25T10:02:00.000Z', errors: { E_SCHEMA: 2, E_INFERENCE: 1 }, features: [{ kind: 'numeric', ...binned([1, 1], 5, -3, 1) }, { kind: 'categorical', counts: [1, 1], unseen: 0, missing: 4 }] });
    const merged = mergeStatsWindows(window(), later);
    expect(statsWindowSchema.parse(merged)).toEqual(merged);
    expect(merged).toMatchObject({ n: 20, errors: { E_SCHEMA: 3, E_INFERENCE: 1 }, windowStart: '2026-11-25T10:00:00.000Z', windowEnd: '2026-11-25T10:02:00.000Z' });
    expect(merged.features[0]).toMatchObject({ counts: [5, 7], underflow: 2, missing: 4, sum: 15, min: -3, max: 2 });
    expect(merged.features[1]).toMatchObject({ counts: [8, 4], unseen: 1, missing: 4 });
    expect(merged.outputs[0]).toMatchObject({ counts: [16, 4] });
    expect(merged.ood).toMatchObject({ aboveP95: 2, aboveP99: 0 });
  });

  it('is associative and commutative on counts', () => {
    const [a, b, c] = [window(), window({ n: 3 }), window({ n: 5 })];
    const left = mergeStatsWindows(mergeStatsWindows(a, b), c);
    const right = mergeStatsWindows(a, mergeStatsWindows(c, b));
    expect(left.n).toBe(right.n);
    expect(left.features).toEqual(right.features);
  });

  it('refuses windows of different versions or bin layouts', () => {
    expect(() => mergeStatsWindows(window(), window({ sha256: 'b'.repeat(64) }))).toThrow(/cannot merge/);
    expect(() => mergeStatsWindows(window(), window({ latencyMs: binned([1, 2, 3], 0, null, null) }))).toThrow(/bins/);
  });
});

const shadow = (over: Partial<ShadowStats> = {}): ShadowStats => ({
  model: 'm',
  version: '2',
  sha256: 'c'.repeat(64),
  n: 10,
  agree: 9,
  errors: { E_INFERENCE: 1 },
  latencyMs: binned([4, 6], 2.5, 0.2, 0.9),
  dropped: 1,
  ...over,
});

describe('shadow sections', () => {
  it('are part of the schema, optional, and agree never exceeds n', () => {
    expect(statsWindowSchema.parse(window({ shadow: shadow() })).shadow).toEqual(shadow());
    expect(statsWindowSchema.parse(window()).shadow).toBeUndefined();
    expect(statsWindowSchema.safeParse(window({ shadow: shadow({ agree: 11 }) })).error?.issues[0]?.path).toEqual(['shadow', 'agree']);
    expect(statsWindowSchema.safeParse(window({ shadow: { ...shadow(), extra: 1 } as ShadowStats })).success).toBe(false);
  });

  it('of the same candidate merge by addition', () => {
    const merged = mergeStatsWindows(window({ shadow: shadow() }), window({ shadow: shadow({ n: 5, agree: 2, errors: { E_SCHEMA: 2 }, latencyMs: binned([1, 0], 0.3, 0.1, 0.3), dropped: 0 }) }));
    expect(merged.shadow).toEqual({ ...shadow(), n: 15, agree: 11, errors: { E_INFERENCE: 1, E_SCHEMA: 2 }, latencyMs: { counts: [5, 6], underflow: 2, overflow: 0, missing: 4, sum: 2.8, sumSq: 6.25 + 0.09, min: 0.1, max: 0.9 }, dropped: 1 });
    expect(statsWindowSchema.parse(merged)).toEqual(merged);
  });

  it('a window without one made no comparisons: it adds nothing either way', () => {
    expect(mergeStatsWindows(window(), window({ shadow: shadow() })).shadow).toEqual(shadow());
    expect(mergeStatsWindows(window({ shadow: shadow() }), window()).shadow).toEqual(shadow());
    expect('shadow' in mergeStatsWindows(window(), window())).toBe(false);
  });

  it('of different candidates are refused, never blended or dropped', () => {
    for (const other of [shadow({ version: '3' }), shadow({ sha256: 'd'.repeat(64) }), shadow({ model: 'n' })]) {
      const [a, b] = [window({ shadow: shadow() }), window({ shadow: other })];
      expect(statsWindowsMergeable(a, b)).toBe(false);
      expect(() => mergeStatsWindows(a, b)).toThrow(/cannot merge shadow statistics/);
      expect(() => sumStatsWindows([a, window(), b])).toThrow(/cannot merge shadow statistics/);
    }
    expect(statsWindowsMergeable(window({ shadow: shadow() }), window({ shadow: shadow({ n: 1, agree: 0 }) }))).toBe(true);
    expect(statsWindowsMergeable(window(), window({ shadow: shadow() }))).toBe(true);
    expect(statsWindowsMergeable(window(), window({ sha256: 'b'.repeat(64) }))).toBe(false);
  });
});

describe('sumStatsWindows', () => {
  // Floats that do not add associatively, so a different order of additions would show.
  const varied = (i: number): StatsWindow =>
    window({
      msgId: `win-${String(i).padStart(4, '0')}`,
      windowStart: `2026-11-25T10:${String(59 - i).padStart(2, '0')}:00.000Z`,
      n: i + 1,
      errors: i % 3 === 0 ? { E_SCHEMA: i } : { [`E_${i % 2}`]: 1 },
      features: [
        { kind: 'numeric', ...binned([i, 2 * i], 0.1 * i + 1 / 3, i === 4 ? null : -i / 7, i === 2 ? null : i * 1.1) },
        { kind: 'categorical', counts: [i, 1], unseen: i % 2, missing: 1 },
      ],
      outputs: [{ kind: 'class', counts: [i, 3], confidence: binned([1, i], 0.7 * i, 0.5, 0.1 * i) }],
      ood: i % 4 === 1 ? null : { score: binned([i, 1], Math.PI * i, 0, i), aboveP95: i, aboveP99: 1 },
      ...(i % 5 === 0 ? { merged: i } : {}),
      ...(i === 7 ? { lost: 2 } : {}),
      // some windows ran no shadow: the rest count the same candidate
      ...(i % 3 === 1 ? {} : { shadow: shadow({ n: i, agree: i - 1, errors: i % 2 ? { E_INFERENCE: i } : {}, latencyMs: binned([i, 1], 0.1 * i + 1 / 7, 0.01 * i, 0.3 * i), dropped: i % 4 }) }),
    });

  it('equals reducing with mergeStatsWindows, float for float', () => {
    for (const count of [1, 2, 3, 12]) {
      const windows = Array.from({ length: count }, (_, i) => varied(i + 1));
      expect(sumStatsWindows(windows)).toStrictEqual(windows.reduce(mergeStatsWindows));
    }
  });

  it('leaves its inputs alone', () => {
    const windows = [varied(1), varied(2), varied(3)];
    const before = JSON.stringify(windows);
    sumStatsWindows(windows);
    expect(JSON.stringify(windows)).toBe(before);
  });

  it('refuses what mergeStatsWindows refuses', () => {
    expect(() => sumStatsWindows([])).toThrow(/at least one/);
    expect(() => sumStatsWindows([window(), window(), window({ sha256: 'b'.repeat(64) })])).toThrow(/cannot merge/);
    expect(() => sumStatsWindows([window(), window({ latencyMs: binned([1, 2, 3], 0, null, null) })])).toThrow(/bins/);
    expect(() => sumStatsWindows([window(), window({ features: [] })])).toThrow(/cannot merge/);
  });
});
