import type { Hono } from 'hono';
import type { AppEnv } from '../auth';
import type { RouteSpec } from '../openapi';
import { healthResponse } from '../schemas';

export const healthSpecs: RouteSpec[] = [
  { method: 'get', path: '/healthz', summary: 'Liveness probe', auth: 'none', scope: 'none', responses: { 200: { description: 'the hub is up', schema: healthResponse } } },
];

export function registerHealth(app: Hono<AppEnv>): void {
  app.get('/healthz', (c) => c.json({ status: 'ok' as const }));
}
