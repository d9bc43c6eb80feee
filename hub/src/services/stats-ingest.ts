/**
 * Statistics windows from devices (DRIFT "What a device sends"): checked against the version
 * they claim, deduplicated on msgId, and merged by addition into one bucket per device x version
 * x hour, so storage grows with device-hours, never with the raw window count.
 *
 * A window's shadow section (ROLLOUTS "Shadow") goes to its own bucket per device x serving
 * version x hour x shadow candidate (adapters/db/shadow-stats.ts), and the serving version's
 * bucket never holds one: that bucket keeps merging across devices and hours whatever shadow
 * each ran (protocol refuses to sum two candidates), and a device whose shadow changes within
 * the hour loses nothing. The section names a version the registry must know, like the window.
 */
import { LATENCY_EDGES_MS, mergeShadow, mergeStatsWindows, parseWith, shadowStatsSchema, statsWindowSchema, type ReferenceProfile, type ShadowStats, type StatsWindow } from '@edgefleet/protocol';
import { getVersion } from '../adapters/db/models';
import { getShadowBucket, pruneShadowBuckets, upsertShadowBucket, type ShadowBucketKey } from '../adapters/db/shadow-stats';
import { claimStatsMessage, getStatsBucket, pruneStatsBuckets, pruneStatsMessages, upsertStatsBucket } from '../adapters/db/stats';
import type { HubContext } from './context';
import { referenceOf } from './stats-view';

/** Windows that started longer ago than this are refused; older msgIds and buckets are pruned. */
export const STATS_RETENTION_MS = 30 * 24 * 3_600_000;
/** Device clocks may run ahead a little; a window starting further in the future is refused. */
export const STATS_MAX_CLOCK_SKEW_MS = 3_600_000;
/** How often ingestion prunes what fell out of the retention horizon. */
const PRUNE_EVERY_MS = 3_600_000;

const HOUR_MS = 3_600_000;
export const hourOf = (iso: string): string => new Date(Math.floor(Date.parse(iso) / HOUR_MS) * HOUR_MS).toISOString();

export type StatsOutcome = { stored: true; duplicate: boolean } | { stored: false; code: string; message: string };

const refused = (code: string, message: string): StatsOutcome => ({ stored: false, code, message });

/** Why a window cannot be counted on the reference's bins, or null when its shape fits. */
export function shapeMismatch(reference: ReferenceProfile, window: StatsWindow): string | null {
  if (window.features.length !== reference.features.length) return `${window.features.length} features, the reference has ${reference.features.length}`;
  for (const [i, ref] of reference.features.entries()) {
    const obs = window.features[i];
    if (!obs || obs.kind !== ref.kind) return `feature ${ref.name}: expected ${ref.kind}`;
    const bins = ref.kind === 'numeric' ? ref.bins.counts.length : ref.counts.length;
    if (obs.counts.length !== bins) return `feature ${ref.name}: ${obs.counts.length} bins, the reference has ${bins}`;
  }
  if (window.outputs.length !== reference.outputs.length) return `${window.outputs.length} outputs, the reference has ${reference.outputs.length}`;
  for (const [i, ref] of reference.outputs.entries()) {
    const obs = window.outputs[i];
    if (!obs || obs.kind !== ref.kind) return `output ${ref.name}: expected ${ref.kind}`;
    const bins = ref.kind === 'numeric' ? ref.bins.counts.length : ref.counts.length;
    if (obs.counts.length !== bins) return `output ${ref.name}: ${obs.counts.length} bins, the reference has ${bins}`;
    // Confidence is counted on the reference's own bins when it has them; any other count could
    // never merge with the device's other windows (sums would throw in the buckets and the drift job).
    if (ref.kind === 'class' && obs.kind === 'class' && ref.confidence && obs.confidence.counts.length !== ref.confidence.counts.length) {
      return `output ${ref.name}: ${obs.confidence.counts.length} confidence bins, the reference has ${ref.confidence.counts.length}`;
    }
  }
  if (reference.ood && window.ood && window.ood.score.counts.length !== reference.ood.bins.counts.length) return 'ood score bins differ from the reference';
  return null;
}

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

const lastPrune = new WeakMap<HubContext, number>();

