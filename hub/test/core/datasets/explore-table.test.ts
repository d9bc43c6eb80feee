import { describe, expect, it } from 'vitest';
import { correlationRatio, cramersV, pearson } from '../../../src/core/datasets/association';
import { exploreTable, type CategoricalSummary, type ColumnSummary, type NumericSummary } from '../../../src/core/datasets/explore-table';
import { parseCsv } from '../../../src/core/datasets/parse-csv';

const numeric = (s: ColumnSummary | undefined): NumericSummary => {
  if (s?.kind !== 'numeric') throw new Error('not numeric');
  return s;
};
const categorical = (s: ColumnSummary | undefined): CategoricalSummary => {
  if (s?.kind !== 'categorical') throw new Error('not categorical');
  return s;
};

describe('exploreTable', () => {
  it('summarises a numeric column (hand-computed)', () => {
    const summary = exploreTable(parseCsv('x\n1\n2\n3\n4\nNA'), { histogramBins: 3 });
    const x = numeric(summary.columns[0]);
    expect(x).toMatchObject({ count: 4, missing: 1, mean: 2.5, min: 1, max: 4 });
    expect(x.sd).toBeCloseTo(Math.sqrt(5 / 3), 12); // sample sd: sum of squares 5 over n - 1 = 3
    // numpy linear quantiles: position (n - 1) q = 3q
    expect(x.quantiles.p01).toBeCloseTo(1.03, 12);
    expect(x.quantiles.p25).toBeCloseTo(1.75, 12);
    expect(x.quantiles.p50).toBeCloseTo(2.5, 12);
    expect(x.quantiles.p99).toBeCloseTo(3.97, 12);
    expect(x.histogram).toEqual({ edges: [1, 2, 3, 4], counts: [1, 1, 2] }); // last bin closed
  });

  it('summarises categories: top list capped, ties by name, the rest counted', () => {
    const summary = exploreTable(parseCsv('c\nb\na\nb\nc\nNA\nd\na\nb'), { topCategories: 2 });
    expect(categorical(summary.columns[0])).toEqual({
      name: 'c',
      kind: 'categorical',
      count: 7,
      missing: 1,
      distinct: 4,
      top: [
        { value: 'b', count: 3 },
        { value: 'a', count: 2 },
      ],
      otherCount: 2,
    });
  });

  it('reports class balance and associations for a categorical target', () => {
    const table = parseCsv('x,colour,y\n1,red,a\n2,red,a\n3,blue,b\n4,blue,b\n5,,NA');
    const summary = exploreTable(table, { target: 'y' });
    expect(summary.target).toEqual({
      name: 'y',
      kind: 'categorical',
      missing: 1,
      classBalance: [
        { value: 'a', count: 2, fraction: 0.5 },
        { value: 'b', count: 2, fraction: 0.5 },
      ],
    });
    // eta of x = 1..4 grouped a,a,b,b: between SS 4 over total SS 5
    expect(numeric(summary.columns[0]).association?.measure).toBe('correlationRatio');
    expect(numeric(summary.columns[0]).association?.value).toBeCloseTo(Math.sqrt(0.8), 12);
    expect(categorical(summary.columns[1]).association).toEqual({ measure: 'cramersV', value: 1 });
    expect(summary.columns[2]?.association).toBeUndefined(); // not the target with itself
  });

  it('uses Pearson for a numeric target, and can treat a numeric target as classes', () => {
    const table = parseCsv('x,y\n1,1\n2,3\n3,2\n4,4');
    expect(numeric(exploreTable(table, { target: 'y' }).columns[0]).association).toEqual({ measure: 'pearson', value: expect.closeTo(0.8, 12) });
    const asClasses = exploreTable(table, { target: 'y', targetKind: 'categorical' });
    expect(asClasses.target?.classBalance?.map((c) => c.value)).toEqual(['1', '2', '3', '4']);
  });

  it('is JSON-safe: an all-missing or constant column gives nulls, never NaN', () => {
    const summary = exploreTable(parseCsv('a,b,k\nNA,5,1\n,5,2'), { target: 'k' });
    expect(JSON.parse(JSON.stringify(summary))).toEqual(summary);
    expect(categorical(summary.columns[0]).count).toBe(0);
    const b = numeric(summary.columns[1]);
    expect(b).toMatchObject({ mean: 5, sd: 0, min: 5, max: 5, histogram: { edges: [5, 5], counts: [2] } });
    expect(b.association?.value).toBeNull(); // constant column: no correlation
  });

  it('rejects an unknown target', () => {
    expect(() => exploreTable(parseCsv('a\n1'), { target: 'zz' })).toThrow(/target column "zz"/);
  });
});

describe('association measures', () => {
  it('point-biserial equals eta for two groups', () => {
    const values = [2, 4, 3, 8, 9, 7];
    const groups = ['n', 'n', 'n', 'y', 'y', 'y'];
    expect(correlationRatio(groups, values)).toBeCloseTo(Math.abs(pearson(values, [0, 0, 0, 1, 1, 1])), 12);
  });

  it("Cramer's V of independent columns is 0, of a 3x3 permutation 1", () => {
    expect(cramersV(['a', 'a', 'b', 'b'], ['x', 'y', 'x', 'y'])).toBeCloseTo(0, 12);
    expect(cramersV(['a', 'b', 'c', 'a'], ['z', 'x', 'y', 'z'])).toBeCloseTo(1, 12);
  });

  it('skips rows where either side is missing', () => {
    expect(pearson([1, 2, Number.NaN, 3], [2, 4, 100, 6])).toBeCloseTo(1, 12);
  });
});
