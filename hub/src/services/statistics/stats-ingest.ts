/**
 * Statistics windows from devices (DRIFT "What a device sends"): checked against the version
 * they claim, deduplicated on msgId, and merged by addition into one bucket per device x version
 * x hour, so storage grows with device-hours, never with the raw window count. ("Hour" is the
 * drift period, EDGEFLEET_DRIFT_PERIOD_S: an hour by default, as little as a minute for demos;
 * the `hour` column then holds the period's start, and there are 3600/period times the rows.)
 *
 * A window's shadow section (ROLLOUTS "Shadow") goes to its own bucket per device x serving
 * version x hour x shadow candidate (adapters/db/shadow-stats.ts), and the serving version's
 * bucket never holds one: that bucket keeps merging across devices and hours whatever shadow
 * each ran (protocol refuses to sum two candidates), and a device whose shadow changes within
 * the hour loses nothing. The section names a version the registry must know, like the window.
 *
 * With several hub replicas on one PostgreSQL a window still counts once: its msgId is claimed by
 * the database's primary key, and a bucket is written only if it still holds the window count
 * this batch read (adapters/db/stats.ts), so no replica overwrites another's merge.
 */
import { LATENCY_EDGES_MS, mergeShadow, mergeStatsWindows, parseWith, shadowStatsSchema, statsWindowSchema, type ReferenceProfile, type ShadowStats, type StatsWindow } from '@edgefleet/protocol';
import { getVersion } from '../../adapters/db/models';
import type { Db } from '../../adapters/db/db';
import { getShadowBucket, pruneShadowBuckets, upsertShadowBucket, type ShadowBucketKey } from '../../adapters/db/shadow-stats';
import { claimStatsMessage, getStatsBucket, getStatsBucketHead, pruneStatsBuckets, pruneStatsMessages, upsertStatsBucket, type StatsBucketKey } from '../../adapters/db/stats';
import type { HubContext } from '../context';
import { oodProblem, shapeMismatch } from '../../core/drift/window-checks';
import { periodStart } from '../../core/drift/period';
import { referenceOf } from './stats-view';

/** Windows that started longer ago than this are refused; older msgIds and buckets are pruned. */
export const STATS_RETENTION_MS = 30 * 24 * 3_600_000;
/** Device clocks may run ahead a little; a window starting further in the future is refused. */
export const STATS_MAX_CLOCK_SKEW_MS = 3_600_000;
/** How often ingestion prunes what fell out of the retention horizon. */
const PRUNE_EVERY_MS = 3_600_000;

const HOUR_MS = 3_600_000;
/** The start of the hour holding `iso`: a lower bound of every bucket in that hour, whatever the drift period. */
export const hourOf = (iso: string): string => new Date(Math.floor(Date.parse(iso) / HOUR_MS) * HOUR_MS).toISOString();

export type StatsOutcome = { stored: true; duplicate: boolean } | { stored: false; code: string; message: string };

const refused = (code: string, message: string): StatsOutcome => ({ stored: false, code, message });

const LATENCY_BINS = LATENCY_EDGES_MS.length - 1;

/**
 * A shadow section's latency is on the shared edges (agents always count it there), so shadow
 * buckets of one candidate always sum. (The window's own latency is not held to it here: tools
 * and simulations send other histograms, and its bucket merge refuses a mismatch on its own.)
 */
export function shadowMismatch(window: StatsWindow): string | null {
  if (window.shadow && window.shadow.latencyMs.counts.length !== LATENCY_BINS) return `shadow.latencyMs: ${window.shadow.latencyMs.counts.length} bins, the shared latency edges make ${LATENCY_BINS}`;
  return null;
}

/** A bucket changed between this transaction's read and its write (another replica merged into it): the batch is applied again. */
export class StaleBucketError extends Error {
  constructor(what: string) {
    super(`${what} changed while this batch merged into it`);
    this.name = 'StaleBucketError';
  }
}

type Deps = Pick<HubContext, 'db'> & Partial<Pick<HubContext, 'driftPeriodS'>>;

