import * as z from 'zod';
import { DEVICE_ID_PATTERN } from '../topics';

export const PROTOCOL_VERSION = 1;

/** The patterns of the identifiers below, for readers that check them without a schema (stats-fast-unpack.ts). */
export const MODEL_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const VERSION_LABEL_PATTERN = /^[A-Za-z0-9][A-Za-z0-9.+_-]{0,63}$/;
export const SHA256_PATTERN = /^[0-9a-f]{64}$/;
/** what isoTimeSchema accepts: zod's own datetime pattern with an offset or Z */
export const ISO_TIME_PATTERN: RegExp = z.regexes.datetime({ offset: true });

export const deviceIdSchema = z.string().regex(DEVICE_ID_PATTERN, 'must match ^[A-Za-z0-9_-]{1,64}$');
export const modelNameSchema = z.string().regex(MODEL_NAME_PATTERN, 'must be 1-64 of A-Z a-z 0-9 . _ - starting with a letter or digit');
export const versionLabelSchema = z.string().regex(VERSION_LABEL_PATTERN, 'must be a semver or integer label');
export const sha256Schema = z.string().regex(SHA256_PATTERN, 'must be 64 lowercase hex digits');
export const isoTimeSchema = z.iso.datetime({ offset: true });
/** PROTOCOL: seq is a safe integer; the largest safe value is refused so no doc can freeze a device (THREATS 9). */
export const seqSchema = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER - 1);

export const tensorTypeSchema = z.enum(['float32', 'float64', 'int8', 'uint8', 'int16', 'int32', 'int64', 'bool', 'string', 'float16']);
export type TensorType = z.infer<typeof tensorTypeSchema>;

/** A tensor as JSON: the shape the agent's local API, probes and predictions use. */
export const tensorJsonSchema = z.strictObject({
  type: tensorTypeSchema,
  dims: z.array(z.number().int().min(0)).max(8),
  data: z.array(z.union([z.number(), z.boolean(), z.string()])),
});
export type TensorJson = z.infer<typeof tensorJsonSchema>;

/** The short reference to a release used in reported state and the registry. */
export const modelRefSchema = z.strictObject({
  model: modelNameSchema,
  version: versionLabelSchema,
  sha256: sha256Schema,
});
export type ModelRef = z.infer<typeof modelRefSchema>;

export const signatureSchema = z.strictObject({
  keyid: z.string().regex(/^[0-9a-f]{64}$/),
  sig: z.string().min(1).max(200),
});

/** PROTOCOL: the signed envelope. The payload stays as base64 of the exact signed bytes. */
export const envelopeSchema = z.strictObject({
  payload: z.string().min(1),
  signatures: z.array(signatureSchema).min(1).max(16),
});
export type Envelope = z.infer<typeof envelopeSchema>;
