/**
 * evaluateSeries: consecutive (merged) windows against one reference. Each window gets its
 * evaluateDrift report; each signal then gets a persistence flag (drift in k of the last m
 * windows) and a Page-Hinkley alarm on its normalized drift score. A window alarms on a signal
 * when either fires.
 */
import type { ReferenceProfile, StatsWindow } from '@edgefleet/protocol';
import { evaluateDrift, type DriftReport } from './evaluate-drift';
import type { DriftOptions, SignalReport } from './options';
import { DEFAULT_PAGE_HINKLEY, DEFAULT_PERSISTENCE, pageHinkley, persistent, type PageHinkleyOptions, type PersistenceOptions } from './sequential';

export interface SeriesOptions {
  drift?: Partial<DriftOptions>;
  persistence?: PersistenceOptions;
  pageHinkley?: PageHinkleyOptions;
}

/**
 * A window's drift score for one signal: its largest effect over that effect's drift threshold
 * (1 = at the drift threshold), or 0 when the data are insufficient or not significant.
 */
export function driftScore(report: SignalReport): number {
  if (report.verdict === 'insufficient-data' || report.verdict === 'ok') return 0;
  let score = 0;
  for (const [name, threshold] of Object.entries(report.thresholds)) {
    const value = report.statistics[name];
    if (value !== undefined && threshold.drift > 0) score = Math.max(score, Math.abs(value) / threshold.drift);
  }
  return score;
}

export interface SignalSeries {
  name: string;
  verdicts: SignalReport['verdict'][];
  scores: number[];
  persistent: boolean[];
  pageHinkley: boolean[];
  pageHinkleyStatistic: number[];
}

export interface SeriesReport {
  windows: DriftReport[];
  signals: SignalSeries[];
  /** per window: the signals alarming by persistence or Page-Hinkley */
  alarms: string[][];
  /** index of the first alarming window, or null */
  firstAlarm: number | null;
}

const signalsOf = (report: DriftReport): SignalReport[] => [...report.features, ...report.outputs, ...(report.ood ? [report.ood] : [])];

export function evaluateSeries(reference: ReferenceProfile, windows: readonly StatsWindow[], options: SeriesOptions = {}): SeriesReport {
  const reports = windows.map((w) => evaluateDrift(reference, w, options.drift));
  const names = reports.length > 0 ? signalsOf(reports[0] as DriftReport).map((s) => s.name) : [];
  const signals = names.map((name, index): SignalSeries => {
    const perWindow = reports.map((r) => signalsOf(r)[index] as SignalReport);
    const verdicts = perWindow.map((s) => s.verdict);
    const scores = perWindow.map(driftScore);
    const ph = pageHinkley(scores, options.pageHinkley ?? DEFAULT_PAGE_HINKLEY);
    return {
      name,
      verdicts,
      scores,
      persistent: persistent(verdicts.map((v) => v === 'drift'), options.persistence ?? DEFAULT_PERSISTENCE),
      pageHinkley: ph.alarms,
      pageHinkleyStatistic: ph.statistics,
    };
  });
  const alarms = reports.map((_, w) => signals.filter((s) => s.persistent[w] || s.pageHinkley[w]).map((s) => s.name));
  const first = alarms.findIndex((a) => a.length > 0);
  return { windows: reports, signals, alarms, firstAlarm: first >= 0 ? first : null };
}
