import * as z from 'zod';
import { deviceIdSchema, isoTimeSchema, modelNameSchema, sha256Schema, versionLabelSchema } from './common';

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

/**
 * Shadow mode (ROLLOUTS "Shadow"): a candidate release ran on the same inputs as the window's
 * serving version without its answers being served. One section per window, for one candidate
 * (named by model, version and artifact hash, like the window itself); a window never mixes two
 * candidates (the agent closes the window when its shadow changes). Merges by addition, only
 * with a section of the same candidate (see stats-window.ts).
 */
export const shadowStatsFields = {
  model: modelNameSchema,
  version: versionLabelSchema,
  sha256: sha256Schema,
  /** rows compared: rows whose served prediction could be read and on which the shadow ran */
  n: count,
  /** of those, rows on which the shadow's prediction agrees with the served one */
  agree: count,
  /** shadow runs that failed, by error code (their rows are not in n) */
  errors: z.record(z.string().max(64), count),
  /** shadow run latency per request, on LATENCY_EDGES_MS like the window's own latency */
  latencyMs: binnedStatsSchema,
  /** requests never compared because the shadow queue was full: the serve path does not wait */
  dropped: count,
};
export const shadowStatsSchema = z.strictObject(shadowStatsFields).refine((s) => s.agree <= s.n, { message: 'agree cannot exceed n', path: ['agree'] });
export type ShadowStats = z.infer<typeof shadowStatsSchema>;

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
  /** the candidate run in shadow mode beside this version; absent when none ran */
  shadow: shadowStatsSchema.optional(),
});
export type StatsWindow = z.infer<typeof statsWindowSchema>;
