import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../../src/core/datasets/parse-csv';
import { MAX_SCALED_SPAN, encodeTable, fitFeatures, rowsWithTarget, targetOf } from '../../../src/core/training/features';
import { encodedWidth } from '../../../src/core/training/types';

// rows 0-3 are "train"; row 4 is held out and must not influence the fit
const table = parseCsv('x,k,colour\n1,5,red\n3,5,blue\nNA,5,red\n5,5,green\n1000,5,purple');
const trainRows = [0, 1, 2, 3];

describe('fitFeatures', () => {
  it('fits mean, population sd and fill on the training rows only; sd 0 becomes 1', () => {
    const spec = fitFeatures(table, ['x', 'k', 'colour'], trainRows);
    // x on rows 0-3: 1, 3, (missing), 5 -> mean 3, population sd sqrt(8/3)
    expect(spec.numeric).toEqual([
      { name: 'x', mean: 3, sd: Math.fround(Math.sqrt(8 / 3)), fill: 3 },
      { name: 'k', mean: 5, sd: 1, fill: 5 },
    ]);
    // most frequent first, ties by name; 'purple' was never seen in training
    expect(spec.categorical).toEqual([{ name: 'colour', categories: ['red', 'blue', 'green'] }]);
  });

  it('caps categories and drops rare ones', () => {
    expect(fitFeatures(table, ['colour'], trainRows, { maxCategories: 2 }).categorical[0]?.categories).toEqual(['red', 'blue']);
    expect(fitFeatures(table, ['colour'], trainRows, { minCategoryCount: 2 }).categorical[0]?.categories).toEqual(['red']);
  });
});

describe('encodeTable', () => {
  it('follows types.ts exactly: fill NaN, standardise, then one-hot blocks; unseen -> zeros', () => {
    const spec = fitFeatures(table, ['colour', 'x'], trainRows);
    expect(encodedWidth(spec)).toBe(4);
    const x = encodeTable(spec, table, [2, 4, 1]);
    const sd = Math.fround(Math.sqrt(8 / 3));
    expect(spec.clip).toBe(MAX_SCALED_SPAN);
    const expected = [
      [0, 1, 0, 0], // row 2: x missing -> fill (3) -> 0; red
      [MAX_SCALED_SPAN, 0, 0, 0], // row 4: held-out 1000 standardises to ~611, clipped; purple unseen
      [(3 - 3) / sd, 0, 1, 0], // row 1: blue
    ].flat();
    expect(Array.from(x)).toEqual(expected.map(Math.fround));
  });

  it('encodes a numeric column used as categorical by its text, missing as zeros', () => {
    const ids = parseCsv('mote\n1\n2\nNA\n2');
    const spec = { numeric: [], categorical: [{ name: 'mote', categories: ['2', '1'] }] };
    expect(Array.from(encodeTable(spec, ids, [0, 1, 2]))).toEqual([0, 1, 1, 0, 0, 0]);
  });

  it('rejects a numeric feature whose column is categorical', () => {
    const spec = { numeric: [{ name: 'colour', mean: 0, sd: 1, fill: 0 }], categorical: [] };
    expect(() => encodeTable(spec, table, [0])).toThrow(/feature "colour" is numeric/);
  });
});

describe('targetOf', () => {
  it('indexes classes sorted numerically for numeric targets, by code units for text, -1 missing', () => {
    const t = parseCsv('n,s\n10,b\n2,a\nNA,\n10,B');
    expect(targetOf(t, 'n', 'classification')).toEqual({ task: 'classification', classes: ['2', '10'], y: Int32Array.of(1, 0, -1, 1) });
    expect(targetOf(t, 's', 'classification')).toEqual({ task: 'classification', classes: ['B', 'a', 'b'], y: Int32Array.of(2, 1, -1, 0) });
  });

  it('gives float targets for regression and 0/1 labels for anomaly', () => {
    const t = parseCsv('v,flag,word\n1.5,0,normal\nNA,3,Anomaly\n-2,NA,\n');
    const reg = targetOf(t, 'v', 'regression');
    expect(reg).toEqual({ task: 'regression', y: Float32Array.of(1.5, Number.NaN, -2) });
    expect(rowsWithTarget(reg)).toEqual([0, 2]);
    expect(targetOf(t, 'flag', 'anomaly').y).toEqual(Int32Array.of(0, 1, -1));
    expect(targetOf(t, 'word', 'anomaly').y).toEqual(Int32Array.of(0, 1, -1));
    expect(targetOf(t, 'word', 'anomaly', { anomalyLabel: 'normal' }).y).toEqual(Int32Array.of(1, 0, -1));
    expect(() => targetOf(t, 'word', 'regression')).toThrow(/must be numeric/);
  });
});

describe('fitFeatures scaling floor', () => {
  it('keeps a nearly constant feature with a rare outlier within MAX_SCALED_SPAN units', () => {
    const values = new Float64Array(1000);
    values[7] = 0.5;
    const table = { rows: 1000, columns: [{ name: 'border', kind: 'numeric' as const, values }] };
    const rows = Int32Array.from({ length: 1000 }, (_, i) => i);
    const spec = fitFeatures(table, ['border'], rows);
    const encoded = encodeTable(spec, table, rows);
    const span = Math.max(...encoded) - Math.min(...encoded);
    expect(span).toBeLessThanOrEqual(MAX_SCALED_SPAN + 1e-4);
    expect(span).toBeGreaterThan(MAX_SCALED_SPAN - 1e-3);
  });
});
