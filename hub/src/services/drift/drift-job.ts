/**
 * The scheduled drift evaluation (DRIFT.md; issue 5 "a scheduled job evaluates every active
 * version and raises alerts"). Every version with statistics in the last day is evaluated on its
 * complete hourly buckets (evaluateHistory: fleet-wide per hour with per-device screening,
 * persistence over hours, Page-Hinkley over the day), and its fleet alert is opened, updated or
 * resolved in one transaction with the audit row and the webhook notification.
 *
 * With a shorter drift period (EDGEFLEET_DRIFT_PERIOD_S, core/drift/period.ts) every "hour" here
 * is a period: complete periods, the last 3 of them, a history of 24 periods.
 */
import { randomUUID } from 'node:crypto';
import { parseWith, sumStatsWindows, statsWindowSchema, type ReferenceProfile, type StatsWindow } from '@edgefleet/protocol';
import { getOpenAlert, insertAlert, listAlerts, lockAlertScope, updateAlert, versionsWithStats } from '../../adapters/db/alerts';
import { writeAudit } from '../../adapters/db/audit';
import { getVersion } from '../../adapters/db/models';
import { listStatsBuckets, statsHourSignatures } from '../../adapters/db/stats';
import { alertTransition, type AlertTransition, type OpenAlertState } from '../../core/alert-lifecycle';
import { evaluateHistory, type HistoryReport, type HourWindows } from '../../core/drift/evaluate-history';
import { DEFAULT_PERSISTENCE, windowRefusal, type Verdict } from '../../core/drift';
import { DEFAULT_DRIFT_PERIOD_S, driftScheduleFor, floorToPeriod, periodStart } from '../../core/drift/period';
import type { HubContext } from '../context';
import { kickDelivery, queueNotification } from './notifications';
import { referenceOf } from '../statistics/stats-view';

/** Periods (hours by default) of history behind each evaluation: Page-Hinkley's memory. */
export const DRIFT_HISTORY_HOURS = 24;
export const FLEET_SCOPE = 'fleet';
const ACTOR = 'job:drift-evaluation';

export interface VersionEvaluation {
  model: string;
  version: string;
  /** why the version was not evaluated */
  skipped?: string;
  latestHour?: string | null;
  verdict?: Verdict;
  severity?: HistoryReport['severity'];
  signals?: HistoryReport['signals'];
  alert?: { id: string; action: AlertTransition['action']; status: 'open' | 'resolved' } | null;
}

export interface DriftJobResult {
  evaluatedAt: string;
  /** complete hours (drift periods) up to (excluding) this one are evaluated */
  until: string;
  /** the drift period in seconds (3600: hours) */
  periodS: number;
  versions: VersionEvaluation[];
}

/** What the drift job uses of the hub (callers pass the whole context). */
export type DriftDeps = Pick<HubContext, 'db' | 'now' | 'logger' | 'alerting'> & Partial<Pick<HubContext, 'driftPeriodS'>>;

/** The job's cron schedule unless EDGEFLEET_DRIFT_SCHEDULE is set: just after each period closes. */
export const driftJobSchedule = (periodS: number = DEFAULT_DRIFT_PERIOD_S): string => driftScheduleFor(periodS);

/**
 * Merged windows of hours that have not changed since the last run, per version: only the recent
 * hours need every device's window (per-device screening); older ones only feed the merged
 * Page-Hinkley series, and re-reading a day of device buckets every run would cost seconds at
 * 1,000 devices. Keyed by the hour's bucket count and last update, so a late window invalidates it.
 */
const mergedHourCache = new WeakMap<DriftDeps, Map<string, { signature: string; merged: StatsWindow | null }>>();

const storedWindow = (row: { merged: unknown }): StatsWindow => parseWith(statsWindowSchema, row.merged, 'stored stats bucket');

/**
 * The buckets' signatures per period. Buckets written while the hub ran with another period
 * (EDGEFLEET_DRIFT_PERIOD_S changed since; they are keyed by their own period's start) fold into
 * the period holding their start, so the minute buckets of a demo are one hour of an hourly hub's
 * history, not sixty overlapping hours.
 */
