/** A hub restarted on the same data dir keeps its keys, trust, token, devices and desired state. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { desiredTopic, verifyDeployment, verifyInitialTrust, type Envelope } from '@edgefleet/protocol';
import { readSigningKeyPem, type Hub } from '../src/index';
import { SILERO_PROBE, SILERO_V5, api, basicAuth, connectDevice, enrol, makeTempDir, nextMessage, releaseFetcher, testHub } from './support';

describe('restart on the same data dir', () => {
  let dir: Awaited<ReturnType<typeof makeTempDir>>;
  let hub: Hub | undefined;

  beforeAll(async () => {
    dir = await makeTempDir();
  });
  afterAll(async () => {
    await hub?.close();
    await dir?.remove();
  });

  it('reloads keys, trust, admin token and devices, and republishes the retained deployment doc', async () => {
    // No adminToken option: one is generated into the data dir.
    const first = await testHub(dir.path, { adminToken: undefined });
    hub = first;
    const tokenPath = join(dir.path, 'admin-token');
    expect((await stat(tokenPath)).mode & 0o777).toBe(0o600);
    expect((await readFile(tokenPath, 'utf8')).trim()).toBe(first.adminToken);
    for (const name of ['root.pem', 'release.pem']) {
      const path = join(dir.path, 'keys', name);
      expect((await stat(path)).mode & 0o777).toBe(0o600);
      expect(await readFile(path, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    }
    expect((await readSigningKeyPem(join(dir.path, 'keys', 'release.pem'))).keyid).toBe(first.releaseKey.keyid);

    const secret = await enrol(first, 'dev-r');
    const upload = await api(first, 'POST', `/api/v1/models/vad/versions?version=1&probe=${SILERO_PROBE}`, { bytes: new Uint8Array(await readFile(SILERO_V5)) });
    expect(upload.status).toBe(201);
    expect((await api(first, 'PUT', '/api/v1/devices/dev-r/assignment', { json: { model: 'vad', version: '1' } })).status).toBe(200);
    const config = async (h: Hub) => (await api<{ trust: Envelope }>(h, 'GET', '/device/v1/config', { token: null, headers: { authorization: basicAuth('dev-r', secret) } })).body;
    const trustBefore = (await config(first)).trust;
    const devicesBefore = (await api(first, 'GET', '/api/v1/devices')).body;
    await first.close();
    await first.close(); // idempotent

    const second = await testHub(dir.path, { adminToken: undefined });
    hub = second;
    expect(second.adminToken).toBe(first.adminToken);
    expect(second.releaseKey.keyid).toBe(first.releaseKey.keyid);
    const trustAfter = (await config(second)).trust;
    expect(trustAfter).toEqual(trustBefore);
    expect((await api(second, 'GET', '/api/v1/devices')).body).toEqual(devicesBefore);

    const client = await connectDevice(second, 'dev-r', secret);
    try {
      const message = nextMessage(client, desiredTopic('dev-r'));
      await client.subscribeAsync(desiredTopic('dev-r'), { qos: 1 });
      const verdict = await verifyDeployment(new Uint8Array(await message), {
        trust: await verifyInitialTrust(trustAfter, new Date()),
        deviceId: 'dev-r',
        now: new Date(),
        lastSeq: 0,
        active: null,
        runtime: { version: '1.30.0', maxOpset: 21 },
        fetchRelease: releaseFetcher(second, 'dev-r', secret),
      });
      expect(verdict).toMatchObject({ kind: 'accept', doc: { seq: 1 }, release: { model: 'vad', version: '1' } });
    } finally {
      await client.endAsync();
    }

    // seq keeps increasing across restarts
    const again = await api<{ seq: number }>(second, 'PUT', '/api/v1/devices/dev-r/assignment', { json: { model: 'vad', version: '1' } });
    expect(again.body.seq).toBe(2);
    await second.close();

    // Four days later (TTL 7 days): the doc is past half its life and is re-issued on start.
    const later = new Date(Date.now() + 4 * 86_400_000);
    const third = await testHub(dir.path, { adminToken: undefined, now: () => later });
    hub = third;
    const device = await api<{ assignment: { model: string; version: string; seq: number } }>(third, 'GET', '/api/v1/devices/dev-r');
    expect(device.body.assignment).toMatchObject({ model: 'vad', version: '1', seq: 3 });
    const audit = await api<{ entries: Array<{ actor: string; action: string }> }>(third, 'GET', '/api/v1/audit?subject=device:dev-r&limit=1');
    expect(audit.body.entries[0]).toMatchObject({ actor: 'hub:refresh', action: 'device.assigned' });
  });
});
