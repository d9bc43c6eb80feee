/** Operator views: broker and ingestion counters, the audit trail. */
import type { Hono } from 'hono';
import { listAudit } from '../../adapters/db/audit';
import type { HubContext } from '../../services/context';
import type { AppEnv } from '../auth';
import type { RouteSpec } from '../openapi';
import { auditQuery, auditResponse, brokerStatsResponse } from '../schemas';
import { parseInput } from '../validate';

export const operationSpecs: RouteSpec[] = [
  {
    method: 'get',
    path: '/api/v1/broker/stats',
    summary: 'Broker counters (connections, refusals) and device message ingestion counters',
    auth: 'admin',
    responses: { 200: { description: 'counters since start', schema: brokerStatsResponse } },
  },
  {
    method: 'get',
    path: '/api/v1/audit',
    summary: 'The audit trail, newest first',
    auth: 'admin',
    query: auditQuery,
    responses: { 200: { description: 'audit entries', schema: auditResponse } },
  },
];

export function registerOperations(app: Hono<AppEnv>, ctx: Pick<HubContext, 'db' | 'broker' | 'ingest'>): void {
  app.get('/api/v1/broker/stats', (c) =>
    c.json({ broker: ctx.broker.counters(), ingest: { received: { ...ctx.ingest.received }, rejected: ctx.ingest.rejected.counts() } }),
  );
  app.get('/api/v1/audit', async (c) => {
    const query = parseInput(auditQuery, c.req.query());
    return c.json({ entries: await listAudit(ctx.db, query.subject, query.limit) });
  });
}
