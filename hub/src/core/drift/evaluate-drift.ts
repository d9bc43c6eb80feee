/**
 * evaluateDrift: one (merged) statistics window against the release's reference profile.
 * Every feature, output and the OOD score is measured, the p-values of those with enough data
 * are Holm-corrected together, and each gets a verdict with its statistics and evidence.
 */
import type { ReferenceProfile, StatsWindow } from '@edgefleet/protocol';
import { measureCategorical } from './categorical-drift';
import type { Measurement } from './measurement';
import { holm } from './multiple-testing';
import { measureNumeric } from './numeric-drift';
import { measureOod } from './ood-drift';
import { driftOptions, worstVerdict, type DriftOptions, type SignalReport, type Verdict } from './options';
import { decide } from './verdict';
import { assertTestableWindow } from './window-checks';

export interface DriftReport {
  verdict: Verdict;
  /** names of signals with verdict drift, then warning */
  drifting: string[];
  warnings: string[];
  n: number;
  features: SignalReport[];
  outputs: SignalReport[];
  ood: SignalReport | null;
  evidence: string;
}

function measureFeatures(reference: ReferenceProfile, observed: StatsWindow, options: DriftOptions): Measurement[] {
  if (observed.features.length !== reference.features.length) throw new Error(`window has ${observed.features.length} features, reference ${reference.features.length}`);
  return reference.features.map((ref, i) => {
    const obs = observed.features[i];
    if (!obs || obs.kind !== ref.kind) throw new Error(`feature ${ref.name}: expected ${ref.kind}, got ${obs?.kind ?? 'nothing'}`);
    if (ref.kind === 'numeric' && obs.kind === 'numeric') return measureNumeric(ref.name, 'numeric', ref.bins, obs, options);
    if (ref.kind === 'categorical' && obs.kind === 'categorical') return measureCategorical(ref.name, 'categorical', [...ref.counts, ref.unseen, ref.missing], [...obs.counts, obs.unseen, obs.missing], options);
    throw new Error(`feature ${ref.name}: kind mismatch`);
  });
}

function measureOutputs(reference: ReferenceProfile, observed: StatsWindow, options: DriftOptions): Measurement[] {
  const out: Measurement[] = [];
  reference.outputs.forEach((ref, i) => {
    const obs = observed.outputs[i];
    if (!obs || obs.kind !== ref.kind) throw new Error(`output ${ref.name}: expected ${ref.kind}, got ${obs?.kind ?? 'nothing'}`);
    if (ref.kind === 'numeric' && obs.kind === 'numeric') {
      out.push(measureNumeric(ref.name, 'numeric', ref.bins, obs, options));
      return;
    }
    if (ref.kind !== 'class' || obs.kind !== 'class') return;
    out.push(measureCategorical(ref.name, 'class', ref.counts, obs.counts, options));
    // Confidence drift needs the reference's top-score histogram (releases made before it have
    // none), and a window counted on those bins: a device that counted on fallback bins is
    // not compared with bins it did not use.
    if (ref.confidence && ref.confidence.counts.length === obs.confidence.counts.length) {
      out.push(measureNumeric(`${ref.name} confidence`, 'confidence', ref.confidence, obs.confidence, options));
    }
  });
  return out;
}

export function evaluateDrift(reference: ReferenceProfile, observed: StatsWindow, overrides: Partial<DriftOptions> = {}): DriftReport {
  const options = driftOptions(overrides);
  assertTestableWindow(observed, reference);
  const features = measureFeatures(reference, observed, options);
  const outputs = measureOutputs(reference, observed, options);
  const ood = reference.ood && observed.ood ? measureOod(reference.ood, observed.ood, options) : null;
  const all = [...features, ...outputs, ...(ood ? [ood] : [])];
  // Holm only over tests that can produce a verdict: insufficient ones are not tests.
  const testable = all.filter((m) => !m.insufficient);
  const adjustedByMeasurement = new Map(holm(testable.map((m) => m.pValue)).map((p, i) => [testable[i] as Measurement, p]));
  const reportOf = (m: Measurement): SignalReport => decide(m, adjustedByMeasurement.get(m) ?? 1, options.alpha);
  const featureReports = features.map(reportOf);
  const outputReports = outputs.map(reportOf);
  const oodReport = ood ? reportOf(ood) : null;
  const reports = [...featureReports, ...outputReports, ...(oodReport ? [oodReport] : [])];
  const drifting = reports.filter((r) => r.verdict === 'drift').map((r) => r.name);
  const warnings = reports.filter((r) => r.verdict === 'warning').map((r) => r.name);
  const verdict = worstVerdict(reports.map((r) => r.verdict));
  const evidence =
    verdict === 'drift'
      ? `drift in ${drifting.join(', ')}${warnings.length ? `; warning in ${warnings.join(', ')}` : ''}`
      : verdict === 'warning'
        ? `warning in ${warnings.join(', ')}`
        : verdict === 'ok'
          ? `no drift in ${reports.filter((r) => r.verdict === 'ok').length} signals (${reports.length - reports.filter((r) => r.verdict === 'ok').length} with insufficient data)`
          : 'insufficient data for every signal';
  return { verdict, drifting, warnings, n: observed.n, features: featureReports, outputs: outputReports, ood: oodReport, evidence };
}
