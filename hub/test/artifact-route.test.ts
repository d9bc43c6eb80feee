/**
 * GET /artifacts/<sha256> over both of its paths, one contract: served by @hono/node-server (the
 * file piped into Node's response, as the hub runs) and through app.request() (no Node response:
 * a web stream). Auth, Range/206/416, HEAD, ETag, Cache-Control, Content-Length and errors are
 * the same on both; on the Node path a client that goes away mid-download closes the file.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdir, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Hono } from 'hono';
import { serve } from '@hono/node-server';
import { createArtifactStore, type ArtifactStore } from '../src/adapters/artifacts';
import type { AuthOutcome } from '../src/core/auth-admission';
import { handleError } from '../src/http/errors';
import type { AppEnv } from '../src/http/auth';
import { registerArtifacts } from '../src/http/routes/artifacts';
import type { HubContext } from '../src/services/context';
import { basicAuth, makeTempDir } from './support';

const ADMIN = 'artifact-route-admin-token-0123456789';
const logged: string[] = [];
const logger = { debug: () => undefined, info: () => undefined, warn: (msg: string) => void logged.push(msg), error: (msg: string) => void logged.push(msg) };

/** 300 KiB of seeded bytes: several 64 KiB read chunks. */
function fileBytes(size: number): Uint8Array {
  const out = new Uint8Array(size);
  let state = 12345;
  for (let i = 0; i < size; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    out[i] = state >>> 24;
  }
  return out;
}

type Fetcher = (path: string, init?: RequestInit) => Promise<Response>;

