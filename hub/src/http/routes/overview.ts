/** `GET /api/v1/overview`: the console's first page in one call (services/console/overview.ts). */
import type { Hono } from 'hono';
import { z } from 'zod';
import { fleetOverview } from '../../services/console/overview';
import type { HubContext } from '../../services/context';
import type { AppEnv } from '../auth';
import type { RouteSpec } from '../openapi';

const overviewResponse = z.object({
  devices: z.object({ inService: z.number().int(), online: z.number().int(), offline: z.number().int() }),
  versions: z.array(z.object({ model: z.string(), version: z.string(), devices: z.number().int() })).describe('what devices in service report running, most widespread first'),
  runningNothing: z.number().int(),
  rollouts: z.array(z.object({ id: z.string(), model: z.string(), version: z.string(), state: z.string(), step: z.number().int(), steps: z.number().int(), devices: z.record(z.string(), z.number().int()) })).describe('running, paused and halted rollouts'),
  alerts: z.object({ open: z.number().int(), latest: z.array(z.object({ id: z.string(), model: z.string(), version: z.string(), scope: z.string(), severity: z.string(), openedAt: z.string() })) }),
  audit: z.array(z.object({ id: z.number().int(), at: z.string(), actor: z.string(), action: z.string(), subject: z.string() })).describe('the latest 20 entries, newest first'),
});

export const overviewSpecs: RouteSpec[] = [
  { method: 'get', path: '/api/v1/overview', summary: 'The fleet at a glance: devices online and offline, versions in service, active rollouts, open alerts, recent audit', auth: 'admin', scope: 'read', responses: { 200: { description: 'the overview', schema: overviewResponse } } },
];

export function registerOverview(app: Hono<AppEnv>, ctx: HubContext): void {
  app.get('/api/v1/overview', async (c) => c.json(await fleetOverview(ctx)));
}
