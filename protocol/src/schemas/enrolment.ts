/**
 * The two HTTP exchanges a device makes before it speaks MQTT: a browser trading an operator's
 * enrolment token for its own credentials (`POST /device/v1/enrol`), and every device reading its
 * bootstrap config (`GET /device/v1/config`: where the broker is, and the trust document it pins
 * on first use). The hub answers with these shapes and device runtimes read them with them.
 */
import * as z from 'zod';
import { deviceIdSchema, envelopeSchema } from './common';

export const ENROLMENT_TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export const enrolRequestSchema = z.strictObject({
  token: z.string().regex(ENROLMENT_TOKEN_PATTERN, 'must be the 43-character enrolment token the operator issued'),
});
export type EnrolRequest = z.infer<typeof enrolRequestSchema>;

export const enrolResponseSchema = z.object({
  id: deviceIdSchema.describe('the new device id (web-...)'),
  secret: z.string().min(1).max(512).describe('shown once; stored only as a keyed hash (HMAC-SHA256)'),
  ring: z.string().max(64),
  hubUrl: z.string().max(2048).describe("the hub's public URL"),
  mqttWsUrl: z.string().max(2048).describe('MQTT over WebSocket, where the page connects with id and secret'),
});
export type EnrolResponse = z.infer<typeof enrolResponseSchema>;

export const deviceConfigSchema = z.object({
  mqttUrl: z.string().max(2048),
  wsUrl: z.string().max(2048),
  trust: envelopeSchema,
});
export type DeviceConfig = z.infer<typeof deviceConfigSchema>;
