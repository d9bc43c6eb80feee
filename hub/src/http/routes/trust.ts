/**
 * The trust chain over HTTP (THREATS "Keys", docs/keys.md):
 * - `GET /api/v1/trust`, `GET /api/v1/trust/versions`, `GET /api/v1/trust/versions/{version}`:
 *   what the hub trusts and signs with, and every version it keeps;
 * - `POST /api/v1/trust`: publishes the next version, signed offline by the root key holders
 *   (`edgefleet trust publish`). It decides which keys sign everything devices accept, so it
 *   needs the admin scope, the most privileged;
 * - `GET /device/v1/trust/{version}`: one version's envelope, for a device walking the chain
 *   from the version it pinned (device credentials).
 */
import type { Hono } from 'hono';
import { z } from 'zod';
import { envelopeBytes, envelopeSchema } from '@edgefleet/protocol';
import { HubError } from '../../core/errors';
import type { HubContext } from '../../services/context';
import { currentTrust, publishTrust, trustVersions } from '../../services/trust/publish-trust';
import { actorOf, requireDevice, type AppEnv } from '../auth';
import type { RouteSpec } from '../openapi';
import { parseInput, readJsonBody } from '../validate';

const role = z.object({ keyids: z.array(z.string()), threshold: z.number().int() });
const versionView = z.object({ version: z.number().int(), expires: z.string(), root: role, release: role });
const trustView = versionView.extend({
  expiresInDays: z.number().int().describe('days until expires (negative once expired)'),
  warning: z.string().nullable().describe('within 30 days of expiry, and after: what to do'),
  firstVersion: z.number().int().describe('the oldest version kept; devices pinned below it cannot walk to the newest'),
  signingKeyids: z.array(z.string()).describe('the release keys the hub signs with: held, and named by the newest version'),
  heldReleaseKeys: z.array(z.object({ keyid: z.string(), file: z.string(), signing: z.boolean() })).describe('every keys/release*.pem in the data dir'),
  envelope: envelopeSchema,
});
const published = versionView.extend({
  created: z.boolean().describe('false: this exact document was published already'),
  resigned: z.object({ manifests: z.number().int(), deploymentDocs: z.number().int() }).describe('signed again under the new release keys'),
});
const versionParams = z.object({ version: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER - 1) });

export const trustSpecs: RouteSpec[] = [
  { method: 'get', path: '/api/v1/trust', summary: 'The newest trust document, its expiry, and the release keys the hub holds and signs with', auth: 'admin', scope: 'read', responses: { 200: { description: 'trust', schema: trustView } } },
  { method: 'get', path: '/api/v1/trust/versions', summary: 'Every version of the trust document the hub keeps, oldest first', auth: 'admin', scope: 'read', responses: { 200: { description: 'versions', schema: z.object({ versions: z.array(versionView) }) } } },
  {
    method: 'get',
    path: '/api/v1/trust/versions/{version}',
    summary: 'One version of the trust document with its signed envelope',
    auth: 'admin',
    scope: 'read',
    params: versionParams,
    responses: { 200: { description: 'the version', schema: versionView.extend({ envelope: envelopeSchema }) } },
  },
  {
    method: 'post',
    path: '/api/v1/trust',
    summary: 'Publish the next trust document version (signed offline by the root thresholds of the newest version and of its own)',
    auth: 'admin',
    scope: 'admin',
    body: envelopeSchema,
    responses: {
      201: { description: 'published: stored, audited, retained on the trust topic; what the old release keys signed is signed again', schema: published },
      200: { description: 'the same document was published already', schema: published },
    },
  },
  {
    method: 'get',
    path: '/device/v1/trust/{version}',
    summary: 'One version of the trust document, as its signed envelope bytes (devices walk the chain one version at a time)',
    auth: 'device-or-admin',
    scope: 'read',
    params: versionParams,
    responses: { 200: { description: 'the envelope bytes', mediaType: 'application/json' } },
  },
];

export function registerTrust(app: Hono<AppEnv>, ctx: HubContext): void {
  app.get('/api/v1/trust', async (c) => c.json(await currentTrust(ctx)));
  app.get('/api/v1/trust/versions', async (c) => c.json({ versions: await trustVersions(ctx) }));
  app.get('/api/v1/trust/versions/:version', async (c) => {
    const { version } = parseInput(versionParams, c.req.param());
    await ctx.keys.refresh();
    const found = ctx.keys.versions().find((v) => v.doc.version === version);
    if (!found) throw new HubError('E_NOT_FOUND', `trust version ${version} not found (the hub keeps ${ctx.keys.versions()[0]?.doc.version ?? 1} to ${ctx.keys.trust.version})`);
    return c.json({ version, expires: found.doc.expires, root: found.doc.roles.root, release: found.doc.roles.release, envelope: found.envelope });
  });
  app.post('/api/v1/trust', async (c) => {
    const result = await publishTrust(ctx, await readJsonBody(c), actorOf(c.get('principal')));
    return c.json(result, result.created ? 201 : 200);
  });
  app.get('/device/v1/trust/:version', requireDevice(ctx, { allowAdmin: true }), async (c) => {
    const { version } = parseInput(versionParams, c.req.param());
    // A version another replica published a moment ago must be found here too.
    if (version > ctx.keys.trust.version) await ctx.keys.refresh(1_000);
    const envelope = ctx.keys.envelopeOf(version);
    if (!envelope) throw new HubError('E_NOT_FOUND', `trust version ${version} not found`);
    const bytes = envelopeBytes(envelope);
    return new Response(new Uint8Array(bytes), { status: 200, headers: { 'Content-Type': 'application/json', 'Content-Length': String(bytes.length), 'Cache-Control': 'private, max-age=31536000, immutable' } });
  });
}