describe('GET /artifacts/<sha256>', () => {
  let dir: Awaited<ReturnType<typeof makeTempDir>>;
  let store: ArtifactStore;
  let app: Hono<AppEnv>;
  let server: ReturnType<typeof serve>;
  let baseUrl = '';
  let sha256 = '';
  let emptySha = '';
  const bytes = fileBytes(300 * 1024);

  beforeAll(async () => {
    dir = await makeTempDir();
    store = await createArtifactStore(dir.path);
    sha256 = (await store.put(bytes)).sha256;
    // Uploads refuse empty files; one on disk is still served as it is.
    emptySha = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
    await writeFile(store.pathOf(emptySha), new Uint8Array(0));
    // The route needs the store, the admin token, device credentials and a logger of the hub's context.
    const ctx = {
      artifacts: store,
      probes: await createArtifactStore(dir.path, 'probes'),
      adminToken: ADMIN,
      logger,
      now: () => new Date(),
      credentials: {
        verify: async (device: string, secret: string): Promise<AuthOutcome> => (device === 'dev-1' && secret === 'the-secret' ? { kind: 'ok' } : { kind: 'invalid' }),
        hash: (secret: string) => secret,
      },
    } as unknown as HubContext;
    app = new Hono<AppEnv>();
    app.onError((error, c) => handleError(error, c, logger));
    registerArtifacts(app, ctx);
    server = await new Promise<ReturnType<typeof serve>>((resolve) => {
      const started = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(started));
    });
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    if (server) {
      await new Promise<void>((resolve) => {
        if ('closeAllConnections' in server) server.closeAllConnections();
        server.close(() => resolve());
      });
    }
    await dir?.remove();
  });

  const transports: Array<[string, () => Fetcher]> = [
    ['@hono/node-server (piped into the Node response)', () => (path, init) => fetch(`${baseUrl}${path}`, init)],
    ['app.request (web stream, no Node response)', () => async (path, init) => app.request(path, init)],
  ];

  for (const [transport, fetcherOf] of transports) {
    describe(transport, () => {
      const admin = { authorization: `Bearer ${ADMIN}` };
      const get = (path: string, headers: Record<string, string> = admin, method = 'GET') => fetcherOf()(path, { method, headers });
      const body = async (response: Response) => new Uint8Array(await response.arrayBuffer());

      it('serves the whole file with its headers, to an admin and to a device', async () => {
        for (const headers of [admin, { authorization: basicAuth('dev-1', 'the-secret') }]) {
          const response = await get(`/artifacts/${sha256}`, headers);
          expect(response.status).toBe(200);
          expect(Object.fromEntries(['content-type', 'accept-ranges', 'etag', 'cache-control', 'content-length'].map((h) => [h, response.headers.get(h)]))).toEqual({
            'content-type': 'application/octet-stream',
            'accept-ranges': 'bytes',
            etag: `"${sha256}"`,
            'cache-control': 'private, max-age=31536000, immutable',
            'content-length': String(bytes.length),
          });
          expect(Buffer.from(await body(response)).equals(Buffer.from(bytes))).toBe(true);
        }
      });

      it('serves ranges as 206 with Content-Range and the exact bytes, several ranges as the whole file', async () => {
        const cases: Array<[string, number, number]> = [
          ['bytes=1000-1999', 1000, 1999],
          ['bytes=-10', bytes.length - 10, bytes.length - 1],
          ['bytes=70000-', 70000, bytes.length - 1],
          [`bytes=0-${bytes.length + 5000}`, 0, bytes.length - 1],
        ];
        for (const [range, start, end] of cases) {
          const response = await get(`/artifacts/${sha256}`, { ...admin, range });
          expect(response.status, range).toBe(206);
          expect(response.headers.get('content-range'), range).toBe(`bytes ${start}-${end}/${bytes.length}`);
          expect(response.headers.get('content-length'), range).toBe(String(end - start + 1));
          expect(response.headers.get('etag'), range).toBe(`"${sha256}"`);
          expect(Buffer.from(await body(response)).equals(Buffer.from(bytes.subarray(start, end + 1))), range).toBe(true);
        }
        const several = await get(`/artifacts/${sha256}`, { ...admin, range: 'bytes=0-1,5-6' });
        expect(several.status).toBe(200);
        expect((await body(several)).length).toBe(bytes.length);
      });

      it('answers 416 with Content-Range */size for a range past the end', async () => {
        const response = await get(`/artifacts/${sha256}`, { ...admin, range: `bytes=${bytes.length}-` });
        expect(response.status).toBe(416);
        expect(response.headers.get('content-range')).toBe(`bytes */${bytes.length}`);
        expect((await body(response)).length).toBe(0);
      });

      it('answers HEAD with the headers of GET and no body, ranges included', async () => {
        const whole = await get(`/artifacts/${sha256}`, admin, 'HEAD');
        expect(whole.status).toBe(200);
        expect(whole.headers.get('content-length')).toBe(String(bytes.length));
        expect(whole.headers.get('etag')).toBe(`"${sha256}"`);
        expect((await body(whole)).length).toBe(0);
        const part = await get(`/artifacts/${sha256}`, { ...admin, range: 'bytes=10-19' }, 'HEAD');
        expect(part.status).toBe(206);
        expect(part.headers.get('content-range')).toBe(`bytes 10-19/${bytes.length}`);
        expect(part.headers.get('content-length')).toBe('10');
      });

      it('serves an empty file as an empty 200', async () => {
        const response = await get(`/artifacts/${emptySha}`);
        expect(response.status).toBe(200);
        expect(response.headers.get('content-length')).toBe('0');
        expect((await body(response)).length).toBe(0);
      });

      it('refuses missing or wrong credentials (401 with a Basic challenge) and unknown or non-hash names (404)', async () => {
        const none = await get(`/artifacts/${sha256}`, {});
        expect(none.status).toBe(401);
        expect(none.headers.get('www-authenticate')).toContain('Basic');
        expect((await none.json()) as unknown).toMatchObject({ error: { code: 'E_UNAUTHORIZED' } });
        expect((await get(`/artifacts/${sha256}`, { authorization: basicAuth('dev-1', 'wrong') })).status).toBe(401);
        for (const name of ['0'.repeat(64), 'ABC', `${sha256.slice(0, 63)}g`, '..%2F..%2Fsecrets']) {
          const response = await get(`/artifacts/${name}`);
          expect(response.status, name).toBe(404);
          expect((await response.json()) as unknown, name).toMatchObject({ error: { code: 'E_NOT_FOUND' } });
        }
      });
    });
  }

  it('closes the file when a client goes away mid-download, and keeps serving', async () => {
    const openFiles = async () => (await readdir('/proc/self/fd')).length;
    const before = await openFiles();
    for (let i = 0; i < 5; i++) {
      await new Promise<void>((resolve, reject) => {
        const request = http.get(`${baseUrl}/artifacts/${sha256}`, { headers: { authorization: `Bearer ${ADMIN}` }, agent: false }, (response) => {
          expect(response.statusCode).toBe(200);
          response.once('data', () => {
            request.destroy();
            resolve();
          });
        });
        request.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' ? resolve() : reject(error)));
      });
    }
    await expect.poll(openFiles, { timeout: 5000 }).toBeLessThanOrEqual(before);
    const response = await fetch(`${baseUrl}/artifacts/${sha256}`, { headers: { authorization: `Bearer ${ADMIN}` } });
    expect(Buffer.from(await response.arrayBuffer()).equals(Buffer.from(bytes))).toBe(true);
    // Refused logins of the tests before are logged on purpose (services/auth-failures.ts); nothing else may be.
    expect(logged.filter((message) => !message.startsWith('device auth failed'))).toEqual([]);
  });
});
