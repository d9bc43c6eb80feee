/**
 * `GET /artifacts/<sha256>`: model files by content hash for devices (Basic auth) and admins.
 * Served exactly as stored, streamed, with single-range support; but only once the stored bytes
 * are known to have their hash (adapters/artifacts.ts `verify`: hashed once per file, then
 * cached): a corrupt file is a 503 E_ARTIFACT_CORRUPT, never a 200 that every device would fetch
 * and refuse with E_HASH_MISMATCH, again and again, until someone looked.
 * Probe blobs (large probes out of line, services/models/probe-blobs.ts) are served on the same route,
 * but to a device only when a release assigned to it names the blob (403 otherwise).
 *
 * On @hono/node-server the file stream is piped straight into Node's response (PERF "Moving
 * model files"): a web ReadableStream (Readable.toWeb) copies every 64 KiB chunk and costs a
 * promise per read, which held the hub to 0.79x a plain static file server. Without a Node
 * response (app.request() in tests, another runtime) the same bytes go out as a web stream.
 */
import { once } from 'node:events';
import type { ReadStream } from 'node:fs';
import { ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { Context, Hono } from 'hono';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { HubError } from '../../core/errors';
import { parseByteRange } from '../../core/byte-range';
import { SHA256_NAME } from '../../adapters/artifacts';
import type { HubContext } from '../../services/context';
import { probeBlobsAssignedTo } from '../../services/models/probe-blobs';
import { requireDevice, type AppEnv } from '../auth';
import type { RouteSpec } from '../openapi';
import { artifactParams } from '../schemas';

export const artifactSpecs: RouteSpec[] = [
  {
    method: 'get',
    path: '/artifacts/{sha256}',
    summary: 'A model file (or a probe blob a release assigned to the device names) by content hash; supports Range: bytes=a-b',
    auth: 'device-or-admin',
    scope: 'read',
    params: artifactParams,
    responses: {
      200: { description: 'the whole file', mediaType: 'application/octet-stream' },
      206: { description: 'the requested range', mediaType: 'application/octet-stream' },
      403: { description: 'a probe blob no release assigned to this device names' },
      416: { description: 'range not satisfiable' },
      503: { description: 'E_ARTIFACT_CORRUPT: the stored file no longer has this hash; not served until the same bytes are uploaded again' },
    },
  },
];

const notFound = (): HubError => new HubError('E_NOT_FOUND', 'artifact not found');

/** Node's response for this request when @hono/node-server serves it (its `HttpBindings.outgoing`), else null. */
function nodeResponseOf(c: Context<AppEnv>): ServerResponse | null {
  const env: unknown = c.env;
  if (typeof env !== 'object' || env === null || !('outgoing' in env)) return null;
  return env.outgoing instanceof ServerResponse ? env.outgoing : null;
}

/**
 * Waits until the file is open, so a file gone since its size was read (or unreadable) is an
 * error answer, not a 200 cut short after its headers.
 */
async function opened(stream: ReadStream): Promise<ReadStream> {
  try {
    await once(stream, 'ready');
    return stream;
  } catch (cause) {
    stream.destroy();
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') throw notFound();
    throw cause;
  }
}

/** The store holding `name`: model files first, then probe blobs, checked against the device's assignment. */
async function storeHolding(c: Context<AppEnv>, ctx: HubContext, name: string): Promise<{ store: HubContext['artifacts']; size: number }> {
  const modelSize = await ctx.artifacts.sizeOf(name);
  if (modelSize !== null) return { store: ctx.artifacts, size: modelSize };
  const probeSize = await ctx.probes.sizeOf(name);
  if (probeSize === null) throw notFound();
  const principal = c.get('principal');
  if (principal.kind === 'device' && !(await probeBlobsAssignedTo(ctx, principal.id)).has(name)) {
    throw new HubError('E_FORBIDDEN', `probe blob ${name}: no release assigned to device ${principal.id} names it`);
  }
  return { store: ctx.probes, size: probeSize };
}

export function registerArtifacts(app: Hono<AppEnv>, ctx: HubContext): void {
  app.get('/artifacts/:sha256', requireDevice(ctx, { allowAdmin: true }), async (c) => {
    const name = c.req.param('sha256');
    // Only a hash ever becomes a path: no `..`, separators or NUL can reach the file system.
    if (!SHA256_NAME.test(name)) throw notFound();
    const { store } = await storeHolding(c, ctx, name);
    const { state, size } = await store.verify(name);
    if (state === 'missing') throw notFound();
    if (state === 'corrupt') {
      throw new HubError('E_ARTIFACT_CORRUPT', `${store.folder === 'probes' ? 'probe blob' : 'model file'} ${name} is corrupt on the hub (its bytes no longer have this hash); upload the same file again to repair it`);
    }
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
    const file = await opened(store.open(name, part));
    const outgoing = nodeResponseOf(c);
    if (!outgoing) return new Response(Readable.toWeb(file) as ReadableStream<Uint8Array>, { status, headers });
    // Written here, not through Hono's Response: a header a middleware set with c.header() would
    // not go out on this path (none does for this route).
    outgoing.writeHead(status, headers);
    // A client that goes away closes the file at once, and a read error ends the response (the
    // agent resumes with a Range and checks the hash anyway). pipe() with these two handlers, not
    // pipeline(): pipeline's AbortController raised a DOMException per finished download, 1.3 ms
    // each, a fifth of the hub's CPU when 5,000 devices fetched a release.
    outgoing.once('close', () => {
      if (!outgoing.writableFinished) file.destroy();
    });
    file.once('error', (error: NodeJS.ErrnoException) => {
      ctx.logger.warn('artifact download failed', { sha256: name, error: error.message });
      outgoing.destroy(error);
    });
    file.pipe(outgoing);
    return RESPONSE_ALREADY_SENT;
  });
}
