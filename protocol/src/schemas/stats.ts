import { z } from 'zod';
import { deviceIdSchema, isoTimeSchema, modelNameSchema, versionLabelSchema } from './common';

/**
 * One device's statistics for one model version over one window (DRIFT.md "What a device
 * sends"). Everything is a count on bins fixed by the release's reference profile, or a moment:
 * windows merge by addition (see stats-window.ts), so fleet, ring, tag and device views are sums.
 * Arrays follow the reference profile's order (features[i] is reference.features[i]).
 */
const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** Counts on reference bins plus the moments of the finite values. */
export const binnedStatsSchema = z.strictObject({
  counts: z.array(count).max(256),
  underflow: count,
  overflow: count,
  missing: count,
  sum: z.number(),
  sumSq: z.number().min(0),
  min: z.number().nullable(),
  max: z.number().nullable(),
});
export type BinnedStats = z.infer<typeof binnedStatsSchema>;

export const categoricalStatsSchema = z.strictObject({
  counts: z.array(count).max(256),
  unseen: count,
  missing: count,
});
export type CategoricalStats = z.infer<typeof categoricalStatsSchema>;

export const featureStatsSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('numeric'), ...binnedStatsSchema.shape }),
  z.strictObject({ kind: z.literal('categorical'), ...categoricalStatsSchema.shape }),
]);
export type FeatureStats = z.infer<typeof featureStatsSchema>;

export const outputStatsSchema = z.discriminatedUnion('kind', [
  /** predicted class counts, and a histogram of the top class probability (confidence) */
  z.strictObject({ kind: z.literal('class'), counts: z.array(count).max(1024), confidence: binnedStatsSchema }),
  z.strictObject({ kind: z.literal('numeric'), ...binnedStatsSchema.shape }),
]);
export type OutputStats = z.infer<typeof outputStatsSchema>;

/** The OOD score on the reference's bins, and how often it exceeded the reference p95 / p99. */
export const oodStatsSchema = z.strictObject({
  score: binnedStatsSchema,
  aboveP95: count,
  aboveP99: count,
});
export type OodStats = z.infer<typeof oodStatsSchema>;

/** Fixed latency bins (milliseconds) shared by every device, so latency merges like the rest. */
export const LATENCY_EDGES_MS = [0, 0.1, 0.25, 0.5, 1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 10_000] as const;

export const statsWindowSchema = z.strictObject({
  /** unique per window; the hub dedupes on it */
  msgId: z.string().min(8).max(64),
  device: deviceIdSchema,
  model: modelNameSchema,
  version: versionLabelSchema,
  /** the artifact hash of the version, so a relabelled version can never be mixed up */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  windowStart: isoTimeSchema,
  windowEnd: isoTimeSchema,
  /** predictions (rows) counted in this window */
  n: count,
  /** failed predictions by error code */
  errors: z.record(z.string().max(64), count),
  /** counts on LATENCY_EDGES_MS, per request */
  latencyMs: binnedStatsSchema,
  features: z.array(featureStatsSchema).max(1024),
  outputs: z.array(outputStatsSchema).max(64),
  ood: oodStatsSchema.nullable(),
  /** windows merged on the device because its offline queue was full (store and forward) */
  merged: count.optional(),
  /** windows lost for good on the device (counted, never silent) */
  lost: count.optional(),
});
export type StatsWindow = z.infer<typeof statsWindowSchema>;
