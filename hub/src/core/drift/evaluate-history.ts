/**
 * evaluateHistory: what the scheduled drift job decides for one model version from its recent
 * hourly windows (or windows of the configured drift period: "hour" below reads "period") (DRIFT.md rules 1-5 together). The last `persistence.m` hours are each tested
 * fleet-wide with per-device screening (evaluateFleet); a signal alarms when it drifts in k of
 * those m hours, or when the Page-Hinkley detector over the merged hourly series fires on the
 * latest hour. Warning-level persistence gives a `warning` finding; nothing else raises one.
 * This is the rule the seeded benchmark measures (fleet-sim drift-bench).
 */
import { sumStatsWindows, type ReferenceProfile, type StatsWindow } from '@edgefleet/protocol';
import { evaluateFleet, type FleetOptions, type FleetReport } from './evaluate-fleet';
import { evaluateSeries } from './evaluate-series';
import { VERDICT_RANK, worstVerdict, type Verdict } from './options';
import { DEFAULT_DRIFT_PERIOD_S, periodName, periodsName } from './period';
import { prepareReference } from './screen';
import { DEFAULT_PAGE_HINKLEY, DEFAULT_PERSISTENCE, type PageHinkleyOptions, type PersistenceOptions } from './sequential';

/** Every device's (merged) window of one hour. */
export interface HourWindows {
  /** ISO start of the hour */
  hour: string;
  windows: StatsWindow[];
}

export interface HistoryOptions extends FleetOptions {
  persistence?: PersistenceOptions;
  pageHinkley?: PageHinkleyOptions;
  /**
   * ISO start of the first recent hour (the scheduled job passes the evaluation time minus m
   * hours, so data that stopped arriving ages out); default: the m hours ending with the latest
   * hour that has data
   */
  recentFrom?: string;
  /** length of one history entry (EDGEFLEET_DRIFT_PERIOD_S); default an hour */
  periodS?: number;
}

export interface SignalFinding {
  name: string;
  severity: 'warning' | 'drift';
  /** why: `drift in 2 of the last 3 hours`, `Page-Hinkley ...` */
  reasons: string[];
  /** devices flagged on this signal in the recent hours */
  devices: string[];
  /** the latest tested hour's fleet evidence for the signal */
  evidence: string;
}

export interface HistoryReport {
  /** the latest hour with data, or null without any */
  latestHour: string | null;
  /** the latest hour's fleet verdict (insufficient-data without data) */
  verdict: Verdict;
  /** null when nothing persists: no alert is due */
  severity: 'warning' | 'drift' | null;
  signals: SignalFinding[];
  /** per recent hour: its fleet verdict and the signals drifting in it */
  hours: { hour: string; devices: number; n: number; verdict: Verdict; drifting: string[] }[];
}

const isAtLeast = (verdict: Verdict, level: Verdict): boolean => VERDICT_RANK[verdict] >= VERDICT_RANK[level];

export function evaluateHistory(reference: ReferenceProfile, history: readonly HourWindows[], options: HistoryOptions = {}): HistoryReport {
  const persistence = options.persistence ?? DEFAULT_PERSISTENCE;
  const periodS = options.periodS ?? DEFAULT_DRIFT_PERIOD_S;
  const periods = periodsName(periodS);
  const withData = [...history].filter((h) => h.windows.length > 0).sort((a, b) => (a.hour < b.hour ? -1 : a.hour > b.hour ? 1 : 0));
  if (withData.length === 0) return { latestHour: null, verdict: 'insufficient-data', severity: null, signals: [], hours: [] };
  const prepared = prepareReference(reference);
  // Hours without data count as unflagged: k of the last m HOURS, not of the last m reports.
  const latest = withData[withData.length - 1] as HourWindows;
  const horizon = options.recentFrom !== undefined ? Date.parse(options.recentFrom) : Date.parse(latest.hour) - (persistence.m - 1) * periodS * 1000;
  const recent = withData.filter((h) => Date.parse(h.hour) >= horizon);
  // Nothing recent: an old series says nothing about now.
  if (recent.length === 0) return { latestHour: latest.hour, verdict: 'insufficient-data', severity: null, signals: [], hours: [] };
  const fleets: FleetReport[] = recent.map((h) => evaluateFleet(reference, h.windows, options, prepared));
  const latestFleet = fleets[fleets.length - 1] as FleetReport;

  const series = evaluateSeries(reference, withData.map((h) => sumStatsWindows(h.windows)), {
    ...(options.drift ? { drift: options.drift } : {}),
    persistence,
    pageHinkley: options.pageHinkley ?? DEFAULT_PAGE_HINKLEY,
  });
  const last = withData.length - 1;

  const signals: SignalFinding[] = [];
  latestFleet.signals.forEach((signal, index) => {
    const perHour = fleets.map((f) => f.signals[index]?.verdict ?? 'insufficient-data');
    const drifts = perHour.filter((v) => v === 'drift').length;
    const warns = perHour.filter((v) => isAtLeast(v, 'warning')).length;
    const reasons: string[] = [];
    let severity: SignalFinding['severity'] | null = null;
    if (drifts >= persistence.k) {
      severity = 'drift';
      reasons.push(`drift in ${drifts} of the last ${persistence.m} ${periods} (alarm at ${persistence.k})`);
    }
    const seriesSignal = series.signals.find((s) => s.name === signal.name);
    if (seriesSignal?.pageHinkley[last]) {
      severity = 'drift';
      reasons.push(`Page-Hinkley on the merged drift score per ${periodName(periodS)}: ${(seriesSignal.pageHinkleyStatistic[last] ?? 0).toFixed(2)} over its threshold`);
    }
    if (severity === null && warns >= persistence.k) {
      severity = 'warning';
      reasons.push(`warning or drift in ${warns} of the last ${persistence.m} ${periods} (alarm at ${persistence.k})`);
    }
    if (severity === null) return;
    const devices = [...new Set(fleets.flatMap((f) => f.signals[index]?.devices ?? []))].sort();
    signals.push({ name: signal.name, severity, reasons, devices, evidence: signal.evidence });
  });
  const severity = signals.some((s) => s.severity === 'drift') ? 'drift' : signals.length > 0 ? 'warning' : null;
  return {
    latestHour: latest.hour,
    verdict: latestFleet.verdict,
    severity,
    signals,
    hours: recent.map((h, i) => {
      const fleet = fleets[i] as FleetReport;
      return { hour: h.hour, devices: h.windows.length, n: fleet.merged.n, verdict: worstVerdict(fleet.signals.map((s) => s.verdict)), drifting: fleet.drifting };
    }),
  };
}
