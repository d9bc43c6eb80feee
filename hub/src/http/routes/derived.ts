/**
 * Admin routes that derive a smaller version from a registered one as a training run (queued,
 * followed with GET /api/v1/training-runs/{id} and its logs, cancellable): prune a hub-trained
 * version, or distil any version into a student (services/derived).
 */
import type { Hono } from 'hono';
import { z } from 'zod';
import type { HubContext } from '../../services/context';
import { distillRequestSchema, resolveDistillRequest } from '../../services/derived/distill-request';
import { pruneRequestSchema, resolvePruneRequest } from '../../services/derived/prune-request';
import { queueRun } from '../../services/training/training-runs';
import { actorOf, type AppEnv } from '../auth';
import type { RouteSpec } from '../openapi';
import { versionParams } from '../schemas';
import { parseInput, readJsonBody } from '../validate';

const queued = { 202: { description: 'queued as a training run: follow it at /api/v1/training-runs/{id}', schema: z.object({ id: z.string() }) } };

export const derivedSpecs: RouteSpec[] = [
  {
    method: 'post',
    path: '/api/v1/models/{model}/versions/{version}/prune',
    summary:
      "Prune a hub-trained version (structured: remove hidden units; magnitude: zero small weights), fine-tune it on the parent's training split and register it when it passes the quality gate against the parent (the run fails with E_QUALITY_GATE otherwise)",
    auth: 'admin',
    scope: 'operator',
    params: versionParams,
    body: pruneRequestSchema,
    responses: queued,
  },
  {
    method: 'post',
    path: '/api/v1/models/{model}/versions/{version}/distill',
    summary: "Distil a version (the teacher, any registered version, uploads included) into a student trained on the teacher's soft targets over a dataset; registered when it passes the quality gate against the teacher",
    auth: 'admin',
    scope: 'operator',
    params: versionParams,
    body: distillRequestSchema,
    responses: queued,
  },
];

export function registerDerived(app: Hono<AppEnv>, ctx: HubContext): void {
  app.post('/api/v1/models/:model/versions/:version/prune', async (c) => {
    const { model, version } = parseInput(versionParams, c.req.param());
    const request = parseInput(pruneRequestSchema, await readJsonBody(c));
    return c.json(await queueRun(ctx, await resolvePruneRequest(ctx, model, version, request), actorOf(c.get('principal'))), 202);
  });
  app.post('/api/v1/models/:model/versions/:version/distill', async (c) => {
    const { model, version } = parseInput(versionParams, c.req.param());
    const request = parseInput(distillRequestSchema, await readJsonBody(c));
    return c.json(await queueRun(ctx, await resolveDistillRequest(ctx, model, version, request), actorOf(c.get('principal'))), 202);
  });
}
