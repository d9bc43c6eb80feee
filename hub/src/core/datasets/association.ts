/**
 * How strongly one column goes with the target, on a 0..1 (or -1..1) scale, whatever the two
 * kinds are. Rows where either side is missing are left out.
 *  - numeric feature, numeric target: Pearson r (signed, -1..1)
 *  - categorical feature, numeric target, or numeric feature, categorical target: the correlation
 *    ratio eta (0..1): sqrt(between-group sum of squares / total sum of squares) of the numeric
 *    side grouped by the categorical side. For a two-class target eta = |point-biserial r|, so
 *    one measure covers binary and multi-class targets alike.
 *  - categorical feature, categorical target: Cramer's V (0..1).
 */

export type AssociationMeasure = 'pearson' | 'correlationRatio' | 'cramersV';

/** Pearson r over rows where both are present; NaN when either side is constant or n < 2. */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let n = 0;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < x.length; i++) {
    const a = x[i] as number;
    const b = y[i] as number;
    if (Number.isNaN(a) || Number.isNaN(b)) continue;
    n++;
    sx += a;
    sy += b;
  }
  if (n < 2) return Number.NaN;
  const mx = sx / n;
  const my = sy / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < x.length; i++) {
    const a = x[i] as number;
    const b = y[i] as number;
    if (Number.isNaN(a) || Number.isNaN(b)) continue;
    sxy += (a - mx) * (b - my);
    sxx += (a - mx) * (a - mx);
    syy += (b - my) * (b - my);
  }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : Number.NaN;
}

/** Correlation ratio eta of `values` grouped by `groups` (null = missing group). */
export function correlationRatio(groups: ArrayLike<string | null>, values: ArrayLike<number>): number {
  const sums = new Map<string, { n: number; sum: number }>();
  let n = 0;
  let total = 0;
  for (let i = 0; i < values.length; i++) {
    const g = groups[i];
    const v = values[i] as number;
    if (g === null || g === undefined || Number.isNaN(v)) continue;
    const s = sums.get(g) ?? { n: 0, sum: 0 };
    s.n++;
    s.sum += v;
    sums.set(g, s);
    n++;
    total += v;
  }
  if (n < 2) return Number.NaN;
  const grand = total / n;
  let ssTotal = 0;
  for (let i = 0; i < values.length; i++) {
    const g = groups[i];
    const v = values[i] as number;
    if (g === null || g === undefined || Number.isNaN(v)) continue;
    ssTotal += (v - grand) * (v - grand);
  }
  if (!(ssTotal > 0)) return Number.NaN;
  let ssBetween = 0;
  for (const s of sums.values()) ssBetween += s.n * (s.sum / s.n - grand) ** 2;
  return Math.sqrt(Math.min(1, ssBetween / ssTotal));
}

/** Cramer's V of two categorical columns (null = missing); NaN when either has one level. */
export function cramersV(a: ArrayLike<string | null>, b: ArrayLike<string | null>): number {
  const table = new Map<string, Map<string, number>>();
  const colTotals = new Map<string, number>();
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x === null || x === undefined || y === null || y === undefined) continue;
    const row = table.get(x) ?? new Map<string, number>();
    row.set(y, (row.get(y) ?? 0) + 1);
    table.set(x, row);
    colTotals.set(y, (colTotals.get(y) ?? 0) + 1);
    n++;
  }
  const k = Math.min(table.size, colTotals.size);
  if (n === 0 || k < 2) return Number.NaN;
  let chi2 = 0;
  for (const row of table.values()) {
    let rowTotal = 0;
    for (const c of row.values()) rowTotal += c;
    for (const [y, colTotal] of colTotals) {
      const expected = (rowTotal * colTotal) / n;
      const observed = row.get(y) ?? 0;
      chi2 += (observed - expected) ** 2 / expected;
    }
  }
  return Math.sqrt(chi2 / (n * (k - 1)));
}