const lastPrune = new WeakMap<Deps, number>();

/** Drops msgIds and buckets that fell out of the retention horizon, at most once an hour. */
export async function pruneStatsIfDue(deps: Deps, nowMs: number): Promise<void> {
  const last = lastPrune.get(deps);
  if (last !== undefined && nowMs - last < PRUNE_EVERY_MS) return;
  // Marked before the deletes: a batch arriving meanwhile does not prune again.
  lastPrune.set(deps, nowMs);
  const horizon = new Date(nowMs - STATS_RETENTION_MS).toISOString();
  await pruneStatsMessages(deps.db, horizon);
  await pruneStatsBuckets(deps.db, hourOf(horizon));
  await pruneShadowBuckets(deps.db, hourOf(horizon));
}

interface VersionFacts {
  sha256: string;
  reference: ReferenceProfile | null;
}

/**
 * What a window is checked against, per registered version. A version's manifest never changes
 * once registered (services/models/release-manifests.ts), so it is decoded once, not once per window; versions
 * not (yet) registered are looked up again every time.
 */
const versionFacts = new WeakMap<Deps, Map<string, VersionFacts>>();

async function factsOf(deps: Deps, db: Db, model: string, version: string): Promise<VersionFacts | undefined> {
  let known = versionFacts.get(deps);
  if (!known) versionFacts.set(deps, (known = new Map()));
  const key = `${model}\u0000${version}`;
  const cached = known.get(key);
  if (cached) return cached;
  const row = await getVersion(db, model, version);
  if (!row) return undefined;
  const facts = { sha256: row.sha256, reference: referenceOf(row.manifest) };
  known.set(key, facts);
  return facts;
}

/** Why a window must be refused before anything is stored, or null when it may be merged. */
async function check(deps: Deps, db: Db, deviceId: string, window: StatsWindow, nowMs: number): Promise<StatsOutcome | null> {
  if (window.device !== deviceId) return refused('E_NOT_FOR_DEVICE', `stats for ${window.device} on ${deviceId}'s topic`);
  const start = Date.parse(window.windowStart);
  if (Date.parse(window.windowEnd) < start) return refused('E_VALIDATION', 'windowEnd is before windowStart');
  if (start < nowMs - STATS_RETENTION_MS) return refused('E_STALE', `window starting ${window.windowStart} is older than the retention horizon`);
  if (start > nowMs + STATS_MAX_CLOCK_SKEW_MS) return refused('E_CLOCK_SKEW', `window starting ${window.windowStart} is in the future`);
  const version = await factsOf(deps, db, window.model, window.version);
  if (!version || version.sha256 !== window.sha256) return refused('E_UNKNOWN_VERSION', `no version ${window.model}@${window.version} with artifact ${window.sha256.slice(0, 12)}`);
  if (version.reference) {
    const mismatch = shapeMismatch(version.reference, window);
    if (mismatch) return refused('E_STATS_SHAPE', mismatch);
  }
  // The schema already refused NaN and fractional counts; the nesting of the exceedance counts
  // is what it cannot see (a window past it would give OOD p-values of 0, issue 11).
  const ood = window.ood ? oodProblem(window.ood) : null;
  if (ood) return refused('E_STATS_SHAPE', ood.message);
  const shadowShape = shadowMismatch(window);
  if (shadowShape) return refused('E_STATS_SHAPE', shadowShape);
  const { shadow } = window;
  if (shadow) {
    const candidate = await factsOf(deps, db, shadow.model, shadow.version);
    if (!candidate || candidate.sha256 !== shadow.sha256) return refused('E_UNKNOWN_VERSION', `shadow: no version ${shadow.model}@${shadow.version} with artifact ${shadow.sha256.slice(0, 12)}`);
  }
  return null;
}

/** A bucket as a batch sees it: what is stored (read once), then every window merged in memory. */
interface PendingBucket<K, T> {
  key: K;
  /** the window count read from the database (0: none stored), which the write checks is still there */
  stored: number;
  windows: number;
  merged: T | undefined;
  changed: boolean;
}

