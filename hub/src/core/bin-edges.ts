/**
 * Reference bin edges (DRIFT.md "equal-mass bins from training data") that survive real data:
 * ties, dominant values (a binary flag, a zero-inflated reading, a stuck sensor) and few distinct
 * values. Pure; the reference profile calls it for every numeric signal.
 *
 * Plain quantile edges collapse on such data: a flag with 5% ones has every decile at 0, so its
 * deduplicated edges are [0, 1], one bin, and no drift test can ever fire (issue 11, item 2). So:
 * 1. Distinct values are atoms; a bin is a run of whole atoms, never part of one.
 * 2. With at most `bins` distinct values (flags, small codes), every value is a bin.
 * 3. Otherwise a value holding at least one equal-mass bin's share is a bin of its own, and the
 *    runs of values between those share the bins left in proportion to their mass, as
 *    equal-mass bins within each run.
 * 4. Bins under half an equal-mass share join their lighter neighbour (one at a time, lightest
 *    first) while more than two remain, and bins merge likewise down to the cap. At the default
 *    10 bins half a share is 5%, the least a bin may hold for the default drift test to reach
 *    its minimum expected count (5) at its minimum window (100 values).
 * 5. Inner edges sit halfway between the neighbouring distinct values, so no reference value
 *    lies on one; outer edges sit just outside the extreme values (see OUTER_MARGIN).
 *
 * PROTOCOL (bins.ts): bins are [edges[i], edges[i+1]), the last closed. Because no value is near
 * an inner edge, where the interval is open does not matter, and a device that sees a value
 * rounded to float32 counts it in the same bin as the hub did with the float64 value.
 */

export const MIN_BINS = 2;
/** The protocol allows 257 edges (numericBinsSchema). */
export const MAX_BINS = 256;

/**
 * Outer edges move out by this fraction of the extreme value: float32 rounding moves a value by
 * at most 2^-24 of it, and devices count float32 model inputs. Without it a dominant minimum such
 * as 0.7 (float32: 0.69999998) would be all underflow on every device.
 */
const OUTER_MARGIN = 2 ** -20;
/** A constant at 0 still needs a bin of some width. */
const CONSTANT_MIN_PAD = 1e-9;

interface Atom {
  value: number;
  count: number;
}

/** A bin as a run of atoms [first, last] and the count it holds. */
interface Group {
  first: number;
  last: number;
  count: number;
}

/** Edges for at most `bins` bins (an integer in [MIN_BINS, MAX_BINS]) of the finite values. */
export function referenceEdges(values: ArrayLike<number>, bins: number): number[] {
  const atoms = atomsOf(values);
  if (atoms.length === 0) return [0, 1];
  const lowest = (atoms[0] as Atom).value;
  if (atoms.length === 1) {
    const pad = Math.max(Math.abs(lowest) * OUTER_MARGIN, CONSTANT_MIN_PAD);
    return [lowest - pad, lowest + pad];
  }
  const total = atoms.reduce((sum, atom) => sum + atom.count, 0);
  const groups = atoms.length <= bins ? atoms.map((atom, i): Group => ({ first: i, last: i, count: atom.count })) : splitByMass(atoms, total, bins);
  mergeSmall(groups, total / (2 * bins), bins);
  const highest = (atoms[atoms.length - 1] as Atom).value;
  const inner = groups.slice(1).map((group) => halfway((atoms[group.first - 1] as Atom).value, (atoms[group.first] as Atom).value));
  return [lowest - Math.abs(lowest) * OUTER_MARGIN, ...inner, highest + Math.abs(highest) * OUTER_MARGIN];
}

/** Distinct finite values, ascending, with their counts. */
function atomsOf(values: ArrayLike<number>): Atom[] {
  const finite: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const value = values[i] as number;
    if (Number.isFinite(value)) finite.push(value);
  }
  // A typed array sorts numerically (and -0 equals 0 below, so they are one atom).
  const sorted = Float64Array.from(finite).sort();
  const atoms: Atom[] = [];
  for (const value of sorted) {
    const top = atoms[atoms.length - 1];
    if (top && top.value === value) top.count++;
    else atoms.push({ value, count: 1 });
  }
  return atoms;
}

