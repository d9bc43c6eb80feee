/**
 * What a statistics window must satisfy before any test sees it: a shape that fits the reference
 * profile's bins, and usable numbers (issue 11): every count a non-negative integer, every moment
 * finite, and the OOD exceedance counts nested (aboveP99 <= aboveP95 <= rows with a score). A NaN
 * count or sum otherwise passes as verdict ok and turns Holm's adjusted p-values of every other
 * signal into NaN; counts above n give p-values of 0. The protocol schemas already refuse NaN and
 * fractional counts at the edge; the drift core is also called on windows built in code (sums,
 * simulations), so it checks too.
 */
import type { BinnedStats, OodStats, ReferenceProfile, StatsWindow } from '@edgefleet/protocol';
import { HubError } from '../errors';

export interface WindowProblem {
  /** path of the offending field, e.g. `features[1] (income).counts[3]` */
  field: string;
  message: string;
}

const isCount = (x: number): boolean => Number.isInteger(x) && x >= 0;
const show = (x: number): string => (Number.isNaN(x) ? 'NaN' : String(x));

function countProblem(field: string, value: number): WindowProblem | null {
  return isCount(value) ? null : { field, message: `${field} is ${show(value)}, not a count (a non-negative integer)` };
}

function countsProblem(field: string, values: readonly number[]): WindowProblem | null {
  for (let i = 0; i < values.length; i++) {
    const value = values[i] as number;
    if (!isCount(value)) return countProblem(`${field}[${i}]`, value);
  }
  return null;
}

function binnedProblem(field: string, b: BinnedStats): WindowProblem | null {
  const counts = countsProblem(`${field}.counts`, b.counts) ?? countProblem(`${field}.underflow`, b.underflow) ?? countProblem(`${field}.overflow`, b.overflow) ?? countProblem(`${field}.missing`, b.missing);
  if (counts) return counts;
  if (!Number.isFinite(b.sum)) return { field: `${field}.sum`, message: `${field}.sum is ${show(b.sum)}, not a finite number` };
  if (!(Number.isFinite(b.sumSq) && b.sumSq >= 0)) return { field: `${field}.sumSq`, message: `${field}.sumSq is ${show(b.sumSq)}, not a finite non-negative number` };
  if (b.min !== null && !Number.isFinite(b.min)) return { field: `${field}.min`, message: `${field}.min is ${show(b.min)}, not a finite number or null` };
  if (b.max !== null && !Number.isFinite(b.max)) return { field: `${field}.max`, message: `${field}.max is ${show(b.max)}, not a finite number or null` };
  return null;
}

/** The exceedance counts against the score histogram: the check ingestion needs beyond the schema. */
export function oodProblem(ood: OodStats): WindowProblem | null {
  const counts = countProblem('ood.aboveP95', ood.aboveP95) ?? countProblem('ood.aboveP99', ood.aboveP99);
  if (counts) return counts;
  const s = ood.score;
  // Rows beyond a threshold have a score, finite or infinite, never NaN (missing).
  const scored = s.counts.reduce((a, b) => a + b, 0) + s.underflow + s.overflow;
  if (ood.aboveP95 > scored) return { field: 'ood.aboveP95', message: `ood.aboveP95 ${ood.aboveP95} exceeds the ${scored} rows with an OOD score` };
  if (ood.aboveP99 > ood.aboveP95) return { field: 'ood.aboveP99', message: `ood.aboveP99 ${ood.aboveP99} exceeds ood.aboveP95 ${ood.aboveP95} (beyond p99 is beyond p95)` };
  return null;
}

/** Names for the fields of a problem: a reference profile, or its prepared features. */
export interface SignalNames {
  features: readonly { name: string }[];
  outputs: readonly { name: string }[];
}

const countsOk = (values: readonly number[]): boolean => {
  for (let i = 0; i < values.length; i++) if (!isCount(values[i] as number)) return false;
  return true;
};
const binnedOk = (b: BinnedStats): boolean =>
  countsOk(b.counts) && isCount(b.underflow) && isCount(b.overflow) && isCount(b.missing) && Number.isFinite(b.sum) && Number.isFinite(b.sumSq) && b.sumSq >= 0 && (b.min === null || Number.isFinite(b.min)) && (b.max === null || Number.isFinite(b.max));

/**
 * Whether every number of the window is usable, without building any message: the drift core
 * checks every device window of every evaluation, so the common case allocates nothing.
 */
