/** Admin routes for models: upload a version, list, inspect, archive and delete (issue 15). */
import type { Hono } from 'hono';
import { z } from 'zod';
import { sha256Schema } from '@edgefleet/protocol';
import { HubError } from '../../core/errors';
import { requirePresent } from '../../core/lifecycle/refusals';
import type { ProbeHints } from '../../core/probe-inputs';
import { getVersion, listModels } from '../../adapters/db/models';
import { uploadModel } from '../../services/models/upload-model';
import { MAX_SAMPLE_FILE_BYTES, storeSampleInputs } from '../../services/models/upload-sample-inputs';
import { deleteSampleInputs } from '../../services/lifecycle/datasets';
import { archiveVersion, deleteVersion, unarchiveVersion } from '../../services/lifecycle/versions';
import { decodeStoredManifest } from '../../core/release-manifest';
import type { HubContext } from '../../services/context';
import { actorOf, type AppEnv } from '../auth';
import type { RouteSpec } from '../openapi';
import { archivedQuery, deletedVersionResponse, modelList, modelParams, probeHintsSchema, sampleInputsParams, uploadQuery, uploadResponse, versionDetail, versionLifecycleResponse, versionParams } from '../schemas';
import { parseInput } from '../validate';

/** Comma-separated names: `a,b,c`. */
const columnList = z
  .string()
  .max(65_536)
  .transform((text) => text.split(',').map((name) => name.trim()))
  .refine((names) => names.every((name) => name.length > 0), 'must be comma-separated column names, none empty');

const uploadModelQuery = uploadQuery.extend({
  referenceDataset: sha256Schema.optional().describe('a dataset id: run the model on a sample of its rows and sign the drift reference profile they give into the release'),
  columns: columnList.optional().describe('with referenceDataset: the numeric dataset columns feeding the model input, in input column order (default: every numeric column in file order but target)'),
  target: z.string().min(1).max(256).optional().describe('with referenceDataset: a column to leave out of the default columns (the label)'),
  samples: sha256Schema.optional().describe('id of sample inputs stored with POST /api/v1/sample-inputs: the probe is their first sample, and quantization calibrates and is judged on them'),
});

const samplesSummary = z
  .object({ id: sha256Schema, count: z.number().int(), inputs: z.array(z.string()), labels: z.boolean().describe('the file has a labels array (class indices)') })
  .nullable()
  .describe('the sample inputs of this version; null without samples');

const sampleInputsReply = z.object({
  id: sha256Schema.describe('name the file with ?samples= on a model upload'),
  format: z.enum(['npy', 'npz']),
  size: z.number().int(),
  arrays: z.array(z.object({ name: z.string().describe("'' for a .npy's single array"), dtype: z.string(), shape: z.array(z.number().int()) })),
});

const referenceSummary = z
  .object({
    dataset: sha256Schema,
    columns: z.array(z.string()),
    rows: z.number().int().describe('dataset rows sampled (at most 10,000)'),
    modelRows: z.number().int().describe('of those, rows without a missing value, which the model ran on'),
    outputs: z.array(z.object({ name: z.string(), kind: z.enum(['class', 'numeric']) })),
    ood: z.string().nullable(),
  })
  .nullable()
  .describe('what the reference profile was built from; null without referenceDataset');

export const modelSpecs: RouteSpec[] = [
  {
    method: 'post',
    path: '/api/v1/models/{model}/versions',
    summary: 'Upload an ONNX model as a new version; it must load and pass a probe run',
    auth: 'admin',
    scope: 'operator',
    params: modelParams,
    query: uploadModelQuery,
    body: { mediaType: 'application/octet-stream', description: 'the ONNX file' },
    responses: { 201: { description: 'stored, signed release', schema: uploadResponse.extend({ reference: referenceSummary, samples: samplesSummary, warnings: z.array(z.string()) }) } },
  },
  {
    method: 'post',
    path: '/api/v1/sample-inputs',
    summary: `Store real sample inputs for a model (numpy .npy, or .npz with one array per input name and optional "labels"; first axis = samples; at most ${MAX_SAMPLE_FILE_BYTES} bytes)`,
    auth: 'admin',
    scope: 'operator',
    body: { mediaType: 'application/octet-stream', description: 'the .npy or .npz file' },
    responses: { 201: { description: 'stored, content-addressed', schema: sampleInputsReply } },
  },
  {
    method: 'delete',
    path: '/api/v1/sample-inputs/{id}',
    summary: 'Delete stored sample inputs; 409 E_IN_USE while a version not deleted was uploaded with them (its lineage names them: quantization calibrates on them)',
    auth: 'admin',
    scope: 'operator',
    params: sampleInputsParams,
    responses: { 200: { description: 'the file is gone', schema: z.object({ id: sha256Schema, deleted: z.literal(true) }) } },
  },
  {
    method: 'get',
    path: '/api/v1/models',
    summary: 'List models and their versions (deleted versions never; archived ones with ?archived=true)',
    auth: 'admin',
    scope: 'read',
    query: archivedQuery,
    responses: { 200: { description: 'models', schema: modelList } },
  },
  {
    method: 'get',
    path: '/api/v1/models/{model}/versions/{version}',
    summary: 'One version with its io, probe and signed manifest (archived ones too; 404 once deleted)',
    auth: 'admin',
    scope: 'read',
    params: versionParams,
    responses: { 200: { description: 'the version', schema: versionDetail } },
  },
  {
    method: 'post',
    path: '/api/v1/models/{model}/versions/{version}/archive',
    summary: 'Archive a version: hidden from lists, refused for new assignments, shadows, rollouts and quantization (409 E_ARCHIVED); devices running it keep it. Allowed while assigned; idempotent',
    auth: 'admin',
    scope: 'operator',
    params: versionParams,
    responses: { 200: { description: 'the version, archived', schema: versionLifecycleResponse } },
  },
  {
    method: 'post',
    path: '/api/v1/models/{model}/versions/{version}/unarchive',
    summary: 'Bring an archived version back into use; idempotent',
    auth: 'admin',
    scope: 'operator',
    params: versionParams,
    responses: { 200: { description: 'the version, not archived', schema: versionLifecycleResponse } },
  },
  {
    method: 'delete',
    path: '/api/v1/models/{model}/versions/{version}',
    summary:
      'Delete a version: 409 E_IN_USE (details: devices, rollouts, runs) while a device in service runs it as active, previous or shadow, a rollout may still assign it or roll back to it, or a training run queued or running prunes or distils it. Its label is never reused; its file and probe blob go unless another version has the same bytes. Again: its tombstone (alreadyDeleted)',
    auth: 'admin',
    scope: 'operator',
    params: versionParams,
    responses: { 200: { description: 'the tombstone and what became of its files', schema: deletedVersionResponse } },
  },
];

