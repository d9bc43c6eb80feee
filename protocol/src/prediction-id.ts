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
import * as z from 'zod';
import { fromBase64, toBase64, utf8Decode, utf8Encode } from './bytes';
import { ProtocolError } from './errors';
import { describeIssues } from './parse';
import { deviceIdSchema, modelNameSchema, versionLabelSchema } from './schemas/common';
import { DEVICE_ID_PATTERN } from './topics';

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

/** Unpadded base64url of `text`, which holds only code points below 0x80 (so its chars are its UTF-8 bytes). */
function asciiToBase64Url(text: string): string {
  // btoa is native in browsers and Node; its input is Latin-1, which ASCII is a subset of.
  let out = btoa(text);
  if (out.includes('+')) out = out.replaceAll('+', '-');
  if (out.includes('/')) out = out.replaceAll('/', '_');
  const n = out.length;
  if (out.charCodeAt(n - 1) !== 61) return out;
  return out.charCodeAt(n - 2) === 61 ? out.slice(0, n - 2) : out.slice(0, n - 1);
}

// The fields' rules of compactSchema, as plain checks: the encoder builds its object itself, so
// the hot path (one id per row of every prediction) needs no zod parse. Whatever these do not
// accept goes through compactSchema, which names the field (or, should the two ever disagree,
// accepts it: the schema is the rule, these are only a shortcut).
const MODEL_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const VERSION_PATTERN = /^[A-Za-z0-9][A-Za-z0-9.+_-]{0,63}$/;
const NONCE_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;
const MAX_AT = 8_640_000_000_000_000;

/** The last device/model/version triple that passed (they repeat for every row of every request). */
let checkedNames: { d: string; m: string; v: string } | null = null;
/** The last nonce that passed (it repeats for every row of a request). */
let checkedNonce: string | null = null;

function nonceFits(nonce: unknown): boolean {
  if (nonce === checkedNonce) return true;
  if (typeof nonce !== 'string' || !NONCE_PATTERN.test(nonce)) return false;
  checkedNonce = nonce;
  return true;
}

function namesFit(d: unknown, m: unknown, v: unknown): boolean {
  const last = checkedNames;
  if (last !== null && last.d === d && last.m === m && last.v === v) return true;
  if (typeof d !== 'string' || typeof m !== 'string' || typeof v !== 'string' || !DEVICE_ID_PATTERN.test(d) || !MODEL_PATTERN.test(m) || !VERSION_PATTERN.test(v)) return false;
  checkedNames = { d, m, v };
  return true;
}

const predictedFits = (p: unknown): boolean =>
  p === undefined || (typeof p === 'string' ? p.length >= 1 && p.length <= MAX_PREDICTED_LENGTH : typeof p === 'number' && Number.isFinite(p));

function refFits(ref: PredictionRef): boolean {
  const { at, row, nonce } = ref;
  return (
    namesFit(ref.device, ref.model, ref.version) &&
    Number.isSafeInteger(at) &&
    at >= 0 &&
    at <= MAX_AT &&
    nonceFits(nonce) &&
    Number.isSafeInteger(row) &&
    row >= 0 &&
    predictedFits(ref.predicted)
  );
}

/** `JSON.stringify` of the compact object of a `ref` that fits: d, m, v and n need no escaping (their patterns allow none). */
function compactJson(ref: PredictionRef): string {
  // String(-0) and JSON.stringify(-0) are both "0"; integers print the same either way.
  const head = `{"d":"${ref.device}","m":"${ref.model}","v":"${ref.version}","t":${String(ref.at)},"n":"${ref.nonce}","i":${String(ref.row)}`;
  const p = ref.predicted;
  return p === undefined ? `${head}}` : `${head},"p":${JSON.stringify(p)}}`;
}

/** True when every char of `text` is below 0x80. */
const isAscii = (text: string): boolean => !/[^\x00-\x7f]/.test(text);

/** Throws E_SCHEMA naming the field when `ref` cannot be carried (a bad device id, a NaN time). */
export function encodePredictionId(ref: PredictionRef): string {
  let json: string;
  if (refFits(ref)) {
    json = compactJson(ref);
  } else {
    const compact = { d: ref.device, m: ref.model, v: ref.version, t: ref.at, n: ref.nonce, i: ref.row, ...(ref.predicted === undefined ? {} : { p: ref.predicted }) };
    const parsed = compactSchema.safeParse(compact);
    if (!parsed.success) throw new ProtocolError('E_SCHEMA', `prediction id: ${describeIssues(parsed.error)}`);
    json = JSON.stringify(parsed.data);
  }
  // Only a string prediction can hold non-ASCII text (the other fields' patterns allow none, and
  // JSON.stringify escapes lone surrogates).
  const id = typeof ref.predicted === 'string' && !isAscii(ref.predicted) ? toBase64Url(utf8Encode(json)) : asciiToBase64Url(json);
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
