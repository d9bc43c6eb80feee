/** The admin and device HTTP API against a real hub: SQLite file, onnxruntime, signing keys. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connectAsync } from 'mqtt';
import { desiredTopic, verifyDeployment, verifyInitialTrust, verifyRelease, type Envelope } from '@edgefleet/protocol';
import type { Hub } from '../src/index';
import { SILERO_PROBE, SILERO_V5, api, basicAuth, enrol, makeTempDir, nextMessage, releaseFetcher, testHub } from './support';

/** vitest's deep equality walks megabytes element by element; Buffer.equals does not. */
const sameBytes = (a: ArrayBuffer | Uint8Array, b: Uint8Array): boolean => Buffer.from(a instanceof Uint8Array ? a : new Uint8Array(a)).equals(Buffer.from(b));

type ErrorReply = { error: { code: string; message: string; details?: unknown } };

describe('hub HTTP API', () => {
  let dir: Awaited<ReturnType<typeof makeTempDir>>;
  let hub: Hub;
  let silero: Uint8Array;

  beforeAll(async () => {
    dir = await makeTempDir();
    hub = await testHub(dir.path, { maxModelBytes: 4 * 1024 * 1024 });
    silero = new Uint8Array(await readFile(SILERO_V5));
  });
  afterAll(async () => {
    await hub?.close();
    await dir?.remove();
  });

  it('GET /healthz answers without a token', async () => {
    const reply = await api(hub, 'GET', '/healthz', { token: null });
    expect(reply).toMatchObject({ status: 200, body: { status: 'ok' } });
  });

  it('the OpenAPI document lists every route, without a token', async () => {
    const reply = await api<{ openapi: string; paths: Record<string, Record<string, unknown>> }>(hub, 'GET', '/api/v1/openapi.json', { token: null });
    expect(reply.status).toBe(200);
    expect(reply.body.openapi).toMatch(/^3\.1/);
    const listed = Object.entries(reply.body.paths).flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`));
    expect(listed).toEqual(
      expect.arrayContaining([
        'GET /healthz',
        'GET /api/v1/openapi.json',
        'POST /api/v1/devices',
        'GET /api/v1/devices',
        'GET /api/v1/devices/{id}',
        'PUT /api/v1/devices/{id}/assignment',
        'POST /api/v1/models/{model}/versions',
        'GET /api/v1/models',
        'GET /api/v1/models/{model}/versions/{version}',
        'GET /api/v1/broker/stats',
        'GET /artifacts/{sha256}',
        'GET /device/v1/config',
      ]),
    );
    const enrolOp = reply.body.paths['/api/v1/devices']?.post as { requestBody: { content: Record<string, { schema: { properties: object } }> } };
    expect(Object.keys(enrolOp.requestBody.content['application/json']?.schema.properties ?? {})).toEqual(['id', 'ring', 'tags']);
  });

  it.each([
    ['no token', null],
    ['a wrong token', 'not-the-token'],
  ])('refuses the admin API with %s', async (_what, token) => {
    const reply = await api<ErrorReply>(hub, 'GET', '/api/v1/devices', { token });
    expect(reply.status).toBe(401);
    expect(reply.body.error.code).toBe('E_UNAUTHORIZED');
  });

  it('enrols a device once, returning its secret once', async () => {
    const reply = await api<{ id: string; secret: string }>(hub, 'POST', '/api/v1/devices', { json: { id: 'dev-enrol', ring: 'canary', tags: { site: 'lab' } } });
    expect(reply.status).toBe(201);
    expect(reply.body.id).toBe('dev-enrol');
    expect(Buffer.from(reply.body.secret, 'base64url')).toHaveLength(32);

    const again = await api<ErrorReply>(hub, 'POST', '/api/v1/devices', { json: { id: 'dev-enrol' } });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('E_CONFLICT');

    const listed = await api<{ devices: Array<{ id: string; ring: string; tags: object; state: null; online: boolean }> }>(hub, 'GET', '/api/v1/devices');
    expect(listed.body.devices).toContainEqual(expect.objectContaining({ id: 'dev-enrol', ring: 'canary', tags: { site: 'lab' }, state: null, online: false }));
    expect(JSON.stringify(listed.body)).not.toContain(reply.body.secret);
  });

  it('400 names the bad field; 404 for an unknown device', async () => {
    const bad = await api<ErrorReply>(hub, 'POST', '/api/v1/devices', { json: { id: 'a/b#' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('E_VALIDATION');
    expect(bad.body.error.message).toMatch(/^id: /);

    const notJson = await api<ErrorReply>(hub, 'POST', '/api/v1/devices', { bytes: new Uint8Array([1, 2]), headers: {} });
    expect(notJson.status).toBe(400);

    const huge = await api<ErrorReply>(hub, 'POST', '/api/v1/devices', { bytes: new Uint8Array(100 * 1024).fill(0x20) });
    expect(huge.status).toBe(413);

    const missing = await api<ErrorReply>(hub, 'GET', '/api/v1/devices/nobody');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('E_NOT_FOUND');
  });

  describe('models', () => {
    let sha256 = '';

    it('uploads Silero VAD v5 with probe hints; the version shows io, probe and a signed manifest', async () => {
      const reply = await api<{ model: string; version: string; sha256: string; size: number; releaseCounter: number; io: { inputs: Array<{ name: string }> } }>(
        hub,
        'POST',
        `/api/v1/models/vad/versions?version=1.0.0&probe=${SILERO_PROBE}`,
        { bytes: silero },
      );
      expect(reply.status).toBe(201);
      expect(reply.body).toMatchObject({ model: 'vad', version: '1.0.0', size: silero.length, releaseCounter: 1 });
      expect(reply.body.io.inputs.map((input) => input.name)).toEqual(['input', 'state', 'sr']);
      sha256 = reply.body.sha256;
      expect(sameBytes(await readFile(join(dir.path, 'artifacts', sha256)), silero)).toBe(true);

      const version = await api<{ io: unknown; probe: { inputs: Record<string, { dims: number[] }>; expected: Record<string, { dims: number[] }> }; manifestEnvelope: Envelope }>(
        hub,
        'GET',
        '/api/v1/models/vad/versions/1.0.0',
      );
      expect(version.status).toBe(200);
      expect(version.body.probe.inputs.input?.dims).toEqual([1, 512]);
      expect(version.body.probe.inputs.state?.dims).toEqual([2, 1, 128]);
      expect(version.body.probe.expected.output?.dims).toEqual([1, 1]);

      const config = await api<{ trust: Envelope }>(hub, 'GET', '/device/v1/config', { token: null, headers: { authorization: basicAuth('dev-models', await enrol(hub, 'dev-models')) } });
      const trust = await verifyInitialTrust(config.body.trust, new Date());
      const manifest = await verifyRelease(version.body.manifestEnvelope, trust);
      expect(manifest).toMatchObject({ model: 'vad', version: '1.0.0', releaseCounter: 1, artifact: { sha256, size: silero.length, url: `${hub.httpUrl}/artifacts/${sha256}` } });
      expect(manifest.probe.tolerance).toEqual({ abs: 1e-4, rel: 1e-3 });
    });

    it('defaults the label to the release counter and refuses a duplicate label', async () => {
      const second = await api<{ version: string; releaseCounter: number }>(hub, 'POST', `/api/v1/models/vad/versions?probe=${SILERO_PROBE}`, { bytes: silero });
      expect(second.body).toMatchObject({ version: '2', releaseCounter: 2 });
      const duplicate = await api<ErrorReply>(hub, 'POST', `/api/v1/models/vad/versions?version=1.0.0&probe=${SILERO_PROBE}`, { bytes: silero });
      expect(duplicate.status).toBe(409);
    });

    it('a file that is not ONNX is 422 E_INVALID_MODEL and stores nothing', async () => {
      const before = await api(hub, 'GET', '/api/v1/models');
      const artifactsBefore = await readdir(join(dir.path, 'artifacts'));
      const reply = await api<ErrorReply>(hub, 'POST', '/api/v1/models/junk/versions', { bytes: new TextEncoder().encode('definitely not a model') });
      expect(reply.status).toBe(422);
      expect(reply.body.error.code).toBe('E_INVALID_MODEL');
      expect(reply.body.error.message).toMatch(/^not a loadable ONNX model: /);
      expect((await api(hub, 'GET', '/api/v1/models')).body).toEqual(before.body);
      expect(await readdir(join(dir.path, 'artifacts'))).toEqual(artifactsBefore);
      expect(await readdir(join(dir.path, 'tmp'))).toEqual([]);
    });

    it('a model whose probe cannot run is 422 E_PROBE_FAILED and says to pass ?probe=', async () => {
      const reply = await api<ErrorReply>(hub, 'POST', '/api/v1/models/vad-noprobe/versions', { bytes: silero });
      expect(reply.status).toBe(422);
      expect(reply.body.error.code).toBe('E_PROBE_FAILED');
      expect(reply.body.error.message).toContain('?probe=');
      expect((await api(hub, 'GET', '/api/v1/models/vad-noprobe/versions/1')).status).toBe(404);
    });

    it('a bad probe hint is 400 naming it', async () => {
      const probe = encodeURIComponent(JSON.stringify({ input: { dims: ['x'] } }));
      const reply = await api<ErrorReply>(hub, 'POST', `/api/v1/models/vad/versions?probe=${probe}`, { bytes: silero });
      expect(reply.status).toBe(400);
      expect(reply.body.error.message).toMatch(/^probe\.input\.dims/);
    });

    it('an upload over maxModelBytes is 413, with or without a declared length', async () => {
      const big = new Uint8Array(4 * 1024 * 1024 + 1);
      const declared = await api<ErrorReply>(hub, 'POST', '/api/v1/models/big/versions', { bytes: big });
      expect(declared.status).toBe(413);
      expect(declared.body.error.code).toBe('E_TOO_LARGE');

      // Chunked: the cap is enforced while streaming.
      const chunks = new ReadableStream<Uint8Array>({
        pull(controller) {
          controller.enqueue(new Uint8Array(1024 * 1024));
        },
      });
      const response = await fetch(`${hub.httpUrl}/api/v1/models/big/versions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${hub.adminToken}`, 'content-type': 'application/octet-stream' },
        body: chunks,
        duplex: 'half',
      } as RequestInit);
      expect(response.status).toBe(413);
      expect(await readdir(join(dir.path, 'tmp'))).toEqual([]);
    });

    describe('artifacts', () => {
      let secret = '';
      beforeAll(async () => {
        secret = await enrol(hub, 'dev-download');
      });

      it('serves the whole file to a device with Basic auth, with cache and range headers', async () => {
        const response = await fetch(`${hub.httpUrl}/artifacts/${sha256}`, { headers: { authorization: basicAuth('dev-download', secret) } });
        expect(response.status).toBe(200);
        expect(response.headers.get('accept-ranges')).toBe('bytes');
        expect(response.headers.get('etag')).toBe(`"${sha256}"`);
        expect(response.headers.get('content-length')).toBe(String(silero.length));
        expect(response.headers.get('cache-control')).toContain('immutable');
        expect(sameBytes(await response.arrayBuffer(), silero)).toBe(true);
      });

      it('serves a Range as 206 with the right bytes, and 416 past the end', async () => {
        const auth = { authorization: basicAuth('dev-download', secret) };
        const partial = await fetch(`${hub.httpUrl}/artifacts/${sha256}`, { headers: { ...auth, range: 'bytes=1000-1999' } });
        expect(partial.status).toBe(206);
        expect(partial.headers.get('content-range')).toBe(`bytes 1000-1999/${silero.length}`);
        expect(new Uint8Array(await partial.arrayBuffer())).toEqual(silero.subarray(1000, 2000));

        const tail = await fetch(`${hub.httpUrl}/artifacts/${sha256}`, { headers: { ...auth, range: `bytes=${silero.length - 10}-` } });
        expect(tail.status).toBe(206);
        expect(new Uint8Array(await tail.arrayBuffer())).toEqual(silero.subarray(silero.length - 10));

        const beyond = await fetch(`${hub.httpUrl}/artifacts/${sha256}`, { headers: { ...auth, range: `bytes=${silero.length}-` } });
        expect(beyond.status).toBe(416);
        expect(beyond.headers.get('content-range')).toBe(`bytes */${silero.length}`);
      });

      it('refuses missing or wrong credentials and non-hash names', async () => {
        expect((await fetch(`${hub.httpUrl}/artifacts/${sha256}`)).status).toBe(401);
        expect((await fetch(`${hub.httpUrl}/artifacts/${sha256}`, { headers: { authorization: basicAuth('dev-download', 'wrong') } })).status).toBe(401);
        expect((await fetch(`${hub.httpUrl}/artifacts/${sha256}`, { headers: { authorization: `Bearer ${hub.adminToken}` } })).status).toBe(200);
        const auth = { authorization: basicAuth('dev-download', secret) };
        for (const name of ['..%2F..%2Fedgefleet.db', 'ABC', `${sha256.slice(0, 63)}g`, '0'.repeat(64)]) {
          expect((await fetch(`${hub.httpUrl}/artifacts/${name}`, { headers: auth })).status).toBe(404);
        }
      });
    });

    describe('assignment', () => {
      it('publishes a retained, signed deployment doc the protocol verifier accepts', async () => {
        const secret = await enrol(hub, 'dev-assign');
        const reply = await api<{ device: string; model: string; version: string; seq: number; shadow: null }>(hub, 'PUT', '/api/v1/devices/dev-assign/assignment', {
          json: { model: 'vad', version: '1.0.0' },
        });
        expect(reply.status).toBe(200);
        expect(reply.body).toEqual({ device: 'dev-assign', model: 'vad', version: '1.0.0', seq: 1, shadow: null });

        const config = await api<{ mqttUrl: string; wsUrl: string; trust: Envelope }>(hub, 'GET', '/device/v1/config', {
          token: null,
          headers: { authorization: basicAuth('dev-assign', secret) },
        });
        expect(config.body.mqttUrl).toBe(hub.mqttUrl);
        expect(config.body.wsUrl).toBe(hub.wsUrl);
        const trust = await verifyInitialTrust(config.body.trust, new Date());

        // Subscribed after the publish: only a retained message can arrive. Over WebSocket, too.
        const client = await connectAsync(hub.wsUrl, { clientId: 'dev-assign', username: 'dev-assign', password: secret, reconnectPeriod: 0, protocolVersion: 4 });
        try {
          const message = nextMessage(client, desiredTopic('dev-assign'));
          await client.subscribeAsync(desiredTopic('dev-assign'), { qos: 1 });
          const bytes = new Uint8Array(await message);
          // Releases are named by hash, not inlined: the doc stays small whatever the manifest holds.
          expect(bytes.length).toBeLessThan(1500);
          const verdict = await verifyDeployment(bytes, {
            trust,
            deviceId: 'dev-assign',
            now: new Date(),
            lastSeq: 0,
            active: null,
            runtime: { version: '1.30.0', maxOpset: 21 },
            fetchRelease: releaseFetcher(hub, 'dev-assign', secret),
          });
          expect(verdict.kind).toBe('accept');
          if (verdict.kind === 'accept') {
            expect(verdict.doc.seq).toBe(1);
            expect(verdict.release).toMatchObject({ model: 'vad', version: '1.0.0', artifact: { sha256 } });
            // The manifest route: devices only, and only hashes it has.
            const ref = verdict.doc.active;
            if (!('sha256' in ref)) throw new Error('expected a reference');
            expect((await fetch(`${hub.httpUrl}/device/v1/releases/${ref.sha256}`)).status).toBe(401);
            expect((await fetch(`${hub.httpUrl}/device/v1/releases/${'0'.repeat(64)}`, { headers: { authorization: basicAuth('dev-assign', secret) } })).status).toBe(404);
            expect((await fetch(`${hub.httpUrl}/device/v1/releases/..%2Fkeys`, { headers: { authorization: basicAuth('dev-assign', secret) } })).status).toBe(404);
          }
        } finally {
          await client.endAsync();
        }

        const device = await api<{ assignment: { model: string; version: string; seq: number } }>(hub, 'GET', '/api/v1/devices/dev-assign');
        expect(device.body.assignment).toMatchObject({ model: 'vad', version: '1.0.0', seq: 1 });
        const audit = await api<{ entries: Array<{ action: string }> }>(hub, 'GET', '/api/v1/audit?subject=device:dev-assign');
        expect(audit.body.entries.map((entry) => entry.action)).toEqual(expect.arrayContaining(['device.enrolled', 'device.assigned']));
      });

      it('an older release is pinned as an authorised downgrade, with the replaced one as fallback', async () => {
        await enrol(hub, 'dev-pin');
        expect((await api(hub, 'PUT', '/api/v1/devices/dev-pin/assignment', { json: { model: 'vad', version: '2' } })).status).toBe(200);
        const reply = await api<{ seq: number }>(hub, 'PUT', '/api/v1/devices/dev-pin/assignment', { json: { model: 'vad', version: '1.0.0' } });
        expect(reply.body.seq).toBe(2);
        const audit = await api<{ entries: Array<{ action: string; details: { allowDowngrade: boolean; previous: string } }> }>(hub, 'GET', '/api/v1/audit?subject=device:dev-pin&limit=1');
        expect(audit.body.entries[0]?.details).toMatchObject({ allowDowngrade: true, previous: 'vad@2' });
      });

      it('a pin older than a release the device may still serve allows the downgrade, even when the device skipped the pin in between', async () => {
        // A device acts on the newest retained doc: after pins of 3 and then 1.0.0 in quick
        // succession it may still serve 3 (it never read the second doc) while its last report is
        // older still. A pin of 2 must then allow the downgrade from 3, or the device refuses it.
        const third = await api<{ version: string }>(hub, 'POST', `/api/v1/models/vad/versions?version=3&probe=${SILERO_PROBE}`, { bytes: silero });
        expect([201, 409]).toContain(third.status);
        await enrol(hub, 'dev-skip');
        for (const version of ['3', '1.0.0', '2']) expect((await api(hub, 'PUT', '/api/v1/devices/dev-skip/assignment', { json: { model: 'vad', version } })).status).toBe(200);
        const audit = await api<{ entries: Array<{ details: { seq: number; allowDowngrade: boolean } }> }>(hub, 'GET', '/api/v1/audit?subject=device:dev-skip&action=device.assigned&limit=10');
        expect(audit.body.entries.map((e) => [e.details.seq, e.details.allowDowngrade]).sort((a, b) => Number(a[0]) - Number(b[0]))).toEqual([
          [1, false],
          [2, true],
          [3, true],
        ]);
      });

      it('404 for an unknown device or version, 400 for a bad body', async () => {
        const unknownDevice = await api<ErrorReply>(hub, 'PUT', '/api/v1/devices/ghost/assignment', { json: { model: 'vad', version: '1.0.0' } });
        expect(unknownDevice.status).toBe(404);
        const unknownVersion = await api<ErrorReply>(hub, 'PUT', '/api/v1/devices/dev-assign/assignment', { json: { model: 'vad', version: '99' } });
        expect(unknownVersion.status).toBe(404);
        const badBody = await api<ErrorReply>(hub, 'PUT', '/api/v1/devices/dev-assign/assignment', { json: { model: 'vad' } });
        expect(badBody.status).toBe(400);
        expect(badBody.body.error.message).toMatch(/^version: /);
      });
    });
  });
});
