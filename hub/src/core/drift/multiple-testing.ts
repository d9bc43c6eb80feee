/**
 * Multiple-testing corrections (pure): Holm across the features of one report (family-wise
 * error), Benjamini-Hochberg across devices (false discovery rate). Both return adjusted
 * p-values in input order, so "reject" is `adjusted < alpha`.
 */

const order = (p: readonly number[]): number[] => p.map((_, i) => i).sort((a, b) => (p[a] as number) - (p[b] as number));

/** Holm step-down: adjusted p(i) = max over j <= i of (m - j) p(j), capped at 1. */
export function holm(pValues: readonly number[]): number[] {
  const m = pValues.length;
  const adjusted = new Array<number>(m).fill(1);
  let running = 0;
  order(pValues).forEach((index, rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * (pValues[index] as number)));
    adjusted[index] = running;
  });
  return adjusted;
}

/** Benjamini-Hochberg step-up: adjusted p(i) = min over j >= i of m p(j) / j, capped at 1. */
export function benjaminiHochberg(pValues: readonly number[]): number[] {
  const m = pValues.length;
  const adjusted = new Array<number>(m).fill(1);
  const sorted = order(pValues);
  let running = 1;
  for (let rank = m - 1; rank >= 0; rank--) {
    const index = sorted[rank] as number;
    running = Math.min(running, (m * (pValues[index] as number)) / (rank + 1));
    adjusted[index] = running;
  }
  return adjusted;
}