export interface StatsItem {
  deviceId: string;
  window: StatsWindow;
}

/** The batch's copy of a bucket, loaded on first use; throws when the stored one is unreadable. */
async function pendingBucket<K, T>(pending: Map<string, PendingBucket<K, T>>, keyText: string, key: K, load: () => Promise<{ windows: number; merged: T } | undefined>): Promise<PendingBucket<K, T>> {
  let bucket = pending.get(keyText);
  if (!bucket) {
    const stored = await load();
    bucket = { key, stored: stored?.windows ?? 0, windows: stored?.windows ?? 0, merged: stored?.merged, changed: false };
    pending.set(keyText, bucket);
  }
  return bucket;
}

/**
 * Buckets this hub wrote last, parsed, so that the next batch of the same device and hour (an
 * outbox draining, a device sending often) need not read and check the merged JSON again. An
 * entry is used only while the row still has the window count and write time it was written
 * with: a batch that rolled back, a prune or any other writer makes it a miss, never a wrong sum.
 */
const BUCKET_CACHE_MAX = 1_024;
interface CachedBucket {
  windows: number;
  updatedAt: string;
  merged: StatsWindow;
}
const bucketCaches = new WeakMap<Deps, Map<string, CachedBucket>>();

function cachedBuckets(deps: Deps): Map<string, CachedBucket> {
  let cache = bucketCaches.get(deps);
  if (!cache) bucketCaches.set(deps, (cache = new Map()));
  return cache;
}

async function loadBucket(deps: Deps, db: Db, keyText: string, key: StatsBucketKey): Promise<{ windows: number; merged: StatsWindow } | undefined> {
  const cache = cachedBuckets(deps);
  const cached = cache.get(keyText);
  if (cached) {
    const head = await getStatsBucketHead(db, key);
    cache.delete(keyText);
    if (head && head.windows === cached.windows && head.updatedAt === cached.updatedAt) {
      cache.set(keyText, cached);
      return cached;
    }
  }
  const stored = await getStatsBucket(db, key);
  return stored ? { windows: stored.windows, merged: withoutShadow(parseWith(statsWindowSchema, stored.merged, 'stored stats bucket')) } : undefined;
}

function rememberBucket(deps: Deps, keyText: string, entry: CachedBucket): void {
  const cache = cachedBuckets(deps);
  cache.delete(keyText);
  cache.set(keyText, entry);
  if (cache.size > BUCKET_CACHE_MAX) {
    const oldest = cache.keys().next();
    if (!oldest.done) cache.delete(oldest.value);
  }
}

/**
 * Stores validated windows, each already known to come from its `deviceId`, in order, inside the
 * caller's transaction (`tx`: see ingest.ts), one outcome per window. Windows of the same device
 * x version x hour (and shadow candidate) are merged in memory and each bucket is read and written
 * once; a msgId already stored (by any replica), or seen earlier in the batch, is a duplicate and
 * changes nothing. Throws StaleBucketError when a bucket changed between its read and its write
 * (the caller rolls back and applies the batch again); `committed` is for the caller to run once
 * its transaction committed.
 */
