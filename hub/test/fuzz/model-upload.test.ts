/**
 * Fuzzing model uploads on a real hub over HTTP: the route's metadata (model name, version, probe
 * hints and the other query parameters) and the .onnx bytes themselves (a real small model bent
 * byte by byte, truncated, grown; arbitrary bytes). Property: never a 5xx, every refusal is
 * `{ error: { code, message } }` (a 400 naming the parameter), a refused upload stores nothing (no
 * version listed, no file left in the data dir), and the hub keeps serving.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Hub } from '../../src/index';
import { api, makeTempDir, testHub, type TempDir } from '../support';
import { anyJson, fuzz, hostileBytes, mutatedBytes, mutationOf, runs } from '../../../test/support/fuzz';
import { classifierOnnx, filesUnder, isErrorBody, read } from './support';

const MODEL = 'fz-upload';

describe('fuzzing model uploads on a real hub', () => {
  let dir: TempDir;
  let hub: Hub;
  const model = classifierOnnx(3);

  /** What an upload stores: the versions listed and the files of the data dir (the database's own files aside). */
  const snapshot = async () => ({
    models: await read(hub, '/api/v1/models?archived=true'),
    files: (await filesUnder(dir.path)).filter((file) => !/\.(db|sqlite)(-wal|-shm|-journal)?$/.test(file)),
  });

  async function upload(path: string, bytes: Uint8Array): Promise<{ status: number; body: unknown; text: string }> {
    const response = await fetch(`${hub.httpUrl}${path}`, { method: 'POST', headers: { authorization: `Bearer ${hub.adminToken}`, 'content-type': 'application/octet-stream' }, body: bytes as BodyInit });
    const text = await response.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    return { status: response.status, body, text };
  }

  beforeAll(async () => {
    dir = await makeTempDir();
    hub = await testHub(dir.path);
    const first = await api(hub, 'POST', `/api/v1/models/${MODEL}/versions?version=1`, { bytes: model });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
  }, 60_000);

  afterAll(async () => {
    await hub?.close();
    await dir?.remove();
  });

  it('hostile names, versions, probe hints and query parameters: a 4xx naming the parameter, nothing stored', async () => {
    const name = fc.oneof(fc.constantFrom(MODEL, 'fz-other', 'a', 'a'.repeat(64), 'a'.repeat(65), '.hidden', '-x', 'x y', '%00', '%2F..%2F', 'ünï', '%ED%A0%80'), fc.string({ maxLength: 80, unit: 'binary' }).map(encodeURIComponent));
    const value = fc.oneof(
      fc.constantFrom('2', '1', '1.0.0+build', '', 'v'.repeat(65), '-1', '%00', '%', '%zz', 'd'.repeat(64)),
      fc.string({ maxLength: 100, unit: 'binary' }).map(encodeURIComponent),
    );
    const probe = fc.oneof(
      mutationOf({ x: { dims: [1, 3], data: [0.5, -1, 2] } }).map((m) => encodeURIComponent(m.text)),
      anyJson().map((json) => encodeURIComponent(JSON.stringify(json))),
      fc.constantFrom('%7B', 'null', '%7B%22x%22%3A%7B%22dims%22%3A%5B1000000%2C1000000%5D%7D%7D', encodeURIComponent(JSON.stringify({ x: { dims: [1, 3], data: new Array(70_000).fill(1) } }))),
    );
    const param = fc.oneof(
      value.map((v) => `version=${v}`),
      probe.map((p) => `probe=${p}`),
      value.map((v) => `referenceDataset=${v}`),
      value.map((v) => `columns=${v}`),
      value.map((v) => `target=${v}`),
      value.map((v) => `samples=${v}`),
      value.map((v) => `unknown=${v}`),
    );
    let before = await snapshot();
    await fuzz(
      fc.asyncProperty(name, fc.array(param, { minLength: 1, maxLength: 4 }), async (modelName, params) => {
        const path = `/api/v1/models/${modelName}/versions?${params.join('&')}`;
        const sent = await upload(path, model);
        const what = `POST ${path.slice(0, 400)}: ${sent.status} ${sent.text.slice(0, 400)}`;
        expect(sent.status, what).toBeLessThan(500);
        if (sent.status < 400) {
          before = await snapshot();
          return;
        }
        // 431: Node's HTTP server refuses a request line over its header limit (16 KiB) before the hub sees it.
        if (sent.status !== 431) expect(isErrorBody(sent.body), what).toBe(true);
        if (sent.status === 400 && isErrorBody(sent.body) && sent.body.error.code === 'E_VALIDATION') {
          const named = ['model', 'version', 'probe', 'referenceDataset', 'columns', 'target', 'samples', '(root)'];
          expect(named.some((field) => sent.body !== undefined && isErrorBody(sent.body) && sent.body.error.message.includes(field)), what).toBe(true);
        }
        expect(await snapshot(), what).toEqual(before);
      }),
      { numRuns: runs(40), runTimeoutMs: 60_000 },
    );
  }, 240_000);

  it('malformed or truncated .onnx bytes: refused with a typed error and nothing stored, or a model that loads and probes', async () => {
    let before = await snapshot();
    let version = 100;
    await fuzz(
      fc.asyncProperty(fc.oneof({ weight: 4, arbitrary: mutatedBytes(model).map((m) => m.bytes) }, { weight: 1, arbitrary: hostileBytes() }), async (bytes) => {
        const path = `/api/v1/models/${MODEL}/versions?version=${++version}`;
        const sent = await upload(path, bytes);
        const what = `POST ${path} with ${bytes.length} bytes: ${sent.status} ${sent.text.slice(0, 400)}`;
        expect(sent.status, what).toBeLessThan(500);
        if (sent.status === 201) {
          // Still a model (a weight changed): stored under the hash of exactly these bytes.
          const stored = await read<{ sha256: string; size: number }>(hub, `/api/v1/models/${MODEL}/versions/${version}`);
          expect(stored.size).toBe(bytes.length);
          before = await snapshot();
          return;
        }
        expect(isErrorBody(sent.body), what).toBe(true);
        expect(await snapshot(), what).toEqual(before);
      }),
      { numRuns: runs(60), runTimeoutMs: 60_000 },
    );
    expect((await fetch(`${hub.httpUrl}/healthz`)).status).toBe(200);
  }, 300_000);
});