function periodSignatures(rows: readonly { hour: string; buckets: number; updatedAt: string | null }[], periodS: number): { hour: string; signature: string }[] {
  const periods = new Map<string, { buckets: number; updatedAt: string }>();
  for (const row of rows) {
    const hour = periodStart(row.hour, periodS);
    const seen = periods.get(hour) ?? { buckets: 0, updatedAt: '' };
    const updatedAt = row.updatedAt ?? '';
    periods.set(hour, { buckets: seen.buckets + Number(row.buckets), updatedAt: updatedAt > seen.updatedAt ? updatedAt : seen.updatedAt });
  }
  return [...periods.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([hour, { buckets, updatedAt }]) => ({ hour, signature: `${buckets}:${updatedAt}` }));
}

/** One window per device: a device's buckets of one period are several only when they were written under a shorter period. */
function perDevice(rows: readonly { deviceId: string; merged: unknown }[], reference: ReferenceProfile): StatsWindow[] {
  const byDevice = new Map<string, StatsWindow[]>();
  for (const row of rows) {
    const window = storedWindow(row);
    if (windowRefusal(reference, window) !== null) continue;
    const windows = byDevice.get(row.deviceId);
    if (windows) windows.push(window);
    else byDevice.set(row.deviceId, [window]);
  }
  return [...byDevice.values()].map((windows) => sumStatsWindows(windows));
}

/** Every recent hour's device windows and every older hour's merged window; buckets that no longer fit the reference, or whose numbers cannot be tested, are skipped. */
async function hourlyWindows(ctx: DriftDeps, model: string, version: string, reference: ReferenceProfile, fromHour: string, until: string, recentFrom: string, periodS: number): Promise<HourWindows[]> {
  const cache = mergedHourCache.get(ctx) ?? new Map<string, { signature: string; merged: StatsWindow | null }>();
  mergedHourCache.set(ctx, cache);
  const hours: HourWindows[] = [];
  for (const { hour, signature } of periodSignatures(await statsHourSignatures(ctx.db, model, version, fromHour, until), periodS)) {
    const key = `${model}\u0000${version}\u0000${hour}`;
    const cached = cache.get(key);
    if (hour < recentFrom && cached?.signature === signature) {
      if (cached.merged) hours.push({ hour, windows: [cached.merged] });
      continue;
    }
    const next = new Date(Date.parse(hour) + periodS * 1000).toISOString();
    const windows = perDevice(await listStatsBuckets(ctx.db, { model, version, fromHour: hour, to: next }), reference);
    const merged = windows.length > 0 ? sumStatsWindows(windows) : null;
    cache.set(key, { signature, merged });
    if (windows.length > 0) hours.push({ hour, windows: hour < recentFrom && merged ? [merged] : windows });
  }
  // Hours that fell out of the day are not needed again.
  for (const key of cache.keys()) if ((key.split('\u0000')[2] ?? '') < fromHour) cache.delete(key);
  return hours;
}