/** Wrapped in `{ probe }` so validation errors name `probe.<input>.dims` and the like. */
const probeQuerySchema = z.object({ probe: probeHintsSchema });

function parseProbe(text: string | undefined): ProbeHints {
  if (text === undefined) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new HubError('E_VALIDATION', 'probe: not valid JSON');
  }
  return parseInput(probeQuerySchema, { probe: value }).probe;
}

export function registerModels(app: Hono<AppEnv>, ctx: HubContext): void {
  app.post('/api/v1/models/:model/versions', async (c) => {
    const { model } = parseInput(modelParams, c.req.param());
    const query = parseInput(uploadModelQuery, c.req.query());
    if (query.referenceDataset === undefined && (query.columns !== undefined || query.target !== undefined)) {
      throw new HubError('E_VALIDATION', `${query.columns !== undefined ? 'columns' : 'target'}: only with referenceDataset`);
    }
    const reference = query.referenceDataset === undefined ? undefined : { dataset: query.referenceDataset, ...(query.columns ? { columns: query.columns } : {}), ...(query.target ? { target: query.target } : {}) };
    const lengthHeader = c.req.header('content-length');
    const result = await uploadModel(
      ctx,
      {
        model,
        version: query.version,
        probe: parseProbe(query.probe),
        body: c.req.raw.body,
        contentLength: lengthHeader === undefined ? undefined : Number(lengthHeader),
        ...(reference ? { reference } : {}),
        ...(query.samples === undefined ? {} : { samples: query.samples }),
      },
      actorOf(c.get('principal')),
    );
    return c.json(result, 201);
  });
  app.post('/api/v1/sample-inputs', async (c) => {
    const lengthHeader = c.req.header('content-length');
    return c.json(await storeSampleInputs(ctx, c.req.raw.body, lengthHeader === undefined ? undefined : Number(lengthHeader)), 201);
  });
  app.delete('/api/v1/sample-inputs/:id', async (c) => {
    const { id } = parseInput(sampleInputsParams, c.req.param());
    return c.json(await deleteSampleInputs(ctx, id, actorOf(c.get('principal'))));
  });
  app.get('/api/v1/models', async (c) => {
    const { archived } = parseInput(archivedQuery, c.req.query());
    return c.json({ models: await listModels(ctx.db, { archived: archived === 'true' }) });
  });
  app.post('/api/v1/models/:model/versions/:version/archive', async (c) => {
    const { model, version } = parseInput(versionParams, c.req.param());
    return c.json(await archiveVersion(ctx, model, version, actorOf(c.get('principal'))));
  });
  app.post('/api/v1/models/:model/versions/:version/unarchive', async (c) => {
    const { model, version } = parseInput(versionParams, c.req.param());
    return c.json(await unarchiveVersion(ctx, model, version, actorOf(c.get('principal'))));
  });
  app.delete('/api/v1/models/:model/versions/:version', async (c) => {
    const { model, version } = parseInput(versionParams, c.req.param());
    return c.json(await deleteVersion(ctx, model, version, actorOf(c.get('principal'))));
  });
  app.get('/api/v1/models/:model/versions/:version', async (c) => {
    const { model, version } = parseInput(versionParams, c.req.param());
    const row = requirePresent(await getVersion(ctx.db, model, version), `model version ${model}@${version}`);
    return c.json({
      model: row.model,
      version: row.version,
      releaseCounter: row.releaseCounter,
      sha256: row.sha256,
      size: row.size,
      io: row.io,
      opset: row.opset,
      probe: row.probe,
      createdAt: row.createdAt,
      archivedAt: row.archivedAt,
      manifest: decodeStoredManifest(row.manifest),
      manifestEnvelope: row.manifest,
    });
  });
}
