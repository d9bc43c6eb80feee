import { describe, expect, it } from 'vitest';
import { encodeFeatures } from '../../../src/core/onnx/encode';
import { encodeTable } from '../../../src/core/training/features';
import type { FeatureSpec } from '../../../src/core/training/types';

const SPEC: FeatureSpec = {
  numeric: [
    { name: 't', mean: 20, sd: 4, fill: 18 },
    { name: 'flat', mean: 3, sd: 0, fill: 3 },
  ],
  categorical: [
    { name: 'mote', categories: ['a', 'b', 'c'] },
    { name: 'site', categories: ['x', 'y'] },
  ],
};

describe('encodeFeatures', () => {
  const cases: Array<{ name: string; numeric: number[]; categorical: Array<string | null>; expected: number[] }> = [
    { name: 'standardises and one-hots', numeric: [24, 5], categorical: ['b', 'y'], expected: [1, 2, 0, 1, 0, 0, 1] },
    { name: 'fills NaN before standardising', numeric: [Number.NaN, Number.NaN], categorical: ['a', 'x'], expected: [-0.5, 0, 1, 0, 0, 1, 0] },
    { name: 'encodes unseen, null and empty as zeros', numeric: [20, 3], categorical: ['zz', null], expected: [0, 0, 0, 0, 0, 0, 0] },
    { name: 'treats empty string as missing', numeric: [16, 3], categorical: ['', 'x'], expected: [-1, 0, 0, 0, 0, 1, 0] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(Array.from(encodeFeatures(SPEC, c.numeric, c.categorical))).toEqual(c.expected);
    });
  }

  it('rounds like float32 arithmetic: Sub then Div, each rounded', () => {
    const spec: FeatureSpec = { numeric: [{ name: 'v', mean: 0.1, sd: 0.3, fill: 0 }], categorical: [] };
    const x = 0.7;
    const expected = Math.fround(Math.fround(Math.fround(x) - Math.fround(0.1)) / Math.fround(0.3));
    expect(encodeFeatures(spec, [x])[0]).toBe(expected);
  });

  it('encodes many rows row-major', () => {
    const out = encodeFeatures(SPEC, [24, 5, 16, 3], ['a', 'x', 'c', null]);
    expect(Array.from(out)).toEqual([1, 2, 1, 0, 0, 1, 0, -1, 0, 0, 0, 1, 0, 0]);
  });

  it('rejects partial rows and empty-string categories', () => {
    expect(() => encodeFeatures(SPEC, [1, 2, 3], ['a', 'x'])).toThrow(/whole rows/);
    expect(() => encodeFeatures({ numeric: [], categorical: [{ name: 'c', categories: ['', 'a'] }] }, [], ['a'])).toThrow(/means missing/);
  });
});

describe('encodeTable', () => {
  it('picks columns by name, in spec order', () => {
    const out = encodeTable(SPEC, {
      rows: 2,
      columns: [
        { name: 'site', kind: 'categorical', values: ['y', null] },
        { name: 'ignored', kind: 'numeric', values: Float64Array.of(9, 9) },
        { name: 'flat', kind: 'numeric', values: Float64Array.of(3, 4) },
        { name: 't', kind: 'numeric', values: Float64Array.of(24, Number.NaN) },
        { name: 'mote', kind: 'categorical', values: ['c', 'a'] },
      ],
    }, [0, 1]);
    expect(Array.from(out)).toEqual([1, 0, 0, 0, 1, 0, 1, -0.5, 1, 1, 0, 0, 0, 0]);
  });

  it('names a missing column', () => {
    expect(() => encodeTable(SPEC, { rows: 0, columns: [] }, [])).toThrow(/"t"/);
  });
});
