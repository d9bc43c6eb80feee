import { z } from 'zod';
import { deviceIdSchema, envelopeSchema, isoTimeSchema, seqSchema } from './common';

/** The desired state of one device, signed and retained on its `desired` topic. */
export const deploymentDocSchema = z.strictObject({
  type: z.literal('deployment'),
  v: z.literal(1),
  device: deviceIdSchema,
  seq: seqSchema.min(1),
  expires: isoTimeSchema,
  rollout: z.strictObject({ id: z.string().min(1).max(64), step: z.number().int().min(0) }).nullable(),
  /** the signed release manifest to serve, embedded as its envelope */
  active: envelopeSchema,
  previous: envelopeSchema.nullable(),
  shadow: envelopeSchema.nullable().optional(),
  allowDowngrade: z.boolean(),
  statsIntervalS: z.number().int().min(1).max(86_400),
});
export type DeploymentDoc = z.infer<typeof deploymentDocSchema>;