async function applyFinding(ctx: DriftDeps, model: string, version: string, report: HistoryReport, at: Date): Promise<VersionEvaluation['alert']> {
  return ctx.db.transaction(async (tx): Promise<VersionEvaluation['alert']> => {
    // The open alert is read and then written: a drift run on another replica (one that lost the
    // lease mid-run) changes the same alert after this one commits, never in between.
    await lockAlertScope(tx, model, version, FLEET_SCOPE);
    const open = await getOpenAlert(tx, model, version, FLEET_SCOPE);
    const state: OpenAlertState | null = open
      ? { severity: open.severity === 'drift' ? 'drift' : 'warning', signals: open.signals as string[], alarmingEvaluations: open.alarmingEvaluations, quietEvaluations: open.quietEvaluations }
      : null;
    const transition = alertTransition(state, { severity: report.severity, signals: report.signals.map((s) => s.name) });
    const iso = at.toISOString();
    const evidence = { latestHour: report.latestHour, verdict: report.verdict, signals: report.signals, hours: report.hours };
    let id = open?.id ?? null;
    if (transition.action === 'open') {
      id = randomUUID();
      await insertAlert(tx, { id, model, version, scope: FLEET_SCOPE, status: 'open', severity: transition.state.severity, signals: transition.state.signals, evidence, alarmingEvaluations: 1, quietEvaluations: 0, openedAt: iso, updatedAt: iso });
    } else if (transition.action === 'update' && open) {
      const { severity, signals, alarmingEvaluations, quietEvaluations } = transition.state;
      // A quiet evaluation keeps the evidence that raised the alert; an alarming one refreshes it.
      await updateAlert(tx, open.id, { severity, signals, alarmingEvaluations, quietEvaluations, updatedAt: iso, ...(report.severity !== null ? { evidence } : {}) });
    } else if (transition.action === 'resolve' && open) {
      await updateAlert(tx, open.id, { status: 'resolved', resolvedAt: iso, updatedAt: iso, quietEvaluations: open.quietEvaluations + 1 });
    }
    if (id === null) return null;
    if (transition.action === 'none') return null;
    const notify = transition.notify;
    if (notify) {
      const severity = transition.action === 'resolve' ? open?.severity : transition.state.severity;
      const signals = transition.action === 'resolve' ? open?.signals : transition.state.signals;
      const data = { alert: id, model, version, scope: FLEET_SCOPE, severity, signals, evidence };
      await queueNotification(tx, ctx.alerting.webhook, at, notify, data);
      await writeAudit(tx, { at, actor: ACTOR, action: notify, subject: `model:${model}@${version}`, details: { alert: id, severity, signals } });
    }
    return { id, action: transition.action, status: transition.action === 'resolve' ? 'resolved' : 'open' };
  });
}

/** Evaluates every version with recent statistics at `at` (default now). */
export async function runDriftEvaluation(ctx: DriftDeps, at: Date = ctx.now()): Promise<DriftJobResult> {
  const periodS = ctx.driftPeriodS ?? DEFAULT_DRIFT_PERIOD_S;
  const periodMs = periodS * 1000;
  const untilMs = floorToPeriod(at.getTime(), periodS);
  const until = new Date(untilMs).toISOString();
  const fromHour = new Date(untilMs - DRIFT_HISTORY_HOURS * periodMs).toISOString();
  const versions: VersionEvaluation[] = [];
  for (const { model, version } of await versionsWithStats(ctx.db, fromHour, until)) {
    const row = await getVersion(ctx.db, model, version);
    // A deleted version's last windows would otherwise open an alert nobody can act on.
    if (row?.deletedAt) {
      versions.push({ model, version, skipped: 'deleted' });
      continue;
    }
    const reference = row ? referenceOf(row.manifest) : null;
    if (!reference) {
      versions.push({ model, version, skipped: 'no reference profile in its release manifest' });
      continue;
    }
    const recentFrom = new Date(untilMs - DEFAULT_PERSISTENCE.m * periodMs).toISOString();
    const report = evaluateHistory(reference, await hourlyWindows(ctx, model, version, reference, fromHour, until, recentFrom, periodS), { recentFrom, periodS });
    const alert = await applyFinding(ctx, model, version, report, at);
    versions.push({ model, version, latestHour: report.latestHour, verdict: report.verdict, severity: report.severity, signals: report.signals, alert });
  }
  // Versions whose statistics stopped (rolled back, retired) still get their open alerts resolved.
  for (const open of await listAlerts(ctx.db, { status: 'open', limit: 10_000 })) {
    if (versions.some((v) => v.model === open.model && v.version === open.version)) continue;
    const quiet: HistoryReport = { latestHour: null, verdict: 'insufficient-data', severity: null, signals: [], hours: [] };
    versions.push({ model: open.model, version: open.version, skipped: periodS === DEFAULT_DRIFT_PERIOD_S ? 'no statistics in the last day' : `no statistics in the last ${DRIFT_HISTORY_HOURS} periods of ${periodS} s`, alert: await applyFinding(ctx, open.model, open.version, quiet, at) });
  }
  ctx.logger.info('drift evaluation', { until, periodS, versions: versions.length, alerting: versions.filter((v) => v.severity).length });
  kickDelivery(ctx);
  return { evaluatedAt: at.toISOString(), until, periodS, versions };
}
