import { describe, expect, it } from 'vitest';
import { richWindow } from './fixtures';
import { FLOAT_DIGITS, ProtocolError, decodeStatsWindow, encodeStatsWindow, packStatsWindow, statsWindowSchema, utf8Decode, utf8Encode, type BinnedStats, type StatsWindow } from '@edgefleet/protocol';

const window = richWindow;

const floats = (s: BinnedStats): (number | null)[] => [s.sum, s.sumSq, s.min, s.max];

/** Every float of a window, in a fixed order, and everything else as is. */
function split(w: StatsWindow): { floats: (number | null)[]; rest: unknown } {
  const all: BinnedStats[] = [w.latencyMs];
  for (const f of w.features) if (f.kind === 'numeric') all.push(f);
  for (const o of w.outputs) all.push(o.kind === 'numeric' ? o : o.confidence);
  if (w.ood) all.push(w.ood.score);
  if (w.shadow) all.push(w.shadow.latencyMs);
  const blank = (value: unknown): unknown => JSON.parse(JSON.stringify(value, (key, v: unknown) => (['sum', 'sumSq', 'min', 'max'].includes(key) ? 0 : v)));
  return { floats: all.flatMap(floats), rest: blank(w) };
}

const rewrite = (edit: (packed: Record<string, unknown>) => void): Uint8Array => {
  const packed = JSON.parse(utf8Decode(encodeStatsWindow(window))) as Record<string, unknown>;
  edit(packed);
  return utf8Encode(JSON.stringify(packed));
};

const refusal = (bytes: Uint8Array): ProtocolError => {
  try {
    decodeStatsWindow(bytes, 'stats');
  } catch (error) {
    if (error instanceof ProtocolError) return error;
    throw error;
  }
  throw new Error('decoded');
};