export async function ingestStatsWindows(deps: Deps, tx: Db, items: readonly StatsItem[], now: Date): Promise<{ outcomes: StatsOutcome[]; committed: () => void }> {
  const nowMs = now.getTime();
  const receivedAt = now.toISOString();
  const buckets = new Map<string, PendingBucket<StatsBucketKey, StatsWindow>>();
  const shadowBuckets = new Map<string, PendingBucket<ShadowBucketKey, ShadowStats>>();
  /** per bucket, the artifact of the last window merged into it */
  const artifacts = new Map<string, string>();
  const outcomes: StatsOutcome[] = [];
  for (const { deviceId, window } of items) outcomes.push(await ingestOne(deviceId, window));

  async function ingestOne(deviceId: string, window: StatsWindow): Promise<StatsOutcome> {
    const problem = await check(deps, tx, deviceId, window, nowMs);
    if (problem) return problem;
    const { shadow, ...served } = window;
    const key: StatsBucketKey = { deviceId, model: window.model, version: window.version, hour: periodStart(window.windowStart, deps.driftPeriodS) };
    const keyText = `${key.deviceId}\u0000${key.model}\u0000${key.version}\u0000${key.hour}`;
    const shadowKey: ShadowBucketKey | null = shadow ? { ...key, shadowModel: shadow.model, shadowVersion: shadow.version, shadowSha256: shadow.sha256 } : null;
    const shadowKeyText = shadow ? `${keyText}\u0000${shadow.model}\u0000${shadow.version}\u0000${shadow.sha256}` : '';
    let bucket: PendingBucket<StatsBucketKey, StatsWindow>;
    let shadowBucket: PendingBucket<ShadowBucketKey, ShadowStats> | undefined;
    let merged: StatsWindow;
    let mergedShadow: ShadowStats | undefined;
    try {
      bucket = await pendingBucket(buckets, keyText, key, () => loadBucket(deps, tx, keyText, key));
      if (shadowKey) {
        shadowBucket = await pendingBucket(shadowBuckets, shadowKeyText, shadowKey, async () => {
          const stored = await getShadowBucket(tx, shadowKey);
          return stored ? { windows: stored.windows, merged: parseWith(shadowStatsSchema, stored.merged, 'stored shadow bucket') } : undefined;
        });
      }
      // Merged before the msgId is claimed: a window that cannot merge is refused, not swallowed.
      merged = bucket.merged ? mergeStatsWindows(bucket.merged, served) : served;
      mergedShadow = shadowBucket ? mergeShadow(shadowBucket.merged, shadow) : undefined;
    } catch (error) {
      return refused('E_STATS_SHAPE', error instanceof Error ? error.message : String(error));
    }
    // Claimed in the same transaction as the merge: a redelivery, to this replica or another, changes nothing.
    if (!(await claimStatsMessage(tx, { msgId: window.msgId, deviceId, model: window.model, version: window.version, windowStart: window.windowStart, receivedAt }))) return { stored: true, duplicate: true };
    buckets.set(keyText, { ...bucket, merged, windows: bucket.windows + 1, changed: true });
    artifacts.set(keyText, window.sha256);
    if (shadowBucket) shadowBuckets.set(shadowKeyText, { ...shadowBucket, merged: mergedShadow, windows: shadowBucket.windows + 1, changed: true });
    return { stored: true, duplicate: false };
  }

  const written: Array<[string, CachedBucket]> = [];
  for (const [keyText, { key, stored, windows, merged, changed }] of buckets) {
    const sha256 = artifacts.get(keyText);
    if (!changed || !merged || !sha256) continue;
    if (!(await upsertStatsBucket(tx, { ...key, sha256, windows, merged, updatedAt: receivedAt }, stored))) throw new StaleBucketError(`stats bucket ${key.deviceId} ${key.model}@${key.version} ${key.hour}`);
    written.push([keyText, { windows, updatedAt: receivedAt, merged }]);
  }
  for (const { key, stored, windows, merged, changed } of shadowBuckets.values()) {
    if (!changed || !merged) continue;
    if (!(await upsertShadowBucket(tx, { ...key, windows, merged, updatedAt: receivedAt }, stored))) throw new StaleBucketError(`shadow bucket ${key.deviceId} ${key.shadowModel}@${key.shadowVersion} ${key.hour}`);
  }
  // Remembered only once the caller's transaction committed: a rolled-back write is never cached.
  return { outcomes, committed: () => written.forEach(([keyText, entry]) => rememberBucket(deps, keyText, entry)) };
}

/** Buckets stored by this version never hold a shadow section; the type does not know that. */
function withoutShadow(window: StatsWindow): StatsWindow {
  const { shadow: _shadow, ...rest } = window;
  return rest;
}
