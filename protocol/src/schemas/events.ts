import * as z from 'zod';
import { ERROR_CODES } from '../errors';
import { deviceIdSchema, isoTimeSchema, modelRefSchema, seqSchema } from './common';

/**
 * `shadow-loaded`: the doc's shadow candidate is loaded and probed and runs beside the serving
 * model; `shadow-failed`: it was refused or could not be downloaded, loaded or probed (with the
 * error); it was dropped and serving is unaffected.
 */
export const EVENT_KINDS = ['doc-rejected', 'install-started', 'installed', 'activated', 'rollback', 'install-failed', 'stale', 'shadow-loaded', 'shadow-failed'] as const;

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
