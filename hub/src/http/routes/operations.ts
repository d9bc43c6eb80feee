/** Operator views: broker and ingestion counters, the audit trail. */
import type { Hono } from 'hono';
import { z } from 'zod';
import { pageOfAudit } from '../../adapters/db/console-lists';
import type { HubContext } from '../../services/context';
import type { AppEnv } from '../auth';
import type { RouteSpec } from '../openapi';
import { auditQuery, auditResponse, brokerStatsResponse } from '../schemas';
import { parseInput } from '../validate';

/** An opaque page position: the id of the previous page's last row. */
export const cursorSchema = z.string().regex(/^[1-9][0-9]{0,14}$/, "must be a previous page's nextCursor");
const auditPageQuery = auditQuery.extend({
  cursor: cursorSchema.optional().describe("the previous page's nextCursor: the entries after it (older)"),
  actor: z.string().max(200).optional().describe('only entries by this actor, e.g. `admin` or `job:drift-evaluation`'),
  action: z
    .string()
    .max(100)
    .optional()
    .describe('only entries whose action starts with this, e.g. `rollout.` or `device.enrolled`'),
});
const auditPageResponse = auditResponse.extend({ nextCursor: z.string().nullable().describe('pass as `cursor` for the next (older) page; null on the last page') });

export const operationSpecs: RouteSpec[] = [
  {
    method: 'get',
    path: '/api/v1/broker/stats',
    summary: 'Broker counters (connections, refusals) and device message ingestion counters',
    auth: 'admin',
    scope: 'read',
    responses: { 200: { description: 'counters since start', schema: brokerStatsResponse } },
  },
  {
    method: 'get',
    path: '/api/v1/audit',
    summary: 'The audit trail, newest first, a page at a time (limit, cursor), filtered by subject, actor and action prefix',
    auth: 'admin',
    scope: 'read',
    query: auditPageQuery,
    responses: { 200: { description: 'audit entries', schema: auditPageResponse } },
  },
];

export function registerOperations(app: Hono<AppEnv>, ctx: Pick<HubContext, 'db' | 'broker' | 'ingest'>): void {
  app.get('/api/v1/broker/stats', (c) =>
    c.json({ broker: ctx.broker.counters(), ingest: { received: { ...ctx.ingest.received }, rejected: ctx.ingest.rejected.counts() } }),
  );
  app.get('/api/v1/audit', async (c) => {
    const { subject, actor, action, cursor, limit } = parseInput(auditPageQuery, c.req.query());
    const page = await pageOfAudit(ctx.db, { ...(subject !== undefined ? { subject } : {}), ...(actor !== undefined ? { actor } : {}), ...(action ? { actionPrefix: action } : {}), ...(cursor !== undefined ? { beforeId: Number(cursor) } : {}) }, limit);
    return c.json({ entries: page.rows, nextCursor: page.nextBeforeId === null ? null : String(page.nextBeforeId) });
  });
}
