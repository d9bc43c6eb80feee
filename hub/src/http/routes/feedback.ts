/** Admin routes for ground-truth labels and the accuracy they measure (issue 5 "Feedback"). */
import type { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { z } from 'zod';
import { deviceIdSchema, isoTimeSchema, MAX_PREDICTED_LENGTH, MAX_PREDICTION_ID_LENGTH } from '@edgefleet/protocol';
import { HubError } from '../../core/errors';
import { accuracyOf, postFeedback, type InvalidItem, type LabelItem } from '../../services/statistics/feedback';
import type { HubContext } from '../../services/context';
import { actorOf, type AppEnv } from '../auth';
import type { RouteSpec } from '../openapi';
import { ringSchema, versionParams } from '../schemas';
import { parseInput } from '../validate';

/** Most labels in one request. */
export const MAX_LABELS_PER_REQUEST = 10_000;
/**
 * The body cap of this route alone: the admin API's 64 KiB JSON cap would hold a few hundred
 * labels; 10,000 of the longest prediction ids take about 10 MiB.
 */
export const MAX_FEEDBACK_BODY_BYTES = 12 * 1024 * 1024;

const valueSchema = z.union([z.string().min(1).max(MAX_PREDICTED_LENGTH), z.number().refine(Number.isFinite, 'must be a finite number')]);
const predictionItem = z.strictObject({
  predictionId: z.string().min(1).max(MAX_PREDICTION_ID_LENGTH).describe('an id from the agent’s POST /v1/predict `predictionIds`'),
  label: valueSchema.describe('the true value: a class name, or a number for a regressor'),
});
const windowItem = z.strictObject({
  window: z.string().min(8).max(64).describe('the msgId of a statistics window the hub received'),
  predicted: valueSchema.describe('what the predictions in this tally predicted (one of the version’s classes for a classifier)'),
  label: valueSchema,
  count: z.number().int().min(0).max(1_000_000_000).optional().describe('predictions of that window with this (predicted, label); default 1; posting again replaces it'),
});

/** The documented body; items are parsed one by one so one bad item cannot fail the batch. */
const feedbackBodyDoc = z.object({ labels: z.array(z.union([predictionItem, windowItem])).min(1).max(MAX_LABELS_PER_REQUEST) });
const feedbackBody = z.strictObject({ labels: z.array(z.unknown()).min(1).max(MAX_LABELS_PER_REQUEST) });

const feedbackResponse = z.object({
  accepted: z.number().int().describe('labels stored, or changed (a corrected label, a recounted tally)'),
  duplicates: z.number().int().describe('labels identical to what was already stored'),
  rejected: z.array(z.object({ index: z.number().int(), code: z.string(), message: z.string() })).describe('by index in `labels`; the other items are stored regardless'),
});

const accuracyQuery = z.object({
  device: deviceIdSchema.optional().describe('only this device'),
  ring: ringSchema.optional().describe('only devices in this ring'),
  from: isoTimeSchema.optional().describe('predictions made at or after this (ISO); default: no bound'),
  to: isoTimeSchema.optional().describe('predictions made before this (ISO); default: no bound'),
});
const rate = z.number().nullable();
const deviceRow = z.object({ device: z.string(), labelled: z.number().int(), correct: z.number().int().nullable(), accuracy: rate, mae: rate, rmse: rate });
const accuracyResponse = z.object({
  model: z.string(),
  version: z.string(),
  task: z.enum(['classification', 'regression']).describe('regression when the reference profile has a numeric output and no class output'),
  from: z.string().nullable(),
  to: z.string().nullable(),
  classes: z.array(z.string()).nullable(),
  labelled: z.number().int().describe('labelled predictions'),
  correct: z.number().int().nullable().describe('classification: predicted value equals the label'),
  accuracy: rate.describe('classification: correct / labelled; null without labels'),
  mae: rate.describe('regression: mean absolute error; null without labels'),
  rmse: rate.describe('regression: root mean squared error'),
  devices: z.array(deviceRow),
  confusion: z.array(z.object({ predicted: z.string(), label: z.string(), count: z.number().int() })).nullable().describe('classification: labelled predictions per (predicted, label), most frequent first'),
});

export const feedbackSpecs: RouteSpec[] = [
  {
    method: 'post',
    path: '/api/v1/feedback',
    summary: 'Ground-truth labels for earlier predictions, by prediction id or as tallies per statistics window',
    auth: 'admin',
    scope: 'operator',
    body: feedbackBodyDoc,
    responses: { 200: { description: 'counts of accepted, duplicate and rejected items', schema: feedbackResponse } },
  },
  {
    method: 'get',
    path: '/api/v1/models/{model}/versions/{version}/accuracy',
    summary: 'Accuracy (classifiers) or error (regressors) of a version measured on its labelled predictions, per device',
    auth: 'admin',
    scope: 'read',
    params: versionParams,
    query: accuracyQuery,
    responses: { 200: { description: 'labelled count, accuracy or MAE, per-device rows and the confusion cells', schema: accuracyResponse } },
  },
];

/** One item of `labels`, or why it is not one (with its path, so the caller can find it). */
function parseItem(value: unknown, index: number): LabelItem | InvalidItem {
  const where = `labels.${index}`;
  const isObject = typeof value === 'object' && value !== null && !Array.isArray(value);
  const schema = isObject && 'predictionId' in value ? predictionItem : isObject && 'window' in value ? windowItem : null;
  if (!schema) return { invalid: { code: 'E_VALIDATION', message: `${where}: expected { predictionId, label } or { window, predicted, label, count? }` } };
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.slice(0, 3).map((issue) => `${[where, ...issue.path.map(String)].join('.')}: ${issue.message}`);
  return { invalid: { code: 'E_VALIDATION', message: issues.join('; ') } };
}

export function registerFeedback(app: Hono<AppEnv>, ctx: HubContext): void {
  app.post(
    '/api/v1/feedback',
    bodyLimit({
      maxSize: MAX_FEEDBACK_BODY_BYTES,
      onError: () => {
        throw new HubError('E_TOO_LARGE', `body exceeds ${MAX_FEEDBACK_BODY_BYTES} bytes; send at most ${MAX_LABELS_PER_REQUEST} labels per request`);
      },
    }),
    async (c) => {
      let json: unknown;
      try {
        json = JSON.parse(await c.req.text());
      } catch {
        throw new HubError('E_VALIDATION', 'body: not valid JSON');
      }
      const { labels } = parseInput(feedbackBody, json);
      return c.json(await postFeedback(ctx, labels.map(parseItem), actorOf(c.get('principal'))));
    },
  );
  app.get('/api/v1/models/:model/versions/:version/accuracy', async (c) => {
    const { model, version } = parseInput(versionParams, c.req.param());
    const { device, ring, from, to } = parseInput(accuracyQuery, c.req.query());
    return c.json(await accuracyOf(ctx, { model, version, ...(device !== undefined ? { device } : {}), ...(ring !== undefined ? { ring } : {}), ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) }));
  });
}
