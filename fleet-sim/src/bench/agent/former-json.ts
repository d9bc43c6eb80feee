/**
 * The local API's former JSON validation and prediction-id encoder, kept as references for the
 * throughput breakdown (beside the current one-pass parser and fast encoder). Separate because
 * nothing but the bench uses them: they are not the agent's code any more.
 */
import { z } from 'zod';
import type { PredictionRef, ReleaseManifest, TensorJson } from '@edgefleet/protocol';
import { describeIssues, deviceIdSchema, modelNameSchema, predictedValueSchema, tensorJsonSchema, toBase64, utf8Encode, versionLabelSchema } from '@edgefleet/protocol';
import { checkInputs } from '../../../../agent/src/core/predict-request';

/** The local API's body check before the one-pass parser: a zod schema, then every element again. */
const formerBodySchema = z.strictObject({ inputs: z.record(z.string(), tensorJsonSchema) });
export function formerParse(body: unknown, release: ReleaseManifest): Record<string, TensorJson> {
  const parsed = formerBodySchema.safeParse(body);
  if (!parsed.success) throw new Error(describeIssues(parsed.error));
  return checkInputs(parsed.data.inputs, release.io.inputs, 'inputs');
}

/** encodePredictionId before its fast path: zod parse of the object it built, JSON, UTF-8, base64, three replaces. */
const formerIdSchema = z.strictObject({
  d: deviceIdSchema,
  m: modelNameSchema,
  v: versionLabelSchema,
  t: z.number().int().min(0).max(8_640_000_000_000_000),
  n: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/),
  i: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  p: predictedValueSchema.optional(),
});
export function formerEncode(ref: PredictionRef): string {
  const compact = { d: ref.device, m: ref.model, v: ref.version, t: ref.at, n: ref.nonce, i: ref.row, ...(ref.predicted === undefined ? {} : { p: ref.predicted }) };
  const parsed = formerIdSchema.parse(compact);
  return toBase64(utf8Encode(JSON.stringify(parsed))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
