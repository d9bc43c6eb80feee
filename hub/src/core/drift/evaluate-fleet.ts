/**
 * evaluateFleet: one window across many devices (DRIFT.md rules 1 and 3). The merged window is
 * tested first; then each device is tested and, per signal, the devices' Holm-adjusted p-values
 * are Benjamini-Hochberg corrected. A signal drifts fleet-wide when the merged window says so
 * or when at least `minDevices` devices are flagged (BH-significant with an effect at or above
 * the warning threshold, by the screen in screen.ts): a shift confined to a tenth of the fleet is diluted tenfold in the
 * merge, but stands out device by device.
 */
import { sumStatsWindows, type ReferenceProfile, type StatsWindow } from '@edgefleet/protocol';
import { evaluateDrift, type DriftReport } from './evaluate-drift';
import { benjaminiHochberg } from './multiple-testing';
import { driftOptions, type DriftOptions, type SignalReport, type Verdict } from './options';
import { prepareReference, screenWindows, type PreparedReference } from './screen';

export interface FleetOptions {
  drift?: Partial<DriftOptions>;
  /** false discovery rate for Benjamini-Hochberg across devices (default 0.01) */
  fdr?: number;
  /** flagged devices that make a signal drift fleet-wide (default 3) */
  minDevices?: number;
}

export const DEFAULT_FDR = 0.01;
export const DEFAULT_MIN_DEVICES = 3;

export interface FleetSignal {
  name: string;
  verdict: Verdict;
  /** devices flagged on this signal after BH */
  devices: string[];
  evidence: string;
}

export interface FleetReport {
  verdict: Verdict;
  drifting: string[];
  merged: DriftReport;
  signals: FleetSignal[];
  /** full reports of the flagged devices only (every device is screened, see screen.ts) */
  devices: { device: string; report: DriftReport }[];
}

const signalsOf = (report: DriftReport): SignalReport[] => [...report.features, ...report.outputs, ...(report.ood ? [report.ood] : [])];

export function evaluateFleet(reference: ReferenceProfile, windows: readonly StatsWindow[], options: FleetOptions = {}, prepared: PreparedReference = prepareReference(reference)): FleetReport {
  if (windows.length === 0) throw new Error('evaluateFleet needs at least one window');
  const drift = driftOptions(options.drift);
  const fdr = options.fdr ?? DEFAULT_FDR;
  const minDevices = options.minDevices ?? DEFAULT_MIN_DEVICES;
  const merged = evaluateDrift(reference, sumStatsWindows(windows), drift);
  // p-values at or above max(alpha, fdr) decide nothing, in Holm or in BH (screen.ts).
  const screen = screenWindows(prepared, windows, drift, Math.max(drift.alpha, fdr));
  const flaggedDevices = new Set<number>();
  const signals = signalsOf(merged).map((mergedSignal, index): FleetSignal => {
    // Devices are screened on input features only; outputs and OOD are judged on the merge.
    const isFeature = index < merged.features.length;
    let candidates = 0;
    let anyEffect = false;
    if (isFeature) {
      for (let d = 0; d < windows.length; d++) {
        const verdict = screen.verdicts[d * screen.features + index] as number;
        if (verdict >= 0) candidates++;
        if (verdict > 0) anyEffect = true;
      }
    }
    // Only devices with an effect at or above warning can be flagged: without one, no BH.
    const flagged: number[] = [];
    if (anyEffect) {
      const devices: number[] = [];
      const pValues: number[] = [];
      for (let d = 0; d < windows.length; d++) {
        const at = d * screen.features + index;
        if ((screen.verdicts[at] as number) < 0) continue;
        devices.push(d);
        pValues.push(screen.adjusted[at] as number);
      }
      benjaminiHochberg(pValues).forEach((q, i) => {
        const d = devices[i] as number;
        if (q < fdr && (screen.verdicts[d * screen.features + index] as number) > 0) flagged.push(d);
      });
    }
    for (const d of flagged) flaggedDevices.add(d);
    const byDevices: Verdict = flagged.length >= minDevices ? 'drift' : flagged.length > 0 ? 'warning' : 'ok';
    const verdict: Verdict =
      mergedSignal.verdict === 'drift' || byDevices === 'drift'
        ? 'drift'
        : mergedSignal.verdict === 'warning' || byDevices === 'warning'
          ? 'warning'
          : candidates === 0 && mergedSignal.verdict === 'insufficient-data'
            ? 'insufficient-data'
            : 'ok';
    const perDevice = isFeature ? `; ${flagged.length} of ${candidates} devices flagged (BH q ${fdr}, drift at >= ${minDevices})` : '';
    return { name: mergedSignal.name, verdict, devices: flagged.map((d) => (windows[d] as StatsWindow).device), evidence: `merged: ${mergedSignal.evidence}${perDevice}` };
  });
  const verdicts = signals.map((s) => s.verdict);
  const verdict: Verdict = verdicts.includes('drift') ? 'drift' : verdicts.includes('warning') ? 'warning' : verdicts.includes('ok') ? 'ok' : 'insufficient-data';
  // Full reports only to explain the flagged devices.
  const devices = [...flaggedDevices].sort((a, b) => a - b).map((d) => ({ device: (windows[d] as StatsWindow).device, report: evaluateDrift(reference, windows[d] as StatsWindow, drift) }));
  return { verdict, drifting: signals.filter((s) => s.verdict === 'drift').map((s) => s.name), merged, signals, devices };
}