describe('the wire encoding of a statistics window', () => {
  it('round-trips counts and names exactly and floats to 12 significant digits', () => {
    const decoded = decodeStatsWindow(encodeStatsWindow(window), 'stats');
    expect(statsWindowSchema.parse(decoded)).toEqual(decoded);
    const before = split(window);
    const after = split(decoded);
    expect(after.rest).toEqual(before.rest);
    after.floats.forEach((x, i) => {
      const y = before.floats[i] as number | null;
      if (x === null || y === null) expect(x).toBe(y);
      else expect(Math.abs(x - y)).toBeLessThanOrEqual(0.5 * 10 ** (1 - FLOAT_DIGITS) * Math.abs(y));
    });
    // float32 observations (the usual inputs) come back as the same float32
    expect(Math.fround(-0.10000000149011612)).toBe(-0.10000000149011612);
    const min = decoded.features[0]?.kind === 'numeric' ? decoded.features[0].min : null;
    expect(Math.fround(min ?? NaN)).toBe(-0.10000000149011612);
  });

  it('packs histograms as tuples tagged by kind, behind a version marker', () => {
    const packed = JSON.parse(utf8Decode(encodeStatsWindow(window))) as Record<string, unknown>;
    expect(packed).toMatchObject({ v: 1, msgId: 'win-0001', n: 10, merged: 2, lost: 1 });
    expect(packed.features).toEqual([
      ['n', [4, 6], 1, 3, 2, -10, 100.123456789, -0.10000000149, 2.5],
      ['c', [7, 3], 1, 0],
      ['n', [0, 0], 1, 3, 2, 0, 0.123456789012, null, null],
    ]);
    expect((packed.outputs as unknown[])[0]).toEqual(['c', [8, 2], [[1, 9], 1, 3, 2, 8.12345678901, 66.114006992, 0.5, 1]]);
    expect(packed.ood).toEqual([[[9, 1], 1, 3, 2, 2, 4.12345678901, 0, 3], 1, 0]);
    expect(packStatsWindow({ ...window, ood: null }).ood).toBeNull();
    // the shadow section stays keyed (one per window); only its histogram is a tuple
    expect(packed.shadow).toEqual({ ...window.shadow, latencyMs: [[6, 3], 1, 3, 2, 1.23456789012, 1.64761466434, 0.1, 0.3] });
    const { shadow: _shadow, ...without } = window;
    expect('shadow' in packStatsWindow(without)).toBe(false);
    expect(decodeStatsWindow(encodeStatsWindow(without), 'stats')).not.toHaveProperty('shadow');
  });

  it('is far smaller than the plain JSON of the window', () => {
    expect(encodeStatsWindow(window).length).toBeLessThan(0.7 * utf8Encode(JSON.stringify(window)).length);
  });

  it('decodes the plain object form too', () => {
    expect(decodeStatsWindow(utf8Encode(JSON.stringify(window)), 'stats')).toEqual(window);
  });

  it.each([
    { name: 'a float that is not a number', edit: (p: Record<string, unknown>) => ((p.features as unknown[][])[0]![5] = 'x'), field: /stats: features\.0\.sum: /, code: 'E_SCHEMA' },
    { name: 'a negative count', edit: (p: Record<string, unknown>) => ((p.features as unknown[][])[1]![1] = [7, -3]), field: /stats: features\.1\.counts\.1: /, code: 'E_SCHEMA' },
    { name: 'a short tuple', edit: (p: Record<string, unknown>) => ((p.features as unknown[][])[0]!.length = 5), field: /stats: features\.0: .*>=9/, code: 'E_SCHEMA' },
    { name: 'an unknown kind', edit: (p: Record<string, unknown>) => ((p.features as unknown[][])[2]![0] = 'q'), field: /stats: features\.2\.kind: expected an array tagged "n" or "c"/, code: 'E_SCHEMA' },
    { name: 'a bad confidence histogram', edit: (p: Record<string, unknown>) => ((p.outputs as unknown[][])[0]![2] = [[1, 9], 1, 3, 2, 8, -1, 0.5, 1]), field: /stats: outputs\.0\.confidence\.sumSq: /, code: 'E_SCHEMA' },
    { name: 'a bad OOD count', edit: (p: Record<string, unknown>) => ((p.ood as unknown[])[2] = 0.5), field: /stats: ood\.aboveP99: /, code: 'E_SCHEMA' },
    { name: 'a bad latency histogram', edit: (p: Record<string, unknown>) => (p.latencyMs = { counts: [] }), field: /stats: latencyMs: /, code: 'E_SCHEMA' },
    { name: 'an unknown field', edit: (p: Record<string, unknown>) => (p.extra = 1), field: /stats: .*extra/, code: 'E_SCHEMA' },
    { name: 'a bad top-level field', edit: (p: Record<string, unknown>) => (p.sha256 = 'nope'), field: /stats: sha256: /, code: 'E_SCHEMA' },
    { name: 'a bad shadow histogram', edit: (p: Record<string, unknown>) => ((p.shadow as Record<string, unknown>).latencyMs = [[1], 0, 0, 0, 0, -1, null, null]), field: /stats: shadow\.latencyMs\.sumSq: /, code: 'E_SCHEMA' },
    { name: 'a shadow agreeing more often than it compared', edit: (p: Record<string, unknown>) => ((p.shadow as Record<string, unknown>).agree = 10), field: /stats: shadow\.agree: agree cannot exceed n/, code: 'E_SCHEMA' },
    { name: 'an unknown shadow field', edit: (p: Record<string, unknown>) => ((p.shadow as Record<string, unknown>).served = 1), field: /stats: shadow: .*served/, code: 'E_SCHEMA' },
    { name: 'an encoding from the future', edit: (p: Record<string, unknown>) => (p.v = 2), field: /stats: v: unsupported statistics encoding 2/, code: 'E_SCHEMA' },
  ])('refuses $name, naming the field', ({ edit, field, code }) => {
    const error = refusal(rewrite(edit));
    expect(error.code).toBe(code);
    expect(error.message).toMatch(field);
  });

  it('refuses bytes that are not JSON, and a plain window with a bad field', () => {
    expect(refusal(utf8Encode('{"v":1,')).code).toBe('E_BAD_JSON');
    expect(refusal(utf8Encode(JSON.stringify({ ...window, n: -1 }))).message).toMatch(/stats: n: /);
  });
});
