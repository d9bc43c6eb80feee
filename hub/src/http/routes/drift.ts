/** Admin routes for prediction statistics and drift of one model version (DRIFT.md, CONTRACT). */
import type { Hono } from 'hono';
import { z } from 'zod';
import { deviceIdSchema, isoTimeSchema, statsWindowSchema } from '@edgefleet/protocol';
import { mergedStats, type StatsQuery } from '../../services/statistics/stats-view';
import { driftDetail } from '../../services/statistics/drift-detail';
import type { HubContext } from '../../services/context';
import type { AppEnv } from '../auth';
import type { RouteSpec } from '../openapi';
import { ringSchema, versionParams } from '../schemas';
import { parseInput } from '../validate';

const statsQuery = z.object({
  device: deviceIdSchema.optional().describe('only this device'),
  ring: ringSchema.optional().describe('only devices in this ring'),
  tag: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}:.{0,256}$/, 'must be key:value, e.g. site:plant-2')
    .optional()
    .describe('only devices with this tag, as key:value'),
  from: isoTimeSchema.optional().describe('start of the range (ISO); default 24 h before `to`'),
  to: isoTimeSchema.optional().describe('end of the range (ISO); default now'),
});

const range = { from: z.string(), to: z.string(), devices: z.number().int(), windows: z.number().int() };
const statsResponse = z.object({ ...range, merged: statsWindowSchema.nullable() });
const verdictSchema = z.enum(['ok', 'warning', 'drift', 'insufficient-data']);
const thresholdSchema = z.object({ warning: z.number(), drift: z.number() });
/** One signal's finding (core/drift SignalReport). */
export const signalReportSchema = z.object({
  name: z.string(),
  kind: z.enum(['numeric', 'categorical', 'class', 'confidence', 'ood']),
  verdict: verdictSchema,
  n: z.number(),
  pValue: z.number(),
  adjustedPValue: z.number().describe('after Holm across the report'),
  statistics: z.record(z.string(), z.number()).describe('psi, jensenShannon, ks, meanShift, ... (numeric); lInfinity, ... (categorical); rateP95, rateP99, ... (ood)'),
  thresholds: z.record(z.string(), thresholdSchema).describe('effect size -> the warning and drift thresholds applied'),
  evidence: z.string(),
});
const distributionSchema = z.object({
  name: z.string(),
  kind: z.enum(['numeric', 'categorical']),
  bins: z.array(z.string()).describe('bin labels: numeric features `< first edge`, each [edge, next edge), `>= last edge`, `missing`; categorical ones each category, `unseen`, `missing`'),
  reference: z.array(z.number().int()).describe('reference profile counts per bin'),
  current: z.array(z.number().int()).describe('counts per bin in the range and scope (all 0 without data)'),
});
const hourSchema = z.object({
  hour: z.string().describe('ISO start of the hour'),
  devices: z.number().int(),
  n: z.number().int(),
  verdict: verdictSchema,
  drifting: z.array(z.string()),
});
const driftResponse = z.object({
  ...range,
  verdict: verdictSchema,
  report: z
    .object({
      verdict: verdictSchema,
      drifting: z.array(z.string()),
      warnings: z.array(z.string()),
      n: z.number(),
      features: z.array(signalReportSchema),
      outputs: z.array(signalReportSchema),
      ood: signalReportSchema.nullable().describe('the OOD score: statistics.rateP95 and rateP99 are the rates of rows beyond the reference p95 and p99'),
      evidence: z.string(),
    })
    .passthrough()
    .nullable()
    .describe('per-signal statistics, thresholds and evidence; null without data'),
  distributions: z.array(distributionSchema).describe("each input feature's reference and current counts on the reference's bins, in the reference profile's order"),
  hours: z.array(hourSchema).describe("each hour with data in the range and scope, oldest first: that hour's statistics alone against the reference (not the scheduled job's persistence rule)"),
});

export const driftSpecs: RouteSpec[] = [
  {
    method: 'get',
    path: '/api/v1/models/{model}/versions/{version}/stats',
    summary: "A version's prediction statistics merged by addition over devices and time",
    auth: 'admin',
    scope: 'read',
    params: versionParams,
    query: statsQuery,
    responses: { 200: { description: 'the merged window, null without data', schema: statsResponse } },
  },
  {
    method: 'get',
    path: '/api/v1/models/{model}/versions/{version}/drift',
    summary: "Drift of a version's merged statistics against its release reference profile",
    auth: 'admin',
    scope: 'read',
    params: versionParams,
    query: statsQuery,
    responses: { 200: { description: 'the verdict with its statistics and evidence', schema: driftResponse } },
  },
];

function queryOf(params: Record<string, string>, raw: Record<string, string>): StatsQuery {
  const { model, version } = parseInput(versionParams, params);
  const { device, ring, tag, from, to } = parseInput(statsQuery, raw);
  const at = tag?.indexOf(':') ?? -1;
  return { model, version, ...(device !== undefined ? { device } : {}), ...(ring !== undefined ? { ring } : {}), ...(tag !== undefined ? { tag: { key: tag.slice(0, at), value: tag.slice(at + 1) } } : {}), ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) };
}

export function registerDrift(app: Hono<AppEnv>, ctx: HubContext): void {
  app.get('/api/v1/models/:model/versions/:version/stats', async (c) => c.json(await mergedStats(ctx, queryOf(c.req.param(), c.req.query()))));
  app.get('/api/v1/models/:model/versions/:version/drift', async (c) => c.json(await driftDetail(ctx, queryOf(c.req.param(), c.req.query()))));
}
