import * as z from 'zod';

/**
 * The reference profile a release carries in its signed manifest (DRIFT "What a device sends"):
 * bins fixed at release time, so every device counts on the same bins and the hub merges by
 * addition. `source` says where a feature lives in the model's inputs: column `index` of the
 * last dimension of input tensor `input`.
 */
const countSchema = z.number().int().min(0);
const sourceSchema = z.strictObject({ input: z.string().min(1), index: z.number().int().min(0) });

/** Bins are [edges[i], edges[i+1]) with the last one closed; values outside go to under/overflow. */
export const numericBinsSchema = z
  .strictObject({
    edges: z.array(z.number()).min(2).max(257),
    counts: z.array(countSchema),
    underflow: countSchema,
    overflow: countSchema,
    missing: countSchema,
    mean: z.number(),
    sd: z.number().min(0),
  })
  .refine((bins) => bins.counts.length === bins.edges.length - 1, { message: 'counts must have one entry per bin (edges.length - 1)', path: ['counts'] })
  .refine((bins) => bins.edges.every((edge, i) => i === 0 || edge > (bins.edges[i - 1] ?? -Infinity)), { message: 'edges must strictly increase', path: ['edges'] });
export type NumericBins = z.infer<typeof numericBinsSchema>;

export const referenceFeatureSchema = z.discriminatedUnion('kind', [
  z.strictObject({ name: z.string().min(1), kind: z.literal('numeric'), source: sourceSchema, bins: numericBinsSchema }),
  z.strictObject({
    name: z.string().min(1),
    kind: z.literal('categorical'),
    source: sourceSchema,
    categories: z.array(z.string()).max(256),
    counts: z.array(countSchema),
    unseen: countSchema,
    missing: countSchema,
  }),
]);
export type ReferenceFeature = z.infer<typeof referenceFeatureSchema>;

export const referenceOutputSchema = z.discriminatedUnion('kind', [
  /**
   * a classifier's predicted class, and the reference histogram of its top class probability
   * (devices count their confidence on these bins; releases made before it have none, and then
   * confidence drift is not judged)
   */
  z.strictObject({ name: z.string().min(1), kind: z.literal('class'), classes: z.array(z.string()).min(1).max(1024), counts: z.array(countSchema), confidence: numericBinsSchema.optional() }),
  /** a regression value or anomaly score */
  z.strictObject({ name: z.string().min(1), kind: z.literal('numeric'), bins: numericBinsSchema }),
]);
export type ReferenceOutput = z.infer<typeof referenceOutputSchema>;

export const OOD_SCORES = ['max-softmax', 'reconstruction-error', 'standardized-distance'] as const;

/**
 * An out-of-distribution score, its reference histogram, and the exceedance thresholds: `p95` /
 * `p99` are the scores past which a row is more out of distribution than 95% / 99% of the
 * reference rows. For `max-softmax` a LOW top probability is out of distribution, so there they
 * are the 5% and 1% quantiles and a row exceeds when its score is below them; for the other
 * scores they are the 95% and 99% quantiles and a row exceeds when its score is above them.
 */
export const referenceOodSchema = z.strictObject({
  score: z.enum(OOD_SCORES),
  bins: numericBinsSchema,
  p95: z.number(),
  p99: z.number(),
});

/** For `max-softmax` a low score is out of distribution; for the others a high one. */
export const oodLowerIsWorse = (score: ReferenceOod['score']): boolean => score === 'max-softmax';
export type ReferenceOod = z.infer<typeof referenceOodSchema>;

export const referenceProfileSchema = z.strictObject({
  /** how many reference rows the counts came from */
  rows: z.number().int().min(1),
  features: z.array(referenceFeatureSchema).max(1024),
  outputs: z.array(referenceOutputSchema).max(64),
  ood: referenceOodSchema.nullable(),
});
export type ReferenceProfile = z.infer<typeof referenceProfileSchema>;
