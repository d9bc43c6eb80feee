import { z } from 'zod';
import { deviceIdSchema, isoTimeSchema, modelNameSchema, versionLabelSchema } from './common';

/** Counts on fixed bins plus moments: everything here merges by addition (PROTOCOL). */
export const featureStatsSchema = z.strictObject({
  name: z.string(),
  counts: z.array(z.number().int().min(0)),
  underflow: z.number().int().min(0),
  overflow: z.number().int().min(0),
  missing: z.number().int().min(0),
  sum: z.number(),
  sumSq: z.number(),
  min: z.number().nullable(),
  max: z.number().nullable(),
});
export type FeatureStats = z.infer<typeof featureStatsSchema>;

/** First version of the statistics window; the statistics issue gives it its full shape. */
export const statsWindowSchema = z.strictObject({
  msgId: z.string().min(8).max(64),
  device: deviceIdSchema,
  model: modelNameSchema,
  version: versionLabelSchema,
  windowStart: isoTimeSchema,
  windowEnd: isoTimeSchema,
  n: z.number().int().min(0),
  errors: z.record(z.string(), z.number().int().min(0)),
  latencyMs: z.strictObject({ edges: z.array(z.number()), counts: z.array(z.number().int().min(0)) }),
  features: z.array(featureStatsSchema),
  outputs: z.array(featureStatsSchema),
});
export type StatsWindow = z.infer<typeof statsWindowSchema>;
