/**
 * Binning on reference edges, shared by the hub (building a reference profile) and every device
 * (counting what it sees): both sides must put a value in the same bin, so there is one function.
 * Bins are [edges[i], edges[i+1]), the last one closed; below edges[0] is underflow, above the
 * last edge overflow, NaN missing.
 */

export type BinSlot = number | 'underflow' | 'overflow' | 'missing';

export function binOf(edges: readonly number[], value: number): BinSlot {
  if (Number.isNaN(value)) return 'missing';
  const last = edges.length - 1;
  if (last < 1) return 'missing';
  if (value < (edges[0] as number)) return 'underflow';
  if (value > (edges[last] as number)) return 'overflow';
  if (value === edges[last]) return last - 1;
  // Largest i with edges[i] <= value (binary search: edge lists can have a few hundred entries).
  let lo = 0;
  let hi = last - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((edges[mid] as number) <= value) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

export interface BinnedCounts {
  counts: number[];
  underflow: number;
  overflow: number;
  missing: number;
}

export function countIntoBins(edges: readonly number[], values: Iterable<number>): BinnedCounts {
  const out: BinnedCounts = { counts: new Array<number>(Math.max(0, edges.length - 1)).fill(0), underflow: 0, overflow: 0, missing: 0 };
  for (const value of values) {
    const slot = binOf(edges, value);
    if (typeof slot === 'number') out.counts[slot] = (out.counts[slot] ?? 0) + 1;
    else out[slot]++;
  }
  return out;
}
