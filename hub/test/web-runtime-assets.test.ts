/**
 * ISSUE 14 (no CDN): the hub serves onnxruntime-web's wasm runtime itself, byte for byte the
 * package's files, gzipped when the browser accepts it, revalidated by ETag; nothing else by name.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { Hub } from '../src/index';
import { useTestHub } from './support';

const packageFile = (name: string): Promise<Buffer> => readFile(createRequire(import.meta.url).resolve(`onnxruntime-web/${name}`));

describe("onnxruntime-web's wasm files from the hub", () => {
  let hub: Hub;
  useTestHub((started) => (hub = started.hub));

  it('serves the wasm and its loader as the package ships them, gzipped on request', async () => {
    const wasm = await packageFile('ort-wasm-simd-threaded.wasm');
    const plain = await fetch(`${hub.httpUrl}/web-runtime/ort/ort-wasm-simd-threaded.wasm`, { headers: { 'accept-encoding': 'identity' } });
    expect(plain.status).toBe(200);
    expect(plain.headers.get('content-type')).toBe('application/wasm');
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(Buffer.from(await plain.arrayBuffer()).equals(wasm)).toBe(true);

    // Node's fetch would decompress on its own: ask through a raw request to see the encoding.
    const { request } = await import('node:http');
    const gzipped = await new Promise<{ encoding: string | undefined; body: Buffer }>((resolve, reject) => {
      request(`${hub.httpUrl}/web-runtime/ort/ort-wasm-simd-threaded.wasm`, { headers: { 'accept-encoding': 'gzip' } }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ encoding: response.headers['content-encoding'], body: Buffer.concat(chunks) }));
      })
        .on('error', reject)
        .end();
    });
    expect(gzipped.encoding).toBe('gzip');
    expect(gzipped.body.length).toBeLessThan(wasm.length / 2);
    expect(gunzipSync(gzipped.body).equals(wasm)).toBe(true);

    const loader = await fetch(`${hub.httpUrl}/web-runtime/ort/ort-wasm-simd-threaded.mjs`);
    expect(loader.headers.get('content-type')).toContain('text/javascript');
    expect(await loader.text()).toBe((await packageFile('ort-wasm-simd-threaded.mjs')).toString('utf8'));

    const etag = plain.headers.get('etag') ?? '';
    expect(etag).toMatch(/^"ort-1\.\d+\.\d+-ort-wasm-simd-threaded\.wasm"$/);
    expect((await fetch(`${hub.httpUrl}/web-runtime/ort/ort-wasm-simd-threaded.wasm`, { headers: { 'if-none-match': etag } })).status).toBe(304);
  });

  it('serves nothing else by name', async () => {
    for (const name of ['ort.all.min.mjs', '..%2Fpackage.json', 'ort-wasm-simd-threaded.jsep.wasm']) {
      expect((await fetch(`${hub.httpUrl}/web-runtime/ort/${name}`)).status, name).toBe(404);
    }
  });
});
