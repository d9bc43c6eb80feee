/**
 * `GET /artifacts/<sha256>`: model files by content hash for devices (Basic auth) and admins.
 * Served exactly as stored (agents verify the hash), streamed, with single-range support.
 */
import { Readable } from 'node:stream';
import type { Hono } from 'hono';
import { HubError } from '../../core/errors';
import { parseByteRange } from '../../core/byte-range';
import { SHA256_NAME } from '../../adapters/artifacts';
import type { HubContext } from '../../services/context';
import { requireDevice, type AppEnv } from '../auth';
import type { RouteSpec } from '../openapi';
import { artifactParams } from '../schemas';

export const artifactSpecs: RouteSpec[] = [
  {
    method: 'get',
    path: '/artifacts/{sha256}',
    summary: 'A model file by content hash; supports Range: bytes=a-b',
    auth: 'device-or-admin',
    params: artifactParams,
    responses: {
      200: { description: 'the whole file', mediaType: 'application/octet-stream' },
      206: { description: 'the requested range', mediaType: 'application/octet-stream' },
      416: { description: 'range not satisfiable' },
    },
  },
];

const notFound = (): HubError => new HubError('E_NOT_FOUND', 'artifact not found');

export function registerArtifacts(app: Hono<AppEnv>, ctx: HubContext): void {
  app.get('/artifacts/:sha256', requireDevice(ctx, { allowAdmin: true }), async (c) => {
    const name = c.req.param('sha256');
    // Only a hash ever becomes a path: no `..`, separators or NUL can reach the file system.
    if (!SHA256_NAME.test(name)) throw notFound();
    const size = await ctx.artifacts.sizeOf(name);
    if (size === null) throw notFound();
    const headers: Record<string, string> = {
      'Content-Type': 'application/octet-stream',
      'Accept-Ranges': 'bytes',
      ETag: `"${name}"`,
      // Content-addressed: the bytes behind a name never change.
      'Cache-Control': 'private, max-age=31536000, immutable',
    };
    const range = parseByteRange(c.req.header('range'), size);
    if (range.kind === 'unsatisfiable') {
      return new Response(null, { status: 416, headers: { ...headers, 'Content-Range': `bytes */${size}` } });
    }
    const part = range.kind === 'partial' ? { start: range.start, end: range.end } : undefined;
    const length = part ? part.end - part.start + 1 : size;
    headers['Content-Length'] = String(length);
    if (part) headers['Content-Range'] = `bytes ${part.start}-${part.end}/${size}`;
    const status = part ? 206 : 200;
    if (c.req.method === 'HEAD' || length === 0) return new Response(null, { status, headers });
    const stream = Readable.toWeb(ctx.artifacts.open(name, part)) as ReadableStream<Uint8Array>;
    return new Response(stream, { status, headers });
  });
}
