/** Admin routes for datasets: upload a CSV, list, inspect with an exploration summary, archive and delete (issue 15). */
import type { Hono } from 'hono';
import { z } from 'zod';
import { modelNameSchema, sha256Schema } from '@edgefleet/protocol';
import { HubError } from '../../core/errors';
import { datasetDetail, listDatasetViews, uploadDataset } from '../../services/datasets/datasets';
import { archiveDataset, deleteDataset, unarchiveDataset } from '../../services/lifecycle/datasets';
import type { HubContext } from '../../services/context';
import { actorOf, type AppEnv } from '../auth';
import type { RouteSpec } from '../openapi';
import { archivedQuery, fileOutcome } from '../schemas';
import { parseInput } from '../validate';

const kindSchema = z.enum(['numeric', 'categorical']);
const columnsSchema = z.array(z.object({ name: z.string(), kind: kindSchema }));
const datasetView = z.object({
  id: sha256Schema,
  name: z.string(),
  rows: z.number().int(),
  sizeBytes: z.number().int(),
  columns: columnsSchema,
  createdAt: z.string(),
  archivedAt: z.string().nullable().describe('set while archived: no new training runs or model references on it'),
});
const datasetLifecycle = z.object({ id: sha256Schema, name: z.string(), archivedAt: z.string().nullable(), deletedAt: z.string().nullable() });
const deletedDataset = datasetLifecycle.extend({
  deletedAt: z.string(),
  alreadyDeleted: z.boolean().describe('deleted by an earlier call: this one only retried removing its file'),
  file: fileOutcome.describe('the CSV file (kept only when the same bytes were uploaded again meanwhile)'),
});
const uploadQuery = z.object({
  name: modelNameSchema.describe('dataset name (1-64 of A-Z a-z 0-9 . _ -)'),
  kinds: z.string().max(65_536).optional().describe('JSON {"<column>": "numeric" | "categorical"} declaring column kinds; the rest are inferred'),
});
const kindsSchema = z.object({ kinds: z.record(z.string().min(1), kindSchema) });
const idParams = z.object({ id: sha256Schema });
/**
 * The exploration summary as core/datasets/explore-table.ts builds it (TableSummary), so the
 * OpenAPI document and the console's generated types describe every field; hub/test/dataset-summary-schema.test.ts
 * parses real summaries with it (strict objects: a field added there and not here fails that test).
 */
const numberOrNull = z.number().nullable();
const associationSchema = z
  .strictObject({ measure: z.enum(['pearson', 'correlationRatio', 'cramersV']), value: numberOrNull })
  .describe("with ?target=: the column's association with the target (|r|, eta or Cramér's V; null when undefined)");
const idLikeSchema = z
  .strictObject({ reason: z.enum(['date-text', 'unique-per-row', 'monotone-counter']), detail: z.string() })
  .describe('present when the column looks like an id, a counter or a text date; training leaves it out by default');
const numericSummarySchema = z.strictObject({
  name: z.string(),
  kind: z.literal('numeric'),
  count: z.number().int().describe('present (non-missing) values'),
  missing: z.number().int(),
  mean: numberOrNull,
  sd: numberOrNull.describe('sample standard deviation'),
  min: numberOrNull,
  max: numberOrNull,
  quantiles: z.strictObject({ p01: numberOrNull, p05: numberOrNull, p25: numberOrNull, p50: numberOrNull, p75: numberOrNull, p95: numberOrNull, p99: numberOrNull }),
  histogram: z
    .strictObject({ edges: z.array(z.number()), counts: z.array(z.number().int()) })
    .describe('equal-width bins [edges[i], edges[i+1]), the last closed; empty without present values'),
  association: associationSchema.optional(),
  idLike: idLikeSchema.optional(),
});
const categoricalSummarySchema = z.strictObject({
  name: z.string(),
  kind: z.literal('categorical'),
  count: z.number().int().describe('present (non-missing) values'),
  missing: z.number().int(),
  distinct: z.number().int(),
  top: z.array(z.strictObject({ value: z.string(), count: z.number().int() })).describe('the most frequent categories (at most 20), most frequent first'),
  otherCount: z.number().int().describe('present values of categories not listed in top'),
  association: associationSchema.optional(),
  idLike: idLikeSchema.optional(),
});
export const tableSummarySchema = z.strictObject({
  rows: z.number().int(),
  columns: z.array(z.discriminatedUnion('kind', [numericSummarySchema, categoricalSummarySchema])),
  target: z
    .strictObject({
      name: z.string(),
      kind: kindSchema,
      classBalance: z.array(z.strictObject({ value: z.string(), count: z.number().int(), fraction: z.number() })).optional().describe('categorical targets: every class, most frequent first'),
      missing: z.number().int(),
    })
    .optional()
    .describe('with ?target= only'),
});

const detailQuery = z.object({
  target: z.string().min(1).max(256).optional().describe('explore against this column: class balance and each column\'s association with it'),
  targetKind: kindSchema.optional().describe('treat the target as this kind (default: categorical for a numeric column of few integers)'),
});

