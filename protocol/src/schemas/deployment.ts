import * as z from 'zod';
import { deviceIdSchema, envelopeSchema, isoTimeSchema, seqSchema, sha256Schema } from './common';

/** Largest release manifest envelope a device fetches (reference profiles of wide models are the bulk). */
export const MAX_RELEASE_MANIFEST_BYTES = 4 * 1024 * 1024;

/** A release manifest named by the SHA-256 and size of its envelope bytes (release-ref.ts). */
export const releaseRefSchema = z.strictObject({
  sha256: sha256Schema,
  size: z.number().int().min(2).max(MAX_RELEASE_MANIFEST_BYTES),
});
export type ReleaseRef = z.infer<typeof releaseRefSchema>;

/** A release in a deployment doc: by reference (what the hub sends) or inline as its envelope (older docs). */
export const releaseSourceSchema = z.union([releaseRefSchema, envelopeSchema]);
export type ReleaseSource = z.infer<typeof releaseSourceSchema>;
export const isReleaseRef = (source: ReleaseSource): source is ReleaseRef => 'sha256' in source;

/** The desired state of one device, signed and retained on its `desired` topic. */
export const deploymentDocSchema = z.strictObject({
  type: z.literal('deployment'),
  v: z.literal(1),
  device: deviceIdSchema,
  seq: seqSchema.min(1),
  expires: isoTimeSchema,
  rollout: z.strictObject({ id: z.string().min(1).max(64), step: z.number().int().min(0) }).nullable(),
  /** the signed release manifest to serve */
  active: releaseSourceSchema,
  previous: releaseSourceSchema.nullable(),
  shadow: releaseSourceSchema.nullable().optional(),
  /**
   * Traffic ramp-up (ROLLOUTS "Shadow"): the shadow candidate answers this share of the device's
   * requests instead of running beside (sticky per request key), the serving release the rest.
   * Absent: the shadow only runs beside. Only with a shadow.
   */
  trafficShare: z.number().gt(0).lt(1).optional(),
  allowDowngrade: z.boolean(),
  statsIntervalS: z.number().int().min(1).max(86_400),
}).refine((doc) => doc.trafficShare === undefined || (doc.shadow !== undefined && doc.shadow !== null), {
  message: 'trafficShare needs a shadow: the share of requests goes to the shadow candidate',
  path: ['trafficShare'],
});
export type DeploymentDoc = z.infer<typeof deploymentDocSchema>;
