/** Merged statistics views and drift verdicts over the hourly buckets (DRIFT "Deciding drift"). */
import { mergeStatsWindows, parseWith, statsWindowSchema, type ReferenceProfile, type StatsWindow } from '@edgefleet/protocol';
import { conflict, notFound, validation } from '../../core/errors';
import { evaluateDrift, type DriftReport, type Verdict } from '../../core/drift';
import { getVersion } from '../../adapters/db/models';
import { listStatsBuckets, type StatsBucketRow } from '../../adapters/db/stats';
import type { Logger } from '../../adapters/logger';
import { decodeStoredManifest } from '../../core/release-manifest';
import type { HubContext } from '../context';

/** The reference profile in a stored (self-signed) release manifest envelope, or null. */
export function referenceOf(manifestEnvelope: unknown): ReferenceProfile | null {
  return decodeStoredManifest(manifestEnvelope).reference;
}

export interface StatsQuery {
  model: string;
  version: string;
  device?: string;
  ring?: string;
  /** `key:value` */
  tag?: { key: string; value: string };
  from?: string;
  to?: string;
}

export interface MergedStats {
  from: string;
  to: string;
  /** distinct devices with data in the range */
  devices: number;
  /** raw windows merged */
  windows: number;
  merged: StatsWindow | null;
}

const DEFAULT_RANGE_MS = 24 * 3_600_000;
const HOUR_MS = 3_600_000;

/** Stored hourly buckets summed by addition; a bucket of a foreign shape is logged and skipped. */
export function sumBuckets(logger: Logger, rows: readonly StatsBucketRow[]): { merged: StatsWindow | null; windows: number; devices: Set<string> } {
  let merged: StatsWindow | null = null;
  let windows = 0;
  const devices = new Set<string>();
  for (const row of rows) {
    const window = parseWith(statsWindowSchema, row.merged, 'stored stats bucket');
    try {
      merged = merged ? mergeStatsWindows(merged, window) : window;
    } catch (error) {
      // Buckets of one artifact share the reference's bins; only a foreign shape lands here.
      logger.warn('stats bucket skipped', { device: row.deviceId, model: row.model, version: row.version, hour: row.hour, reason: error instanceof Error ? error.message : String(error) });
      continue;
    }
    windows += row.windows;
    devices.add(row.deviceId);
  }
  return { merged, windows, devices };
}

/** A query's time range and the buckets that overlap it, read in one query. */
export interface BucketsInRange {
  from: Date;
  to: Date;
  rows: StatsBucketRow[];
}

export async function bucketsInRange(ctx: Pick<HubContext, 'db' | 'now'>, query: StatsQuery): Promise<BucketsInRange> {
  const to = query.to ? new Date(query.to) : ctx.now();
  const from = query.from ? new Date(query.from) : new Date(to.getTime() - DEFAULT_RANGE_MS);
  if (from.getTime() >= to.getTime()) throw validation('from must be before to');
  // A bucket overlaps [from, to) when its hour ends after `from` and starts before `to`.
  const fromHour = new Date(Math.floor(from.getTime() / HOUR_MS) * HOUR_MS).toISOString();
  const rows = await listStatsBuckets(ctx.db, { model: query.model, version: query.version, fromHour, to: to.toISOString(), ...(query.device !== undefined ? { device: query.device } : {}), ...(query.ring !== undefined ? { ring: query.ring } : {}), ...(query.tag !== undefined ? { tag: query.tag } : {}) });
  return { from, to, rows };
}

/** The range's buckets summed into one window. */
export function mergeBuckets(logger: Logger, query: StatsQuery, buckets: BucketsInRange): MergedStats {
  const { merged: sum, windows, devices } = sumBuckets(logger, buckets.rows);
  let merged = sum;
  // Merged across devices: the first window's device and msgId would mislabel the sum.
  if (merged && devices.size > 1) merged = { ...merged, msgId: `merged-${query.model}-${query.version}`.slice(0, 64), device: query.device ?? 'fleet' };
  return { from: buckets.from.toISOString(), to: buckets.to.toISOString(), devices: devices.size, windows, merged };
}

export async function mergedStats(ctx: Pick<HubContext, 'db' | 'now' | 'logger'>, query: StatsQuery): Promise<MergedStats> {
  if (!(await getVersion(ctx.db, query.model, query.version))) throw notFound(`model version ${query.model}@${query.version}`);
  return mergeBuckets(ctx.logger, query, await bucketsInRange(ctx, query));
}

export interface DriftView extends Omit<MergedStats, 'merged'> {
  verdict: Verdict;
  report: DriftReport | null;
}

/** The version's reference profile: 404 without the version, 409 without a reference. */
export async function referenceOfVersion(db: HubContext['db'], query: Pick<StatsQuery, 'model' | 'version'>): Promise<ReferenceProfile> {
  const row = await getVersion(db, query.model, query.version);
  if (!row) throw notFound(`model version ${query.model}@${query.version}`);
  const reference = referenceOf(row.manifest);
  if (!reference) throw conflict(`${query.model}@${query.version} has no reference profile in its release manifest, so drift cannot be evaluated (train it through the hub, or release it with a reference)`);
  return reference;
}

/** The verdict on merged statistics against the reference. */
export function judgeMerged(reference: ReferenceProfile, stats: MergedStats): DriftView {
  const { merged, ...range } = stats;
  if (!merged || merged.n === 0) return { ...range, verdict: 'insufficient-data', report: null };
  const report = evaluateDrift(reference, merged);
  return { ...range, verdict: report.verdict, report };
}