function windowOk(window: StatsWindow): boolean {
  if (!isCount(window.n)) return false;
  for (const f of window.features) if (f.kind === 'numeric' ? !binnedOk(f) : !(countsOk(f.counts) && isCount(f.unseen) && isCount(f.missing))) return false;
  for (const o of window.outputs) if (o.kind === 'numeric' ? !binnedOk(o) : !(countsOk(o.counts) && binnedOk(o.confidence))) return false;
  return window.ood === null || (binnedOk(window.ood.score) && oodProblem(window.ood) === null);
}

/** The first problem with the window's numbers, or null; `reference` only adds names to fields. */
export function windowProblem(window: StatsWindow, reference?: SignalNames): WindowProblem | null {
  if (windowOk(window)) return null;
  const n = countProblem('n', window.n);
  if (n) return n;
  for (let i = 0; i < window.features.length; i++) {
    const f = window.features[i];
    if (!f) continue;
    const name = reference?.features[i]?.name;
    const field = `features[${i}]${name ? ` (${name})` : ''}`;
    const problem = f.kind === 'numeric' ? binnedProblem(field, f) : (countsProblem(`${field}.counts`, f.counts) ?? countProblem(`${field}.unseen`, f.unseen) ?? countProblem(`${field}.missing`, f.missing));
    if (problem) return problem;
  }
  for (let i = 0; i < window.outputs.length; i++) {
    const o = window.outputs[i];
    if (!o) continue;
    const name = reference?.outputs[i]?.name;
    const field = `outputs[${i}]${name ? ` (${name})` : ''}`;
    const problem = o.kind === 'numeric' ? binnedProblem(field, o) : (countsProblem(`${field}.counts`, o.counts) ?? binnedProblem(`${field}.confidence`, o.confidence));
    if (problem) return problem;
  }
  return window.ood ? (binnedProblem('ood.score', window.ood.score) ?? oodProblem(window.ood)) : null;
}

/** Why a window cannot be counted on the reference's bins, or null when its shape fits. */
export function shapeMismatch(reference: ReferenceProfile, window: StatsWindow): string | null {
  if (window.features.length !== reference.features.length) return `${window.features.length} features, the reference has ${reference.features.length}`;
  for (const [i, ref] of reference.features.entries()) {
    const obs = window.features[i];
    if (!obs || obs.kind !== ref.kind) return `feature ${ref.name}: expected ${ref.kind}`;
    const bins = ref.kind === 'numeric' ? ref.bins.counts.length : ref.counts.length;
    if (obs.counts.length !== bins) return `feature ${ref.name}: ${obs.counts.length} bins, the reference has ${bins}`;
  }
  if (window.outputs.length !== reference.outputs.length) return `${window.outputs.length} outputs, the reference has ${reference.outputs.length}`;
  for (const [i, ref] of reference.outputs.entries()) {
    const obs = window.outputs[i];
    if (!obs || obs.kind !== ref.kind) return `output ${ref.name}: expected ${ref.kind}`;
    const bins = ref.kind === 'numeric' ? ref.bins.counts.length : ref.counts.length;
    if (obs.counts.length !== bins) return `output ${ref.name}: ${obs.counts.length} bins, the reference has ${bins}`;
    // Confidence is counted on the reference's own bins when it has them; any other count could
    // never merge with the device's other windows (sums would throw in the buckets and the drift job).
    if (ref.kind === 'class' && obs.kind === 'class' && ref.confidence && obs.confidence.counts.length !== ref.confidence.counts.length) {
      return `output ${ref.name}: ${obs.confidence.counts.length} confidence bins, the reference has ${ref.confidence.counts.length}`;
    }
  }
  if (reference.ood && window.ood && window.ood.score.counts.length !== reference.ood.bins.counts.length) return 'ood score bins differ from the reference';
  return null;
}

/**
 * Why the window cannot be tested against the reference, or null: its shape first (the number
 * checks index fields by the reference's order), then its numbers.
 */
export function windowRefusal(reference: ReferenceProfile, window: StatsWindow): string | null {
  return shapeMismatch(reference, window) ?? windowProblem(window, reference)?.message ?? null;
}

/** Throws E_VALIDATION naming the field when the window's numbers cannot be tested. */
export function assertTestableWindow(window: StatsWindow, reference?: SignalNames): void {
  const problem = windowProblem(window, reference);
  if (problem) throw new HubError('E_VALIDATION', `statistics window of ${window.device} (${window.model}@${window.version}): ${problem.message}`, { details: { field: problem.field } });
}
