/** `GET /device/v1/config`: what an agent needs to bootstrap: broker URLs and the trust root. */
import type { Hono } from 'hono';
import type { HubContext } from '../../services/context';
import { requireDevice, type AppEnv } from '../auth';
import type { RouteSpec } from '../openapi';
import { deviceConfigResponse } from '../schemas';

export const deviceConfigSpecs: RouteSpec[] = [
  {
    method: 'get',
    path: '/device/v1/config',
    summary: 'Broker URLs and the signed trust document, for a device',
    auth: 'device',
    scope: 'none',
    responses: { 200: { description: 'bootstrap config', schema: deviceConfigResponse } },
  },
];

export function registerDeviceConfig(app: Hono<AppEnv>, ctx: HubContext): void {
  app.get('/device/v1/config', requireDevice(ctx, { allowAdmin: false }), async (c) => {
    // Another replica may have published a newer trust version: a device pinning on first use
    // gets the newest (looked up at most once a second, a readdir). A data dir that cannot be
    // read now must not stop devices bootstrapping: they get the newest version in memory.
    await ctx.keys.refresh(1_000).catch((error: unknown) => ctx.logger.warn('device config: could not look for newer trust versions; answering with the newest one read', { version: ctx.keys.trust.version, error: error instanceof Error ? error.message : String(error) }));
    return c.json({ mqttUrl: ctx.urls.mqttUrl, wsUrl: ctx.urls.wsUrl, trust: ctx.keys.trustEnvelope });
  });
}
