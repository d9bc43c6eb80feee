import { z } from 'zod';
import { ERROR_CODES } from '../errors';
import { deviceIdSchema, isoTimeSchema, modelRefSchema, seqSchema } from './common';

export const EVENT_KINDS = ['doc-rejected', 'install-started', 'installed', 'activated', 'rollback', 'install-failed', 'stale'] as const;

/** Something that happened on a device; `id` is unique so the hub can dedupe redeliveries. */
export const deviceEventSchema = z.strictObject({
  id: z.string().min(8).max(64),
  device: deviceIdSchema,
  kind: z.enum(EVENT_KINDS),
  at: isoTimeSchema,
  seq: seqSchema.optional(),
  model: modelRefSchema.nullable().optional(),
  error: z.strictObject({ code: z.enum(ERROR_CODES), message: z.string().max(2000) }).optional(),
});
export type DeviceEvent = z.infer<typeof deviceEventSchema>;
