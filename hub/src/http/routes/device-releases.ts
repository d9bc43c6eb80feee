/**
 * `GET /device/v1/releases/<sha256>`: a signed release manifest, as the exact envelope bytes a
 * deployment doc names by hash (protocol release-ref.ts). Devices check the hash and the
 * signature; the content never changes behind a hash, so it may be cached for good.
 */
import type { Hono } from 'hono';
import { HubError } from '../../core/errors';
import { SHA256_NAME } from '../../adapters/artifacts';
import type { HubContext } from '../../services/context';
import { requireDevice, type AppEnv } from '../auth';
import type { RouteSpec } from '../openapi';
import { artifactParams } from '../schemas';

export const deviceReleaseSpecs: RouteSpec[] = [
  {
    method: 'get',
    path: '/device/v1/releases/{sha256}',
    summary: 'A signed release manifest envelope by the SHA-256 of its bytes (as deployment docs name it)',
    auth: 'device-or-admin',
    scope: 'read',
    params: artifactParams,
    responses: { 200: { description: 'the envelope bytes', mediaType: 'application/json' } },
  },
];

export function registerDeviceReleases(app: Hono<AppEnv>, ctx: Pick<HubContext, 'releases'> & Parameters<typeof requireDevice>[0]): void {
  app.get('/device/v1/releases/:sha256', requireDevice(ctx, { allowAdmin: true }), async (c) => {
    const name = c.req.param('sha256');
    const bytes = SHA256_NAME.test(name) ? await ctx.releases.bytesOf(name) : null;
    if (!bytes) throw new HubError('E_NOT_FOUND', 'release manifest not found');
    return new Response(new Uint8Array(bytes), {
      status: 200,
      headers: { 'Content-Type': 'application/json', 'Content-Length': String(bytes.length), ETag: `"${name}"`, 'Cache-Control': 'private, max-age=31536000, immutable' },
    });
  });
}