function pruneIfDue(ctx: HubContext, nowMs: number): void {
  const last = lastPrune.get(ctx);
  if (last !== undefined && nowMs - last < PRUNE_EVERY_MS) return;
  lastPrune.set(ctx, nowMs);
  const horizon = new Date(nowMs - STATS_RETENTION_MS).toISOString();
  pruneStatsMessages(ctx.db, horizon);
  pruneStatsBuckets(ctx.db, hourOf(horizon));
  pruneShadowBuckets(ctx.db, hourOf(horizon));
}

/** Stores one validated window already known to come from `deviceId`. */
export function ingestStatsWindow(ctx: HubContext, deviceId: string, window: StatsWindow): StatsOutcome {
  if (window.device !== deviceId) return refused('E_NOT_FOR_DEVICE', `stats for ${window.device} on ${deviceId}'s topic`);
  const start = Date.parse(window.windowStart);
  if (Date.parse(window.windowEnd) < start) return refused('E_VALIDATION', 'windowEnd is before windowStart');
  const now = ctx.now();
  const nowMs = now.getTime();
  if (start < nowMs - STATS_RETENTION_MS) return refused('E_STALE', `window starting ${window.windowStart} is older than the retention horizon`);
  if (start > nowMs + STATS_MAX_CLOCK_SKEW_MS) return refused('E_CLOCK_SKEW', `window starting ${window.windowStart} is in the future`);
  const version = getVersion(ctx.db, window.model, window.version);
  if (!version || version.sha256 !== window.sha256) return refused('E_UNKNOWN_VERSION', `no version ${window.model}@${window.version} with artifact ${window.sha256.slice(0, 12)}`);
  const reference = referenceOf(version.manifest);
  if (reference) {
    const mismatch = shapeMismatch(reference, window);
    if (mismatch) return refused('E_STATS_SHAPE', mismatch);
  }
  const shadowShape = shadowMismatch(window);
  if (shadowShape) return refused('E_STATS_SHAPE', shadowShape);
  const { shadow, ...served } = window;
  if (shadow) {
    const candidate = getVersion(ctx.db, shadow.model, shadow.version);
    if (!candidate || candidate.sha256 !== shadow.sha256) return refused('E_UNKNOWN_VERSION', `shadow: no version ${shadow.model}@${shadow.version} with artifact ${shadow.sha256.slice(0, 12)}`);
  }
  pruneIfDue(ctx, nowMs);
  const receivedAt = now.toISOString();
  const hour = hourOf(window.windowStart);
  return ctx.db.transaction((tx): StatsOutcome => {
    const key = { deviceId, model: window.model, version: window.version, hour };
    const existing = getStatsBucket(tx, key);
    const shadowKey: ShadowBucketKey | null = shadow ? { ...key, shadowModel: shadow.model, shadowVersion: shadow.version, shadowSha256: shadow.sha256 } : null;
    const existingShadow = shadowKey ? getShadowBucket(tx, shadowKey) : undefined;
    let merged: StatsWindow = served;
    let mergedShadow: ShadowStats | undefined = shadow;
    try {
      if (existing) merged = mergeStatsWindows(withoutShadow(parseWith(statsWindowSchema, existing.merged, 'stored stats bucket')), served);
      if (existingShadow) mergedShadow = mergeShadow(parseWith(shadowStatsSchema, existingShadow.merged, 'stored shadow bucket'), shadow);
    } catch (error) {
      return refused('E_STATS_SHAPE', error instanceof Error ? error.message : String(error));
    }
    // Claimed in the same transaction as the merge: a redelivery changes nothing.
    if (!claimStatsMessage(tx, { msgId: window.msgId, deviceId, model: window.model, version: window.version, windowStart: window.windowStart, receivedAt })) return { stored: true, duplicate: true };
    upsertStatsBucket(tx, { ...key, sha256: window.sha256, windows: (existing?.windows ?? 0) + 1, merged, updatedAt: receivedAt });
    if (shadowKey && mergedShadow) upsertShadowBucket(tx, { ...shadowKey, windows: (existingShadow?.windows ?? 0) + 1, merged: mergedShadow, updatedAt: receivedAt });
    return { stored: true, duplicate: false };
  });
}

/** Buckets stored by this version never hold a shadow section; the type does not know that. */
function withoutShadow(window: StatsWindow): StatsWindow {
  const { shadow: _shadow, ...rest } = window;
  return rest;
}
