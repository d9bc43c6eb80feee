/** Admin routes for drift alerts and the webhook notifications they produced (DRIFT.md, issue 5). */
import type { Hono } from 'hono';
import { z } from 'zod';
import { modelNameSchema, versionLabelSchema } from '@edgefleet/protocol';
import { getAlert, listAlerts, type AlertRow } from '../../adapters/db/alerts';
import { pageOfNotifications } from '../../adapters/db/console-lists';
import { notFound } from '../../core/errors';
import type { HubContext } from '../../services/context';
import type { AppEnv } from '../auth';
import type { RouteSpec } from '../openapi';
import { parseInput } from '../validate';
import { cursorSchema } from './operations';

const alertQuery = z.object({
  status: z.enum(['open', 'resolved']).optional().describe('default: both'),
  model: modelNameSchema.optional(),
  version: versionLabelSchema.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
const alertParams = z.object({ id: z.uuid() });

const verdictSchema = z.enum(['ok', 'warning', 'drift', 'insufficient-data']);
/** What the drift job stores (services/drift/drift-job.ts applyFinding: core/drift HistoryReport). */
const alertEvidenceSchema = z
  .object({
    latestHour: z.string().nullable().describe('the latest hour with data'),
    verdict: verdictSchema.describe("the latest hour's fleet verdict"),
    signals: z.array(
      z.object({
        name: z.string(),
        severity: z.enum(['warning', 'drift']),
        reasons: z.array(z.string()).describe('why it alarms: persistence over hours, Page-Hinkley'),
        devices: z.array(z.string()).describe('devices flagged on this signal in the recent hours'),
        evidence: z.string().describe("the latest hour's fleet statistics for the signal"),
      }),
    ),
    hours: z.array(z.object({ hour: z.string(), devices: z.number().int(), n: z.number().int(), verdict: verdictSchema, drifting: z.array(z.string()) })).describe("each recent hour's fleet verdict"),
  })
  .passthrough()
  .describe("the latest alarming evaluation: per signal its reasons, flagged devices and evidence, and each recent hour's fleet verdict");

const alertSchema = z.object({
  id: z.string(),
  model: z.string(),
  version: z.string(),
  scope: z.string().describe('`fleet`'),
  status: z.enum(['open', 'resolved']),
  severity: z.enum(['warning', 'drift']),
  signals: z.array(z.string()).describe('every signal that alarmed while the alert was open'),
  evidence: alertEvidenceSchema,
  alarmingEvaluations: z.number().int(),
  quietEvaluations: z.number().int(),
  openedAt: z.string(),
  updatedAt: z.string(),
  resolvedAt: z.string().nullable(),
});
const notificationSchema = z.object({
  id: z.number().int(),
  kind: z.string(),
  payload: z.unknown(),
  createdAt: z.string(),
  status: z.enum(['pending', 'delivered', 'failed', 'skipped']).describe('skipped: no webhook configured'),
  attempts: z.number().int(),
  nextAttemptAt: z.string(),
  deliveredAt: z.string().nullable(),
  lastError: z.string().nullable(),
});

const notificationQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: cursorSchema.optional().describe("the previous page's nextCursor: the notifications after it (older)"),
  status: notificationSchema.shape.status.optional().describe('only notifications in this delivery status'),
});

export const alertSpecs: RouteSpec[] = [
  { method: 'get', path: '/api/v1/alerts', summary: 'Drift alerts, newest first', auth: 'admin', scope: 'read', query: alertQuery, responses: { 200: { description: 'alerts', schema: z.object({ alerts: z.array(alertSchema) }) } } },
  { method: 'get', path: '/api/v1/alerts/{id}', summary: 'One drift alert with its evidence', auth: 'admin', scope: 'read', params: alertParams, responses: { 200: { description: 'the alert', schema: alertSchema } } },
  {
    method: 'get',
    path: '/api/v1/notifications',
    summary: 'Webhook notifications (alerts, continuous training) and their delivery status, newest first',
    auth: 'admin',
    scope: 'read',
    query: notificationQuery,
    responses: { 200: { description: 'notifications', schema: z.object({ notifications: z.array(notificationSchema), nextCursor: z.string().nullable().describe('pass as `cursor` for the next (older) page; null on the last page') }) } },
  },
];

/** The row as the API shows it; the evidence is what the drift job stored (documented by alertEvidenceSchema). */
const viewOf = (row: AlertRow): Omit<z.infer<typeof alertSchema>, 'evidence'> & { evidence: unknown } => ({ ...row, status: row.status === 'open' ? 'open' : 'resolved', severity: row.severity === 'drift' ? 'drift' : 'warning', signals: row.signals as string[] });

export function registerAlerts(app: Hono<AppEnv>, ctx: Pick<HubContext, 'db'>): void {
  app.get('/api/v1/alerts', async (c) => {
    const { status, model, version, limit } = parseInput(alertQuery, c.req.query());
    return c.json({ alerts: (await listAlerts(ctx.db, { ...(status ? { status } : {}), ...(model ? { model } : {}), ...(version ? { version } : {}), limit })).map(viewOf) });
  });
  app.get('/api/v1/alerts/:id', async (c) => {
    const { id } = parseInput(alertParams, c.req.param());
    const row = await getAlert(ctx.db, id);
    if (!row) throw notFound(`alert ${id}`);
    return c.json(viewOf(row));
  });
  app.get('/api/v1/notifications', async (c) => {
    const { limit, cursor, status } = parseInput(notificationQuery, c.req.query());
    const page = await pageOfNotifications(ctx.db, { ...(cursor !== undefined ? { beforeId: Number(cursor) } : {}), ...(status !== undefined ? { status } : {}) }, limit);
    return c.json({ notifications: page.rows, nextCursor: page.nextBeforeId === null ? null : String(page.nextBeforeId) });
  });
}
