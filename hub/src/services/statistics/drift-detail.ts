/**
 * What the console draws beside a drift verdict (GET .../drift): each input feature's reference and
 * current distribution on the reference's bins, and a verdict per hour (that hour's statistics
 * alone against the reference, not the scheduled job's persistence rule), so an admin sees when a
 * scope started drifting. With a shorter drift period (EDGEFLEET_DRIFT_PERIOD_S) each "hour" is a
 * bucket of that period: the field keeps its name.
 */
import { sumStatsWindows, type ReferenceFeature, type ReferenceProfile, type StatsWindow } from '@edgefleet/protocol';
import type { StatsBucketRow } from '../../adapters/db/stats';
import { evaluateDrift, windowRefusal, type Verdict } from '../../core/drift';
import { periodStart } from '../../core/drift/period';
import type { HubContext } from '../context';
import { bucketsInRange, judgeMerged, mergeBuckets, referenceOfVersion, sumBuckets, type DriftView, type StatsQuery } from './stats-view';

/** One input feature's reference counts beside the range's, on the reference's bins. */
export interface Distribution {
  name: string;
  kind: 'numeric' | 'categorical';
  bins: string[];
  reference: number[];
  current: number[];
}

/** One hour's statistics alone against the reference. */
export interface HourVerdict {
  hour: string;
  devices: number;
  n: number;
  verdict: Verdict;
  drifting: string[];
}

/** Edges shown with 3 significant digits: enough to tell bins apart on a chart axis. */
const edge = (x: number): string => String(Number(x.toPrecision(3)));

/** One feature's reference counts beside the window's, on the same bins (the window's arrays follow the reference's order). */
function distributionOf(feature: ReferenceFeature, observed: StatsWindow['features'][number] | undefined): Distribution {
  if (feature.kind === 'numeric') {
    const { edges, counts, underflow, overflow, missing } = feature.bins;
    const bins = [`< ${edge(edges[0] ?? 0)}`, ...counts.map((_, i) => `${edge(edges[i] ?? 0)} to ${edge(edges[i + 1] ?? 0)}`), `>= ${edge(edges[edges.length - 1] ?? 0)}`, 'missing'];
    const current = observed?.kind === 'numeric' && observed.counts.length === counts.length ? [observed.underflow, ...observed.counts, observed.overflow, observed.missing] : bins.map(() => 0);
    return { name: feature.name, kind: 'numeric', bins, reference: [underflow, ...counts, overflow, missing], current };
  }
  const bins = [...feature.categories, 'unseen', 'missing'];
  const current = observed?.kind === 'categorical' && observed.counts.length === feature.counts.length ? [...observed.counts, observed.unseen, observed.missing] : bins.map(() => 0);
  return { name: feature.name, kind: 'categorical', bins, reference: [...feature.counts, feature.unseen, feature.missing], current };
}

/**
 * Period by period (hours unless EDGEFLEET_DRIFT_PERIOD_S is shorter): each period's buckets
 * summed and tested alone, so the console can show when a scope started drifting. Buckets of a
 * shorter period the hub ran with before count in the period holding them, as the drift job
 * counts them.
 */
function hourlyVerdicts(ctx: Pick<HubContext, 'logger'> & Partial<Pick<HubContext, 'driftPeriodS'>>, reference: ReferenceProfile, rows: readonly StatsBucketRow[]): { hours: HourVerdict[]; merged: StatsWindow[] } {
  const byHour = new Map<string, StatsBucketRow[]>();
  for (const row of rows) {
    const start = periodStart(row.hour, ctx.driftPeriodS);
    const hour = byHour.get(start);
    if (hour) hour.push(row);
    else byHour.set(start, [row]);
  }
  const hours: HourVerdict[] = [];
  const merged: StatsWindow[] = [];
  for (const [hour, hourRows] of [...byHour].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const sum = sumBuckets(ctx.logger, hourRows);
    const window = sum.merged;
    // A window that does not fit the reference, or has no rows, has no verdict of its own.
    if (!window || window.n === 0 || windowRefusal(reference, window) !== null) {
      hours.push({ hour, devices: sum.devices.size, n: window?.n ?? 0, verdict: 'insufficient-data', drifting: [] });
      continue;
    }
    merged.push(window);
    const report = evaluateDrift(reference, window);
    hours.push({ hour, devices: sum.devices.size, n: window.n, verdict: report.verdict, drifting: report.drifting });
  }
  return { hours, merged };
}

/** The drift verdict of the range, and what the console draws beside it, from one read of the version and of the range's buckets. */
export async function driftDetail(ctx: Pick<HubContext, 'db' | 'now' | 'logger'> & Partial<Pick<HubContext, 'driftPeriodS'>>, query: StatsQuery): Promise<DriftView & { distributions: Distribution[]; hours: HourVerdict[] }> {
  const reference = await referenceOfVersion(ctx.db, query);
  const buckets = await bucketsInRange(ctx, query);
  const view = judgeMerged(reference, mergeBuckets(ctx.logger, query, buckets));
  const { hours, merged } = hourlyVerdicts(ctx, reference, buckets.rows);
  // Only the features are read: shadow sections of different candidates in different hours would not merge.
  const total = merged.length > 0 ? sumStatsWindows(merged.map(({ shadow: _shadow, ...window }) => window)) : null;
  return { ...view, distributions: reference.features.map((feature, i) => distributionOf(feature, total?.features[i])), hours };
}
