/**
 * The verdict rule: drift (or warning) needs BOTH an effect at or above its drift (warning)
 * threshold AND significance after Holm (adjusted p < alpha). A large effect on little data and
 * a tiny but significant effect on a huge fleet both stay `ok`.
 */
import type { Effect, Measurement } from './measurement';
import type { SignalReport, Threshold, Verdict } from './options';

const level = (effect: Effect): 'drift' | 'warning' | 'ok' => {
  const v = Math.abs(effect.value);
  return v >= effect.threshold.drift ? 'drift' : v >= effect.threshold.warning ? 'warning' : 'ok';
};

const LEVEL_RANK = { ok: 0, warning: 1, drift: 2 } as const;

/** The highest level any effect reaches by size alone: 0 ok, 1 warning, 2 drift. */
export const effectLevel = (effects: readonly Effect[]): number => effects.reduce((worst, e) => Math.max(worst, LEVEL_RANK[level(e)]), 0);

const fmt = (x: number): string => (x !== 0 && Math.abs(x) < 1e-3 ? x.toExponential(2) : x.toFixed(3));

export function decide(measurement: Measurement, adjustedPValue: number, alpha: number): SignalReport {
  const thresholds: Record<string, Threshold> = Object.fromEntries(measurement.effects.map((e) => [e.name, e.threshold]));
  const base = { name: measurement.name, kind: measurement.kind, n: measurement.n, pValue: measurement.pValue, adjustedPValue, statistics: measurement.statistics, thresholds };
  if (measurement.insufficient) return { ...base, verdict: 'insufficient-data', evidence: `insufficient data: ${measurement.insufficient}` };
  const levels = measurement.effects.map(level);
  const effectLevel: Verdict = levels.includes('drift') ? 'drift' : levels.includes('warning') ? 'warning' : 'ok';
  const significant = adjustedPValue < alpha;
  const verdict: Verdict = significant ? effectLevel : 'ok';
  const triggered = measurement.effects.filter((_, i) => levels[i] === effectLevel && effectLevel !== 'ok');
  const effects = (triggered.length > 0 ? triggered : measurement.effects)
    .map((e) => `${e.name} ${fmt(e.value)} (warning ${e.threshold.warning}, drift ${e.threshold.drift})`)
    .join(', ');
  const p = `Holm-adjusted p ${fmt(adjustedPValue)} ${significant ? '<' : '>='} alpha ${alpha}`;
  const evidence =
    verdict !== 'ok'
      ? `${verdict}: ${effects}; ${p} (n = ${measurement.n})`
      : effectLevel !== 'ok'
        ? `ok: effect ${effects} but not significant, ${p}`
        : `ok: ${effects}; ${p}`;
  return { ...base, verdict, evidence };
}
