/** Admin routes for prediction statistics and drift of one model version (DRIFT.md, CONTRACT). */
import type { Hono } from 'hono';
import { z } from 'zod';
import { deviceIdSchema, isoTimeSchema, statsWindowSchema, sumStatsWindows, type ReferenceFeature, type StatsWindow } from '@edgefleet/protocol';
import { getVersion } from '../../adapters/db/models';
import { listStatsBuckets, type StatsBucketRow } from '../../adapters/db/stats';
import { evaluateDrift, windowRefusal } from '../../core/drift';
import { driftOf, mergedStats, referenceOf, sumBuckets, type DriftView, type StatsQuery } from '../../services/statistics/stats-view';
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
    params: versionParams,
    query: statsQuery,
    responses: { 200: { description: 'the merged window, null without data', schema: statsResponse } },
  },
  {
    method: 'get',
    path: '/api/v1/models/{model}/versions/{version}/drift',
    summary: "Drift of a version's merged statistics against its release reference profile",
    auth: 'admin',
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

type Distribution = z.infer<typeof distributionSchema>;
type HourVerdict = z.infer<typeof hourSchema>;
const HOUR_MS = 3_600_000;

/** Edges shown with 3 significant digits: enough to tell bins apart on a chart axis. */
const edge = (x: number): string => String(Number(x.toPrecision(3)));

/** One feature's reference counts beside the window's, on the same bins (the window's arrays follow the reference's order). */
function distributionOf(feature: ReferenceFeature, observed: StatsWindow['features'][number] | undefined): Distribution {
  if (feature.kind === 'numeric') {
    const { edges, counts, underflow, overflow, missing } = feature.bins;
    const bins = [`< ${edge(edges[0] ?? 0)}`, ...counts.map((_, i) => `${edge(edges[i] ?? 0)} to ${edge(edges[i + 1] ?? 0)}`), `>= ${edge(edges[edges.length - 1] ?? 0)}`, 'missing'];
    const current = observed?.kind === 'numeric' && observed.counts.length === counts.length ? [observed.underflow, ...observed.counts, observed.overflow, observed.missing] : bins.map(() => 0);
    return { name: feature.name, kind: 'numeric', bins, reference: [underflow, ...counts, overflow, missing], current };
  }
  const bins = [...feature.categories, 'unseen', 'missing'];
  const current = observed?.kind === 'categorical' && observed.counts.length === feature.counts.length ? [...observed.counts, observed.unseen, observed.missing] : bins.map(() => 0);
  return { name: feature.name, kind: 'categorical', bins, reference: [...feature.counts, feature.unseen, feature.missing], current };
}

/** Hour by hour: each hour's buckets summed and tested alone, so the console can show when a scope started drifting. */
function hourlyVerdicts(ctx: Pick<HubContext, 'logger'>, reference: NonNullable<ReturnType<typeof referenceOf>>, rows: readonly StatsBucketRow[]): { hours: HourVerdict[]; merged: StatsWindow[] } {
  const byHour = new Map<string, StatsBucketRow[]>();
  for (const row of rows) byHour.set(row.hour, [...(byHour.get(row.hour) ?? []), row]);
  const hours: HourVerdict[] = [];
  const merged: StatsWindow[] = [];
  for (const [hour, hourRows] of [...byHour].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const sum = sumBuckets(ctx.logger, hourRows);
    const window = sum.merged;
    // A window that does not fit the reference, or has no rows, has no verdict of its own.
    if (!window || window.n === 0 || windowRefusal(reference, window) !== null) {
      hours.push({ hour, devices: sum.devices.size, n: window?.n ?? 0, verdict: 'insufficient-data', drifting: [] });
      continue;
    }
    merged.push(window);
    const report = evaluateDrift(reference, window);
    hours.push({ hour, devices: sum.devices.size, n: window.n, verdict: report.verdict, drifting: report.drifting });
  }
  return { hours, merged };
}

/** The drift verdict of the range (driftOf), and what the console draws beside it: per-feature distributions and the hourly verdicts. */
async function driftDetail(ctx: HubContext, query: StatsQuery): Promise<DriftView & { distributions: Distribution[]; hours: HourVerdict[] }> {
  const view = await driftOf(ctx, query);
  const version = await getVersion(ctx.db, query.model, query.version);
  const reference = version ? referenceOf(version.manifest) : null;
  // driftOf refused a version without a reference; this is only a race with its deletion.
  if (!reference) return { ...view, distributions: [], hours: [] };
  const fromHour = new Date(Math.floor(Date.parse(view.from) / HOUR_MS) * HOUR_MS).toISOString();
  const rows = await listStatsBuckets(ctx.db, { model: query.model, version: query.version, fromHour, to: view.to, ...(query.device !== undefined ? { device: query.device } : {}), ...(query.ring !== undefined ? { ring: query.ring } : {}), ...(query.tag !== undefined ? { tag: query.tag } : {}) });
  const { hours, merged } = hourlyVerdicts(ctx, reference, rows);
  // Only the features are read: shadow sections of different candidates in different hours would not merge.
  const total = merged.length > 0 ? sumStatsWindows(merged.map(({ shadow: _shadow, ...window }) => window)) : null;
  return { ...view, distributions: reference.features.map((feature, i) => distributionOf(feature, total?.features[i])), hours };
}
