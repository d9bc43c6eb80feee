/**
 * Prediction ids (issue 5 "Feedback"): the agent's local API returns one per row, and a
 * ground-truth label posted to the hub later names the prediction by it. The id carries what the
 * hub needs to file the label without any upload from the device: device, model, version, time
 * and the predicted value. It is base64url of a compact JSON object
 * `{ "d": device, "m": model, "v": version, "t": epoch ms, "n": request nonce, "i": row, "p"?: predicted }`.
 * `n` (random per request) with `i` (the row in the batch) keeps ids of one device unique even
 * within one millisecond, so a label keyed by the id can never land on another prediction.
 * Ids are not signed: whoever holds the admin token may post labels, so an id is a reference, not
 * a proof. Browser-safe (no Buffer).
 */
import { z } from 'zod';
import { fromBase64, toBase64, utf8Decode, utf8Encode } from './bytes';
import { ProtocolError } from './errors';
import { describeIssues } from './parse';
import { deviceIdSchema, modelNameSchema, versionLabelSchema } from './schemas/common';

/** Longest id accepted: a 64-char device, model and version and a class name fit well within it. */
export const MAX_PREDICTION_ID_LENGTH = 1024;
/** Longest class name (or other string prediction) an id carries. */
export const MAX_PREDICTED_LENGTH = 256;

/** A predicted value: a class name, or a number (regression value, score). */
export const predictedValueSchema = z.union([z.string().min(1).max(MAX_PREDICTED_LENGTH), z.number().refine(Number.isFinite, 'must be a finite number')]);
export type PredictedValue = z.infer<typeof predictedValueSchema>;

const compactSchema = z.strictObject({
  d: deviceIdSchema,
  m: modelNameSchema,
  v: versionLabelSchema,
  t: z.number().int().min(0).max(8_640_000_000_000_000),
  n: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, 'must be 1-32 of A-Z a-z 0-9 _ -'),
  i: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  p: predictedValueSchema.optional(),
});

/** What a prediction id says, with readable names. */
export interface PredictionRef {
  device: string;
  model: string;
  version: string;
  /** when the prediction was made, epoch milliseconds (the device's clock) */
  at: number;
  /** random per request */
  nonce: string;
  /** the row of the batch (index of the inputs' first dimension) */
  row: number;
  /** absent when the version had no reference profile telling what its prediction is */
  predicted?: PredictedValue;
}

const toBase64Url = (bytes: Uint8Array): string => toBase64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

function fromBase64Url(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return null;
  const padded = text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4);
  return fromBase64(padded);
}

/** Throws E_SCHEMA naming the field when `ref` cannot be carried (a bad device id, a NaN time). */
export function encodePredictionId(ref: PredictionRef): string {
  const compact = { d: ref.device, m: ref.model, v: ref.version, t: ref.at, n: ref.nonce, i: ref.row, ...(ref.predicted === undefined ? {} : { p: ref.predicted }) };
  const parsed = compactSchema.safeParse(compact);
  if (!parsed.success) throw new ProtocolError('E_SCHEMA', `prediction id: ${describeIssues(parsed.error)}`);
  const id = toBase64Url(utf8Encode(JSON.stringify(parsed.data)));
  if (id.length > MAX_PREDICTION_ID_LENGTH) throw new ProtocolError('E_TOO_LARGE', `prediction id would be ${id.length} characters (limit ${MAX_PREDICTION_ID_LENGTH})`);
  return id;
}

/** Throws E_SCHEMA (or E_BAD_JSON) saying what is wrong with `id`. */
export function decodePredictionId(id: string): PredictionRef {
  if (id.length === 0 || id.length > MAX_PREDICTION_ID_LENGTH) throw new ProtocolError('E_SCHEMA', `prediction id must be 1-${MAX_PREDICTION_ID_LENGTH} characters`);
  const bytes = fromBase64Url(id);
  // Canonical only (no stray padding bits): one prediction, one spelling of its id.
  if (!bytes || toBase64Url(bytes) !== id) throw new ProtocolError('E_SCHEMA', 'prediction id is not canonical base64url');
  let json: unknown;
  try {
    json = JSON.parse(utf8Decode(bytes));
  } catch (cause) {
    throw new ProtocolError('E_BAD_JSON', 'prediction id does not hold UTF-8 JSON', { cause });
  }
  const parsed = compactSchema.safeParse(json);
  if (!parsed.success) throw new ProtocolError('E_SCHEMA', `prediction id: ${describeIssues(parsed.error)}`);
  const { d, m, v, t, n, i, p } = parsed.data;
  return { device: d, model: m, version: v, at: t, nonce: n, row: i, ...(p === undefined ? {} : { predicted: p }) };
}

/**
 * The one spelling of the id of `ref`: what keys a label, so the same prediction posted with its
 * JSON fields in another order is still the same prediction.
 */
export const canonicalPredictionId = (id: string): string => encodePredictionId(decodePredictionId(id));

/** A zod schema for ids at a boundary: a string that decodes (the message says why it does not). */
export const predictionIdSchema = z
  .string()
  .min(1)
  .max(MAX_PREDICTION_ID_LENGTH)
  .superRefine((id, ctx) => {
    try {
      decodePredictionId(id);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: error instanceof Error ? error.message : String(error) });
    }
  });
