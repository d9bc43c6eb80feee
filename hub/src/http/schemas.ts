/**
 * Request and response shapes of the admin and device HTTP API. The same zod schemas validate
 * requests and generate the OpenAPI document, so the two cannot drift apart.
 */
import { z } from 'zod';
import {
  deviceEventSchema,
  deviceIdSchema,
  envelopeSchema,
  ioSpecSchema,
  modelNameSchema,
  probeSchema,
  releaseManifestSchema,
  reportedStateSchema,
  sha256Schema,
  versionLabelSchema,
} from '@edgefleet/protocol';

const tagKeySchema = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1-64 of A-Z a-z 0-9 _ . -');
export const tagsSchema = z.record(tagKeySchema, z.string().max(256)).refine((tags) => Object.keys(tags).length <= 32, 'at most 32 tags');
export const ringSchema = z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, 'must be 1-32 of A-Z a-z 0-9 _ -');

export const enrolDeviceBody = z.strictObject({ id: deviceIdSchema, ring: ringSchema.default('default'), tags: tagsSchema.default({}) });
export const enrolDeviceResponse = z.object({ id: deviceIdSchema, secret: z.string().describe('shown once; stored only as a keyed hash (HMAC-SHA256)') });
export const rotateSecretResponse = enrolDeviceResponse.extend({
  sessionEnded: z.boolean().describe("whether the device's live MQTT session was ended (always false with an external broker, which must drop it itself)"),
});
export const decommissionResponse = z.object({
  id: deviceIdSchema,
  decommissionedAt: z.string(),
  sessionEnded: z.boolean().describe("whether this call ended a live MQTT session (false on a repeat, and with an external broker)"),
});

export const placeDeviceBody = z
  .strictObject({ ring: ringSchema.optional(), tags: tagsSchema.optional() })
  .refine((b) => b.ring !== undefined || b.tags !== undefined, 'give ring, tags or both');
export const deviceParams = z.object({ id: deviceIdSchema });
export const modelParams = z.object({ model: modelNameSchema });
export const versionParams = z.object({ model: modelNameSchema, version: versionLabelSchema });
export const artifactParams = z.object({ sha256: sha256Schema });

const versionRef = z.strictObject({ model: modelNameSchema, version: versionLabelSchema });
export const assignmentBody = z.strictObject({
  model: modelNameSchema,
  version: versionLabelSchema,
  shadow: versionRef
    .nullable()
    .optional()
    .describe('a version (of this or any model) the device runs in shadow mode on the same inputs, never serving it, reporting agreement and latency; absent or null: none'),
  trafficShare: z
    .number()
    .gt(0)
    .lt(1)
    .nullable()
    .optional()
    .describe('ramp-up: the share of requests the shadow answers instead of the version (sticky by request key); needs a shadow; absent or null: the shadow only runs beside'),
}).refine((body) => body.trafficShare == null || body.shadow != null, { message: 'trafficShare needs a shadow: the share of requests goes to the shadow', path: ['trafficShare'] });
export const assignmentResponse = z.object({ device: deviceIdSchema, model: modelNameSchema, version: versionLabelSchema, seq: z.number().int(), shadow: versionRef.nullable() });

export const probeHintsSchema = z.record(
  z.string().min(1).max(256),
  z.strictObject({
    dims: z.array(z.number().int().min(0).max(1_000_000)).max(8),
    data: z.array(z.union([z.number(), z.boolean(), z.string()])).max(16_384).optional(),
  }),
);
export const uploadQuery = z.object({
  version: versionLabelSchema.optional().describe('version label; defaults to the release counter'),
  probe: z.string().max(65_536).optional().describe('JSON {"<input>": {"dims": [..], "data"?: [..]}} giving probe shapes and values'),
});
const ioSchema = z.object({ inputs: z.array(ioSpecSchema), outputs: z.array(ioSpecSchema) });
export const uploadResponse = z.object({ model: modelNameSchema, version: versionLabelSchema, sha256: sha256Schema, size: z.number().int(), releaseCounter: z.number().int(), io: ioSchema });

export const deviceView = z.object({
  id: deviceIdSchema,
  ring: z.string(),
  tags: z.record(z.string(), z.string()),
  createdAt: z.string(),
  decommissionedAt: z.string().nullable().describe('when DELETE /api/v1/devices/{id} took it out of service; null while in service'),
  online: z.boolean(),
  lastSeenAt: z.string().nullable(),
  lastErrorCode: z.string().nullable(),
  state: reportedStateSchema.nullable(),
  assignment: z.object({ model: z.string(), version: z.string(), seq: z.number().int(), assignedAt: z.string(), shadow: z.object({ model: z.string(), version: z.string() }).nullable() }).nullable(),
});
export const deviceList = z.object({
  devices: z.array(deviceView),
  nextCursor: z.string().nullable().describe('pass as `cursor` for the next page; null on the last page (and without `limit`)'),
});

/** GET /api/v1/devices: keyset pages in id order, filtered by the database. */
export const deviceListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).optional().describe('devices per page (at most 500); without it, every matching device'),
  cursor: z.string().min(1).max(128).optional().describe("the previous page's nextCursor"),
  ring: z.string().min(1).max(64).optional(),
  tag: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}:.{0,256}$/, 'must be key:value')
    .optional()
    .describe('key:value: devices carrying this tag with this value'),
  status: z.enum(['online', 'offline', 'decommissioned']).optional(),
  model: z.string().min(1).max(128).optional().describe('assigned this model'),
  version: z.string().min(1).max(128).optional().describe('assigned this version (with model)'),
  q: z.string().min(1).max(64).optional().describe('ids containing this text, case-insensitively'),
});

