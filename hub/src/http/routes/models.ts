/** Admin routes for models: upload a version, list, inspect. */
import type { Hono } from 'hono';
import { z } from 'zod';
import { HubError, notFound } from '../../core/errors';
import type { ProbeHints } from '../../core/probe-inputs';
import { getVersion, listModels } from '../../adapters/db/models';
import { uploadModel } from '../../services/upload-model';
import { decodeStoredManifest } from '../../core/release-manifest';
import type { HubContext } from '../../services/context';
import { actorOf, type AppEnv } from '../auth';
import type { RouteSpec } from '../openapi';
import { modelList, modelParams, probeHintsSchema, uploadQuery, uploadResponse, versionDetail, versionParams } from '../schemas';
import { parseInput } from '../validate';

export const modelSpecs: RouteSpec[] = [
  {
    method: 'post',
    path: '/api/v1/models/{model}/versions',
    summary: 'Upload an ONNX model as a new version; it must load and pass a probe run',
    auth: 'admin',
    params: modelParams,
    query: uploadQuery,
    body: { mediaType: 'application/octet-stream', description: 'the ONNX file' },
    responses: { 201: { description: 'stored, signed release', schema: uploadResponse } },
  },
  { method: 'get', path: '/api/v1/models', summary: 'List models and their versions', auth: 'admin', responses: { 200: { description: 'models', schema: modelList } } },
  {
    method: 'get',
    path: '/api/v1/models/{model}/versions/{version}',
    summary: 'One version with its io, probe and signed manifest',
    auth: 'admin',
    params: versionParams,
    responses: { 200: { description: 'the version', schema: versionDetail } },
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
    const query = parseInput(uploadQuery, c.req.query());
    const lengthHeader = c.req.header('content-length');
    const result = await uploadModel(
      ctx,
      {
        model,
        version: query.version,
        probe: parseProbe(query.probe),
        body: c.req.raw.body,
        contentLength: lengthHeader === undefined ? undefined : Number(lengthHeader),
      },
      actorOf(c.get('principal')),
    );
    return c.json(result, 201);
  });
  app.get('/api/v1/models', (c) => c.json({ models: listModels(ctx.db) }));
  app.get('/api/v1/models/:model/versions/:version', (c) => {
    const { model, version } = parseInput(versionParams, c.req.param());
    const row = getVersion(ctx.db, model, version);
    if (!row) throw notFound(`model version ${model}@${version}`);
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
      manifest: decodeStoredManifest(row.manifest),
      manifestEnvelope: row.manifest,
    });
  });
}
