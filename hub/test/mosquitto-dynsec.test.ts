/**
 * ISSUE 12 item 3. Given a real Mosquitto 2.0 with the dynamic-security plugin, configured from
 * deploy/mosquitto/mosquitto.conf, and a hub started with EDGEFLEET_BROKER_PROVISIONING=mosquitto-dynsec:
 *  - the hub sets up its own account (role for ef/v1/#, client id pinned) and keeps working;
 *  - an enrolled device connects with its id as client id and username and gets its doc; it cannot
 *    connect under another client id, cannot take over the hub's session, cannot subscribe to
 *    another device's topics, and what it publishes on another device's topic never reaches the hub;
 *  - a rotated secret ends the old session and refuses the old secret; a decommissioned device is
 *    disconnected and refused right after the DELETE answers;
 *  - a stale broker account under an id the database does not know is replaced on enrolment;
 *  - a retained message a device left on its topic is ignored by the hub (E_RETAINED);
 *  - at start the hub removes broker accounts it made for devices that are not in service.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';
import { MAX_DEVICE_PACKET_BYTES, desiredTopic, stateTopic, type ReportedState } from '@edgefleet/protocol';
import type { Hub } from '../src/index';
import { SILERO_PROBE, SILERO_V5, api, closed, enrol, makeTempDir, nextMessage, report, testHub, type TempDir } from './support';
import { MOSQUITTO_HUB, startMosquitto, type Mosquitto } from '../../test/support/mosquitto';

type StatsReply = { broker: { connected: boolean }; ingest: { rejected: Record<string, unknown> } };

describe('an external Mosquitto provisioned by the hub (dynamic security)', () => {
  let mosquitto: Mosquitto;
  let dir: TempDir;
  let hub: Hub;
  const clients: MqttClient[] = [];

  const startHub = () => testHub(dir.path, { brokerUrl: mosquitto.hubUrl, brokerProvisioning: 'mosquitto-dynsec' });
  const connectAs = async (username: string, password: string, extra: Partial<IClientOptions> = {}): Promise<MqttClient> => {
    const client = await connectAsync(`mqtt://127.0.0.1:${mosquitto.port}`, { clientId: username, username, password, reconnectPeriod: 0, connectTimeout: 5_000, protocolVersion: 4, ...extra });
    clients.push(client);
    return client;
  };
  const refused = async (username: string, password: string, extra: Partial<IClientOptions> = {}): Promise<boolean> => {
    try {
      const client = await connectAs(username, password, extra);
      client.end(true);
      return false;
    } catch {
      return true;
    }
  };
  const stateOf = async (id: string): Promise<ReportedState | null> => (await api<{ state: ReportedState | null }>(hub, 'GET', `/api/v1/devices/${id}`)).body.state;

  beforeAll(async () => {
    mosquitto = await startMosquitto();
    dir = await makeTempDir();
    hub = await startHub();
    const upload = await api(hub, 'POST', `/api/v1/models/vad/versions?version=1&probe=${SILERO_PROBE}`, { bytes: new Uint8Array(await readFile(SILERO_V5)) });
    expect(upload.status).toBe(201);
  }, 60_000);

  afterAll(async () => {
    for (const client of clients) client.end(true);
    await hub?.close();
    await mosquitto?.close();
    await dir?.remove();
  });

  it('provisions an enrolled device: it connects as itself, gets its doc, and its state reaches the hub', async () => {
    const secret = await enrol(hub, 'dev-m1');
    expect((await api(hub, 'PUT', '/api/v1/devices/dev-m1/assignment', { json: { model: 'vad', version: '1' } })).status).toBe(200);
    const device = await connectAs('dev-m1', secret);
    const doc = nextMessage(device, desiredTopic('dev-m1'));
    await device.subscribeAsync(desiredTopic('dev-m1'), { qos: 1 });
    expect((await doc).length).toBeGreaterThan(0);
    const state = report('dev-m1', { phase: 'serving' });
    await device.publishAsync(stateTopic('dev-m1'), JSON.stringify(state), { qos: 1 });
    await expect.poll(() => stateOf('dev-m1'), { timeout: 10_000 }).toEqual(state);
  });

  it("holds a device to its own client id and topics, and away from the hub's session", async () => {
    const secret = await enrol(hub, 'dev-m2');
    await enrol(hub, 'dev-m3');
    expect(await refused('dev-m2', secret, { clientId: 'someone-else' })).toBe(true);
    expect(await refused('dev-m2', secret, { clientId: 'edgefleet-hub', clean: true })).toBe(true);
    expect(await refused(MOSQUITTO_HUB.username, secret, { clientId: 'edgefleet-hub', clean: true })).toBe(true);
    // The hub's session is intact: it still receives device messages.
    const device = await connectAs('dev-m2', secret);
    for (const topic of [desiredTopic('dev-m3'), 'ef/v1/d/+/desired', '#']) await expect(device.subscribeAsync(topic, { qos: 1 })).rejects.toThrow(/Subscribe error/);
    const forged = report('dev-m3', { phase: 'failed' });
    await device.publishAsync(stateTopic('dev-m3'), JSON.stringify(forged), { qos: 1 });
    const own = report('dev-m2', { phase: 'serving' });
    await device.publishAsync(stateTopic('dev-m2'), JSON.stringify(own), { qos: 1 });
    await expect.poll(() => stateOf('dev-m2'), { timeout: 10_000 }).toEqual(own);
    expect(await stateOf('dev-m3')).toBeNull();
  });

  it('a rotated secret ends the old session and is refused; a decommissioned device is refused at once', async () => {
    const old = await enrol(hub, 'dev-m4');
    const device = await connectAs('dev-m4', old);
    const ended = closed(device);
    const rotated = await api<{ secret: string; sessionEnded: boolean }>(hub, 'POST', '/api/v1/devices/dev-m4/secret');
    expect(rotated.status, JSON.stringify(rotated.body)).toBe(200);
    expect(rotated.body.sessionEnded).toBe(true);
    await ended;
    expect(await refused('dev-m4', old)).toBe(true);
    const again = await connectAs('dev-m4', rotated.body.secret);
    const endedAgain = closed(again);
    const gone = await api(hub, 'DELETE', '/api/v1/devices/dev-m4');
    expect(gone.status, JSON.stringify(gone.body)).toBe(200);
    await endedAgain;
    expect(await refused('dev-m4', rotated.body.secret)).toBe(true);
  });

  it('disconnects a device sending a packet over MAX_DEVICE_PACKET_BYTES before the broker forwards it; its next report gets through', async () => {
    const conf = await readFile(new URL('../../deploy/mosquitto/mosquitto.conf', import.meta.url), 'utf8');
    expect(Number(/^max_packet_size (\d+)$/m.exec(conf)?.[1])).toBe(MAX_DEVICE_PACKET_BYTES);
    const secret = await enrol(hub, 'dev-big');
    const device = await connectAs('dev-big', secret);
    const ended = closed(device);
    const huge = report('dev-big', { phase: 'serving', error: { code: 'E_INFERENCE', message: 'x'.repeat(MAX_DEVICE_PACKET_BYTES) } });
    // QoS 0: the broker drops the connection instead of acknowledging, so no answer is awaited.
    device.publish(stateTopic('dev-big'), JSON.stringify(huge), { qos: 0 });
    await ended;
    const small = report('dev-big', { phase: 'serving' });
    const again = await connectAs('dev-big', secret);
    await again.publishAsync(stateTopic('dev-big'), JSON.stringify(small), { qos: 1 });
    await expect.poll(() => stateOf('dev-big'), { timeout: 10_000 }).toEqual(small);
  });

  it('replaces a stale broker account left under an id the database does not know', async () => {
    // As a crash after the broker part of an enrolment and before its row would leave it.
    const ctrl = (...args: string[]) => promisify(execFile)('mosquitto_ctrl', ['-h', '127.0.0.1', '-p', String(mosquitto.port), '-u', MOSQUITTO_HUB.username, '-P', MOSQUITTO_HUB.password, 'dynsec', ...args]);
    await ctrl('createRole', 'edgefleet-device-dev-m8');
    await ctrl('createClient', 'dev-m8', '-p', 'a-secret-nobody-got', '-c', 'dev-m8');
    const secret = await enrol(hub, 'dev-m8');
    expect(await refused('dev-m8', 'a-secret-nobody-got')).toBe(true);
    const device = await connectAs('dev-m8', secret);
    expect(device.connected).toBe(true);
  });

  it('ignores a retained message a device left on its topic, and removes stale accounts at start', async () => {
    const secret = await enrol(hub, 'dev-m5');
    const device = await connectAs('dev-m5', secret);
    await device.publishAsync(stateTopic('dev-m5'), JSON.stringify(report('dev-m5', { phase: 'serving' })), { qos: 1, retain: true });
    await expect.poll(() => stateOf('dev-m5'), { timeout: 10_000 }).not.toBeNull();
    device.end(true);
    // A device enrolled at the broker but not in service (as a crash between the two would leave it).
    const stray = await enrol(hub, 'dev-m6');
    await hub.close();
    const other = await makeTempDir();
    try {
      // A second hub on another database, sharing the broker: dev-m6 is not in its service, and the
      // retained state arrives there on its first subscription.
      const second = await testHub(other.path, { brokerUrl: mosquitto.hubUrl, brokerProvisioning: 'mosquitto-dynsec', brokerClientId: 'edgefleet-hub' });
      try {
        await expect.poll(async () => (await api<StatsReply>(second, 'GET', '/api/v1/broker/stats')).body.ingest.rejected, { timeout: 10_000 }).toMatchObject({ E_RETAINED: expect.anything() });
        expect(await refused('dev-m6', stray)).toBe(true);
      } finally {
        await second.close();
      }
    } finally {
      await other.remove();
    }
    hub = await startHub();
  });

  it('keeps the accounts of devices in service across a restart, removing only those of decommissioned ones', async () => {
    const kept = await enrol(hub, 'dev-m20');
    const dropped = await enrol(hub, 'dev-m10');
    // Decommissioned while the broker part is left behind (as a crash after the commit would).
    const ctrl = (...args: string[]) => promisify(execFile)('mosquitto_ctrl', ['-h', '127.0.0.1', '-p', String(mosquitto.port), '-u', MOSQUITTO_HUB.username, '-P', MOSQUITTO_HUB.password, 'dynsec', ...args]);
    expect((await api(hub, 'DELETE', '/api/v1/devices/dev-m10')).status).toBe(200);
    await ctrl('createRole', 'edgefleet-device-dev-m10');
    await ctrl('createClient', 'dev-m10', '-p', dropped, '-c', 'dev-m10');
    await ctrl('addClientRole', 'dev-m10', 'edgefleet-device-dev-m10');
    await hub.close();
    hub = await startHub();
    const device = await connectAs('dev-m20', kept);
    expect(device.connected).toBe(true);
    expect(await refused('dev-m10', dropped)).toBe(true);
  });
});