export const modelList = z.object({
  models: z.array(
    z.object({
      name: z.string(),
      createdAt: z.string(),
      versions: z.array(
        z.object({
          version: z.string(),
          releaseCounter: z.number().int(),
          sha256: sha256Schema,
          size: z.number().int(),
          createdAt: z.string(),
          archivedAt: z.string().nullable().describe('set while archived (listed only with ?archived=true)'),
        }),
      ),
    }),
  ),
});
export const archivedQuery = z.object({ archived: z.enum(['true', 'false']).optional().describe('true: archived ones too (each with archivedAt); deleted ones are never listed') });
export const sampleInputsParams = z.object({ id: sha256Schema });
export const versionLifecycleResponse = z.object({
  model: z.string(),
  version: z.string(),
  releaseCounter: z.number().int(),
  archivedAt: z.string().nullable(),
  deletedAt: z.string().nullable(),
});
/** What became of a file a deletion let go: removed, already absent, or kept because something alive needs it. */
export const fileOutcome = z.discriminatedUnion('file', [
  z.object({ file: z.literal('removed') }),
  z.object({ file: z.literal('absent') }),
  z.object({ file: z.literal('kept'), neededBy: z.array(z.string()).describe('what still needs the same bytes (empty: removing failed; see the hub log)') }),
]);
export const deletedVersionResponse = versionLifecycleResponse.extend({
  deletedAt: z.string(),
  sha256: sha256Schema,
  alreadyDeleted: z.boolean().describe('deleted by an earlier call: this one only retried removing its files'),
  files: z.object({ artifact: fileOutcome.describe('the model file'), probeBlob: fileOutcome.nullable().describe('null: its probe rides inline in the manifest') }),
});
export const versionDetail = z.object({
  model: z.string(),
  version: z.string(),
  releaseCounter: z.number().int(),
  sha256: sha256Schema,
  size: z.number().int(),
  io: ioSchema,
  opset: z.number().int().nullable(),
  probe: probeSchema,
  createdAt: z.string(),
  archivedAt: z.string().nullable().describe('set while archived: refused for new use, devices running it keep it'),
  manifest: releaseManifestSchema.describe('the release manifest, decoded from the signed envelope'),
  manifestEnvelope: envelopeSchema.describe('the signed release manifest, exactly as agents receive it'),
});

export const eventList = z.object({
  events: z.array(z.object({ eventId: z.string(), kind: z.string(), code: z.string().nullable(), at: z.string(), receivedAt: z.string(), body: deviceEventSchema })),
});

export { deviceConfigSchema as deviceConfigResponse } from '@edgefleet/protocol';
export const healthResponse = z.object({ status: z.literal('ok') });
const counterMap = z.record(z.string(), z.number().int());
const embeddedBrokerCounters = z.object({
  kind: z.literal('embedded'),
  connections: z.number().int(),
  connectionsRefused: z.number().int(),
  authFailures: z.number().int(),
  authThrottled: z.number().int().describe('connects refused at once because their address or device id failed too often recently (CONNACK 5)'),
  authBusy: z.number().int().describe('connects refused because the queue of slow (legacy scrypt) checks was full (CONNACK 3)'),
  publishDenied: z.number().int(),
  subscribeDenied: z.number().int(),
  willDenied: z.number().int(),
  oversizedPackets: z.number().int(),
  publishRateLimited: z.number().int().describe('publishes over a device or fleet rate limit (admission control); each ends the connection, the device sends again later'),
  connectsRefused: z
    .object({
      unsupportedProtocolVersion: z.number().int().describe('CONNECTs of MQTT 5 (or 3.1) clients: the embedded broker speaks MQTT 3.1.1 only (CONNACK 1, reason 132 to an MQTT 5 client)'),
      identifierRejected: z.number().int(),
      serverUnavailable: z.number().int(),
      badCredentials: z.number().int(),
      notAuthorized: z.number().int(),
      other: z.number().int(),
    })
    .describe('every CONNECT refused with a CONNACK, by reason'),
});
const externalBrokerCounters = z.object({
  kind: z.literal('external'),
  url: z.string().describe('the broker URL without credentials'),
  connected: z.boolean(),
  reconnects: z.number().int(),
  messagesReceived: z.number().int(),
  messagesPublished: z.number().int(),
  messagesDropped: z.number().int(),
});
export const brokerStatsResponse = z.object({
  broker: z
    .discriminatedUnion('kind', [embeddedBrokerCounters, externalBrokerCounters])
    .describe('the embedded broker counts connections and refusals; with an external broker, its own statistics are the operator’s to read'),
  ingest: z.object({ received: counterMap, rejected: counterMap.describe('rejected device messages by error code') }),
});
export const auditQuery = z.object({ subject: z.string().max(200).optional(), limit: z.coerce.number().int().min(1).max(1000).default(100) });
export const auditResponse = z.object({
  entries: z.array(z.object({ id: z.number().int(), at: z.string(), actor: z.string(), action: z.string(), subject: z.string(), details: z.unknown() })),
});
export const errorResponse = z.object({ error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }) });
