/**
 * onnxruntime-web's WebAssembly runtime, served by the hub itself (issue 14): browser runtimes load
 * it from here, never from a CDN. Only the files the wasm build needs are served, by name. The
 * 14 MB wasm is read and gzipped once, on first request, and kept: every browser that runs a model
 * fetches it, and at a tenth of a second of CPU per gzip a busy hub should not redo it.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { Hono } from 'hono';
import type { AppEnv } from '../auth';
import type { RouteSpec } from '../openapi';

export const ORT_WASM_PATH = '/web-runtime/ort';

const FILES: Record<string, string> = {
  'ort-wasm-simd-threaded.wasm': 'application/wasm',
  'ort-wasm-simd-threaded.mjs': 'text/javascript; charset=utf-8',
};

export const webRuntimeSpecs: RouteSpec[] = [
  {
    method: 'get',
    path: `${ORT_WASM_PATH}/{file}`,
    summary: "onnxruntime-web's wasm runtime for browser runtimes (ort-wasm-simd-threaded.wasm and .mjs); gzipped when the browser accepts it",
    auth: 'none',
    scope: 'none',
    responses: { 200: { description: 'the file', mediaType: 'application/wasm' }, 404: { description: 'not a file of the wasm runtime' } },
  },
];

interface Served {
  raw: Uint8Array;
  gzipped: Uint8Array;
  etag: string;
}

const ortDir = (): string => dirname(createRequire(import.meta.url).resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm'));
/** The package's version names the files' ETag (package.json is not in its exports: read beside dist/). */
const ortVersion = async (): Promise<string> => (JSON.parse(await readFile(join(ortDir(), '..', 'package.json'), 'utf8')) as { version: string }).version;

export function registerWebRuntime(app: Hono<AppEnv>): void {
  const cache = new Map<string, Promise<Served>>();
  const load = (name: string): Promise<Served> => {
    let served = cache.get(name);
    if (!served) {
      served = (async () => {
        const raw = new Uint8Array(await readFile(join(ortDir(), name)));
        const gzipped = new Uint8Array(await promisify(gzip)(raw));
        return { raw, gzipped, etag: `"ort-${await ortVersion()}-${name}"` };
      })();
      // A failed read is retried by the next request, not remembered.
      served.catch(() => cache.delete(name));
      cache.set(name, served);
    }
    return served;
  };
  app.get(`${ORT_WASM_PATH}/:file`, async (c) => {
    const name = c.req.param('file');
    const type = FILES[name];
    if (!type) return c.text('not a file of the wasm runtime\n', 404);
    const served = await load(name);
    c.header('Cache-Control', 'public, max-age=86400');
    c.header('ETag', served.etag);
    c.header('Vary', 'Accept-Encoding');
    c.header('X-Content-Type-Options', 'nosniff');
    if (c.req.header('if-none-match') === served.etag) return c.body(null, 304);
    const gzipOk = /\bgzip\b/.test(c.req.header('accept-encoding') ?? '');
    if (gzipOk) c.header('Content-Encoding', 'gzip');
    const body = gzipOk ? served.gzipped : served.raw;
    return c.body(new Uint8Array(body.buffer as ArrayBuffer, body.byteOffset, body.byteLength), 200, { 'Content-Type': type });
  });
}