/**
 * Points (a share of at least 1/bins) alone; the bins left over shared among the runs of atoms
 * between them in proportion to their mass, each run at least one bin and none thinner than half
 * a share (a run of 5% gets one bin however many are free).
 */
function splitByMass(atoms: readonly Atom[], total: number, bins: number): Group[] {
  const share = total / bins;
  type Slot = { point: Group } | { run: { start: number; end: number; mass: number; pieces: number } };
  const slots: Slot[] = [];
  let runStart = 0;
  let runMass = 0;
  const closeRun = (end: number): void => {
    if (end > runStart) slots.push({ run: { start: runStart, end, mass: runMass, pieces: 1 } });
  };
  atoms.forEach((atom, i) => {
    if (atom.count < share) {
      runMass += atom.count;
      return;
    }
    closeRun(i);
    slots.push({ point: { first: i, last: i, count: atom.count } });
    runStart = i + 1;
    runMass = 0;
  });
  closeRun(atoms.length);

  const runs = slots.flatMap((slot) => ('run' in slot ? [slot.run] : []));
  const runTotal = runs.reduce((sum, run) => sum + run.mass, 0);
  const free = bins - (slots.length - runs.length);
  const quota = (run: (typeof runs)[number]): number => (run.mass / runTotal) * free;
  const most = (run: (typeof runs)[number]): number => Math.max(1, Math.floor(run.mass / (share / 2)));
  for (const run of runs) run.pieces = Math.max(1, Math.min(most(run), Math.floor(quota(run))));
  // Largest remainder first, for the bins the floors left over.
  for (let left = free - runs.reduce((sum, run) => sum + run.pieces, 0); left > 0; left--) {
    const open = runs.filter((run) => run.pieces < most(run));
    if (open.length === 0) break;
    const next = open.reduce((best, run) => (quota(run) - run.pieces > quota(best) - best.pieces ? run : best));
    next.pieces++;
  }
  return slots.flatMap((slot) => ('point' in slot ? [slot.point] : equalMassRun(atoms, slot.run.start, slot.run.end, slot.run.pieces)));
}

/**
 * Atoms [start, end) cut into `pieces` groups, each cut at the atom boundary nearest to its
 * equal-mass target; cuts that land on the same boundary merge (fewer groups).
 */
function equalMassRun(atoms: readonly Atom[], start: number, end: number, pieces: number): Group[] {
  let mass = 0;
  for (let i = start; i < end; i++) mass += (atoms[i] as Atom).count;
  const groups: Group[] = [];
  let first = start;
  let count = 0;
  let cumulative = 0;
  let piece = 1;
  for (let i = start; i < end; i++) {
    const atomCount = (atoms[i] as Atom).count;
    const target = (piece * mass) / pieces;
    // Cut before atom i when that boundary is nearer the target than the one after it.
    if (piece < pieces && count > 0 && target - cumulative <= cumulative + atomCount - target) {
      groups.push({ first, last: i - 1, count });
      first = i;
      count = 0;
      // This cut serves the current target and any other that is already behind it.
      piece++;
      while (piece < pieces && (piece * mass) / pieces <= cumulative) piece++;
    }
    count += atomCount;
    cumulative += atomCount;
  }
  groups.push({ first, last: end - 1, count });
  return groups;
}

/** In place: the lightest group joins its lighter neighbour while it is under `floor` (keeping two) or there are more than `cap`. */
function mergeSmall(groups: Group[], floor: number, cap: number): void {
  while (groups.length > 2) {
    let lightest = 0;
    groups.forEach((group, i) => {
      if (group.count < (groups[lightest] as Group).count) lightest = i;
    });
    if (groups.length <= cap && (groups[lightest] as Group).count >= floor) return;
    const left = groups[lightest - 1];
    const right = groups[lightest + 1];
    const into = !right || (left && left.count <= right.count) ? lightest - 1 : lightest + 1;
    const a = Math.min(lightest, into);
    const merged: Group = { first: (groups[a] as Group).first, last: (groups[a + 1] as Group).last, count: (groups[a] as Group).count + (groups[a + 1] as Group).count };
    groups.splice(a, 2, merged);
  }
}

/** Strictly above `low` and at most `high`, for low < high (adjacent doubles give `high`). */
function halfway(low: number, high: number): number {
  const mid = low + (high - low) / 2;
  return mid > low ? mid : high;
}
