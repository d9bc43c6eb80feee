/** Admin route for a version's shadow-mode results (ROLLOUTS "Shadow"): agreement and latency. */
import type { Hono } from 'hono';
import { z } from 'zod';
import { binnedStatsSchema, deviceIdSchema, isoTimeSchema, modelNameSchema, versionLabelSchema } from '@edgefleet/protocol';
import { shadowView, type ShadowQuery } from '../../services/statistics/shadow-stats';
import type { HubContext } from '../../services/context';
import type { AppEnv } from '../auth';
import type { RouteSpec } from '../openapi';
import { ringSchema, versionParams } from '../schemas';
import { parseInput } from '../validate';

const shadowQuery = z.object({
  device: deviceIdSchema.optional().describe('only this device'),
  ring: ringSchema.optional().describe('only devices in this ring'),
  from: isoTimeSchema.optional().describe('start of the range (ISO); default 24 h before `to`'),
  to: isoTimeSchema.optional().describe('end of the range (ISO); default now'),
});

const counts = z.record(z.string(), z.number().int());
const shadowResponse = z.object({
  model: modelNameSchema,
  version: versionLabelSchema,
  from: z.string(),
  to: z.string(),
  shadow: z
    .object({
      n: z.number().int().describe('rows compared with the served answer'),
      agree: z.number().int().describe('rows on which this version agreed (class outputs: the same predicted class; numeric: within the looser of the two probe tolerances)'),
      agreement: z.number().nullable().describe('agree / n; null before any comparison'),
      errors: counts.describe('failed shadow runs by error code'),
      dropped: z.number().int().describe('requests the devices did not compare because their shadow queue was full'),
      latencyMs: binnedStatsSchema.describe('shadow run latency on the shared latency bins'),
      latencyP95Ms: z.number().nullable().describe('95th percentile of that latency (upper edge of its bin); null without runs'),
      devices: z.number().int(),
      windows: z.number().int(),
    })
    .nullable()
    .describe('null when no device ran this version as a shadow in the range'),
  against: z
    .array(z.object({ model: z.string(), version: z.string(), n: z.number().int(), agree: z.number().int(), agreement: z.number().nullable() }))
    .describe('the same per serving version it was compared with'),
});

export const shadowSpecs: RouteSpec[] = [
  {
    method: 'get',
    path: '/api/v1/models/{model}/versions/{version}/shadow',
    summary: "Agreement with the served answers and latency of a version devices ran as a shadow (an assignment's `shadow`)",
    auth: 'admin',
    scope: 'read',
    params: versionParams,
    query: shadowQuery,
    responses: { 200: { description: 'its shadow comparisons summed over devices and time', schema: shadowResponse } },
  },
];

function queryOf(params: Record<string, string>, raw: Record<string, string>): ShadowQuery {
  const { model, version } = parseInput(versionParams, params);
  const { device, ring, from, to } = parseInput(shadowQuery, raw);
  return { model, version, ...(device !== undefined ? { device } : {}), ...(ring !== undefined ? { ring } : {}), ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) };
}

export function registerShadow(app: Hono<AppEnv>, ctx: HubContext): void {
  app.get('/api/v1/models/:model/versions/:version/shadow', async (c) => c.json(await shadowView(ctx, queryOf(c.req.param(), c.req.query()))));
}
