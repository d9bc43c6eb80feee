/**
 * Drift gates against the control group (ROLLOUTS.md "Gate"). A candidate's drift against ITS
 * reference is the world's movement plus how far its reference is from the world; the control
 * (devices still on the old version, same window, same population of inputs) measures the
 * world's movement against the old reference. So a candidate's drifting signal is put down to
 * the world only when its effect is no larger than the control's on the same signal, within a
 * margin: a version trained on data 12 C too warm drifts far more than the old version during a
 * cold spell, and fails; a twin of the old version drifts as much, and passes. Pure.
 */
import type { SignalReport } from '../drift/options';

/** One effect size of a signal on the candidate beside the control's, on a scale linear in the shift. */
export interface EffectComparison {
  effect: string;
  /** each against its own version's reference, absolute, on the comparison scale (see SQUARED) */
  candidate: number;
  control: number;
  /** the candidate's size at or above which the signal counts as its own drift */
  limit: number;
}

export interface DriftAttribution {
  name: string;
  /**
   * `shared`: the control explains it, the candidate drifts no more than the old version;
   * `own`: no judged control signal to compare with, or the candidate's effect beyond the limit
   */
  attribution: 'shared' | 'own';
  effects: EffectComparison[];
  evidence: string;
}

/**
 * PSI and Jensen-Shannon grow with the square of a small shift (PSI ~ d^2 for a normal mean shift
 * of d sds), so they are compared by their square roots, and their margin is the root of their
 * drift threshold: an excess worth a drift-sized shift of its own, like mean shift's 0.5 sd.
 */
const SQUARED = new Set(['psi', 'jensenShannon']);
/**
 * Binned divergences of a small window are also inflated where the world moved far: reference
 * bins the candidate's few rows leave empty sit at the smoothing floor (1e-4), a control with
 * thousands of rows does not. Seeded twins (same training distribution, world shifted 0.5-3 sd,
 * 100 candidate rows beside 5,000 control rows) failed 3% of the time on the roots alone; this
 * share of the control's own size on top of the margin brought that to 0 in 300 runs each,
 * while a reference 0.8 sd off still failed every time.
 */
const DIVERGENCE_SLACK = 0.25;
/**
 * L-infinity is the largest of several proportion gaps, so at 100 rows noise alone reaches its
 * 0.1 margin now and then (2% of seeded twins with 5 classes, 7% beside a 100-row control). One
 * standard error of a difference of two proportions at p = 0.5 goes on top: 0.05 at 100 rows,
 * 0.016 at 1,000; that brought the twins to 0 in 300 runs while a reference 0.15 off on one
 * class still failed 75% of the time at 300 rows and 97% at 1,000.
 */
const PROPORTION_GAP = 'lInfinity';
const proportionNoise = (n: number, m: number): number => (n > 0 && m > 0 ? 0.5 * Math.sqrt(1 / n + 1 / m) : Number.NaN);
/**
 * Spread: the engine's effects are about location and shape, and a reference far wider or
 * narrower than the world (a version trained on other sensors) mis-scales every input while its
 * mean shift stays small. |ln(sd ratio)| has a standard error of about 1/sqrt(2n), 0.07 at 100
 * rows, so ln 1.5 is a wide margin: seeded references twice as wide as the world's fail every
 * time at 300 rows, 1.5x as wide 40% of the time, and twins never.
 */
const SPREAD = { statistic: 'sdRatio', margin: Math.log(1.5) };

const fmt = (x: number): string => (x !== 0 && Math.abs(x) < 1e-3 ? x.toExponential(2) : x.toFixed(3));

/**
 * The comparisons of one signal: every effect size the drift engine judges it by (its
 * `thresholds`: PSI, Jensen-Shannon and mean shift in reference sds for numeric signals,
 * Jensen-Shannon and L-infinity for categories and classes), and the spread of a numeric one.
 */
export function compareEffects(candidate: SignalReport, control: SignalReport): EffectComparison[] {
  const size = (report: SignalReport, effect: string): number => Math.abs(report.statistics[effect] ?? Number.NaN);
  const out = Object.entries(candidate.thresholds).map(([effect, threshold]): EffectComparison => {
    const squared = SQUARED.has(effect);
    const scale = (x: number): number => (squared ? Math.sqrt(x) : x);
    const theirs = scale(size(control, effect));
    const noise = effect === PROPORTION_GAP ? proportionNoise(candidate.n, control.n) : 0;
    return { effect: squared ? `sqrt ${effect}` : effect, candidate: scale(size(candidate, effect)), control: theirs, limit: theirs * (squared ? 1 + DIVERGENCE_SLACK : 1) + scale(threshold.drift) + noise };
  });
  const ownSpread = candidate.statistics[SPREAD.statistic];
  const theirSpread = control.statistics[SPREAD.statistic];
  if (ownSpread !== undefined && theirSpread !== undefined && ownSpread > 0 && theirSpread > 0) {
    const theirs = Math.abs(Math.log(theirSpread));
    out.push({ effect: '|ln sdRatio|', candidate: Math.abs(Math.log(ownSpread)), control: theirs, limit: theirs + SPREAD.margin });
  }
  return out;
}

/** Why the control cannot vouch for the candidate's signal, or null when it can. */
function unusableControl(candidate: SignalReport, control: SignalReport): string | null {
  if (control.kind !== candidate.kind) return `the old version measures it as ${control.kind}, not ${candidate.kind}`;
  if (control.verdict === 'insufficient-data') return 'insufficient data on the old version';
  return null;
}

/**
 * Attributes one signal that drifts on the candidate. A control that does not drift credits
 * only its small effects, so a shift only the candidate sees stays the candidate's; a control
 * that drifts as much excuses it. A statistic that is not a finite number excuses nothing.
 */
export function attributeDrift(candidate: SignalReport, control: SignalReport | undefined): DriftAttribution {
  if (!control) return { name: candidate.name, attribution: 'own', effects: [], evidence: `${candidate.name}: ${candidate.evidence} (no comparable signal on the old version)` };
  const unusable = unusableControl(candidate, control);
  if (unusable !== null) return { name: candidate.name, attribution: 'own', effects: [], evidence: `${candidate.name}: ${candidate.evidence} (${unusable})` };
  const effects = compareEffects(candidate, control);
  const beyond = effects.filter((e) => !(Number.isFinite(e.candidate) && Number.isFinite(e.limit) && e.candidate < e.limit));
  if (beyond.length > 0) {
    const detail = beyond.map((e) => `${e.effect} ${fmt(e.candidate)} >= ${fmt(e.limit)} (old version ${fmt(e.control)})`).join(', ');
    return { name: candidate.name, attribution: 'own', effects, evidence: `${candidate.name}: ${candidate.evidence}; beyond the old version's own: ${detail}` };
  }
  const detail = effects.map((e) => `${e.effect} ${fmt(e.candidate)} < ${fmt(e.limit)} (old version ${fmt(e.control)})`).join(', ');
  return { name: candidate.name, attribution: 'shared', effects, evidence: `${candidate.name} drifts on the old version too, as much: ${detail}` };
}