export const datasetSpecs: RouteSpec[] = [
  {
    method: 'post',
    path: '/api/v1/datasets',
    summary: 'Upload a CSV dataset (header row required; content-addressed: the same bytes again return the same id with 200)',
    auth: 'admin',
    scope: 'operator',
    query: uploadQuery,
    body: { mediaType: 'text/csv', description: 'the CSV file, at most 64 MiB' },
    responses: {
      201: { description: 'stored and parsed', schema: datasetView },
      200: { description: 'already stored', schema: datasetView },
      413: { description: 'past a limit, checked as the file streams: size, rows, columns, cells, cell, column name or record length (docs/training.md "Dataset limits"); details name the row, the column and the limit' },
      503: { description: 'E_UNAVAILABLE: the dataset workers and their queue are full; retry after Retry-After seconds' },
    },
  },
  {
    method: 'get',
    path: '/api/v1/datasets',
    summary: 'List datasets, newest first (deleted ones never; archived ones with ?archived=true)',
    auth: 'admin',
    scope: 'read',
    query: archivedQuery,
    responses: { 200: { description: 'datasets', schema: z.object({ datasets: z.array(datasetView) }) } },
  },
  {
    method: 'post',
    path: '/api/v1/datasets/{id}/archive',
    summary: 'Archive a dataset: hidden from the list, no new training runs or model references on it (409 E_ARCHIVED); what was made from it stays. Idempotent',
    auth: 'admin',
    scope: 'operator',
    params: idParams,
    responses: { 200: { description: 'the dataset, archived', schema: datasetLifecycle } },
  },
  {
    method: 'post',
    path: '/api/v1/datasets/{id}/unarchive',
    summary: 'Bring an archived dataset back into use; idempotent',
    auth: 'admin',
    scope: 'operator',
    params: idParams,
    responses: { 200: { description: 'the dataset, not archived', schema: datasetLifecycle } },
  },
  {
    method: 'delete',
    path: '/api/v1/datasets/{id}',
    summary:
      "Delete a dataset and its file: 409 E_IN_USE (details: versions, runs) while a version not deleted names it in its lineage (trained on it, or an import's reference) or a training run queued or running reads it. Uploading the same CSV again brings it back. Again: its tombstone (alreadyDeleted)",
    auth: 'admin',
    scope: 'operator',
    params: idParams,
    responses: { 200: { description: 'the tombstone and what became of its file', schema: deletedDataset } },
  },
  {
    method: 'get',
    path: '/api/v1/datasets/{id}',
    summary: 'One dataset with its exploration summary (per column: count, missing, mean, sd, quantiles, histogram, categories; with ?target=: class balance and associations)',
    auth: 'admin',
    scope: 'read',
    params: idParams,
    query: detailQuery,
    responses: { 200: { description: 'the dataset and its summary', schema: datasetView.extend({ summary: tableSummarySchema }) } },
  },
];

function parseKinds(text: string | undefined): Record<string, 'numeric' | 'categorical'> | undefined {
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new HubError('E_VALIDATION', 'kinds: not valid JSON');
  }
  return parseInput(kindsSchema, { kinds: value }).kinds;
}

export function registerDatasets(app: Hono<AppEnv>, ctx: HubContext): void {
  app.post('/api/v1/datasets', async (c) => {
    const query = parseInput(uploadQuery, c.req.query());
    const length = c.req.header('content-length');
    const result = await uploadDataset(
      ctx,
      { name: query.name, kinds: parseKinds(query.kinds), body: c.req.raw.body, contentLength: length === undefined ? undefined : Number(length) },
      actorOf(c.get('principal')),
    );
    return c.json(result.dataset, result.created ? 201 : 200);
  });
  app.get('/api/v1/datasets', async (c) => {
    const { archived } = parseInput(archivedQuery, c.req.query());
    return c.json({ datasets: await listDatasetViews(ctx, { archived: archived === 'true' }) });
  });
  app.post('/api/v1/datasets/:id/archive', async (c) => c.json(await archiveDataset(ctx, parseInput(idParams, c.req.param()).id, actorOf(c.get('principal')))));
  app.post('/api/v1/datasets/:id/unarchive', async (c) => c.json(await unarchiveDataset(ctx, parseInput(idParams, c.req.param()).id, actorOf(c.get('principal')))));
  app.delete('/api/v1/datasets/:id', async (c) => c.json(await deleteDataset(ctx, parseInput(idParams, c.req.param()).id, actorOf(c.get('principal')))));
  app.get('/api/v1/datasets/:id', async (c) => {
    const { id } = parseInput(idParams, c.req.param());
    const query = parseInput(detailQuery, c.req.query());
    const target = query.target === undefined ? undefined : { name: query.target, ...(query.targetKind === undefined ? {} : { kind: query.targetKind }) };
    return c.json(await datasetDetail(ctx, id, target));
  });
}
