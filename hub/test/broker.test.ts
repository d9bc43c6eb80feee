/** The embedded broker with real MQTT clients: credentials, the ACL, and ingestion of device messages. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect as connectTcp } from 'node:net';
import { connectAsync, type MqttClient } from 'mqtt';
import { TRUST_TOPIC, eventsTopic, onlineTopic, stateTopic, type ReportedState } from '@edgefleet/protocol';
import type { Hub } from '../src/index';
import { api, closed, connectDevice, enrol, makeTempDir, nextMessage, testHub, report } from './support';

type DeviceReply = { state: ReportedState | null; online: boolean; lastErrorCode: string | null };
type StatsReply = { broker: Record<string, number>; ingest: { received: Record<string, number>; rejected: Record<string, number> } };


describe('embedded broker', () => {
  let dir: Awaited<ReturnType<typeof makeTempDir>>;
  let hub: Hub;
  const secrets: Record<string, string> = {};
  const clients: MqttClient[] = [];

  const device = async (id: string): Promise<DeviceReply> => (await api<DeviceReply>(hub, 'GET', `/api/v1/devices/${id}`)).body;
  const stats = async (): Promise<StatsReply> => (await api<StatsReply>(hub, 'GET', '/api/v1/broker/stats')).body;
  const connectAs = async (id: string, extra = {}): Promise<MqttClient> => {
    const client = await connectDevice(hub, id, secrets[id] ?? '', extra);
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    dir = await makeTempDir();
    hub = await testHub(dir.path);
    for (const id of ['dev-a', 'dev-b', 'dev-c', 'dev-d']) secrets[id] = await enrol(hub, id);
  });
  afterAll(async () => {
    for (const client of clients) client.end(true);
    await hub?.close();
    await dir?.remove();
  });

  it('refuses a wrong password, an unknown device, and a username that is not the client id', async () => {
    const attempt = (options: { clientId: string; username: string; password: string }) =>
      connectAsync(hub.mqttUrl, { ...options, reconnectPeriod: 0, protocolVersion: 4, connectTimeout: 5_000 });
    await expect(attempt({ clientId: 'dev-a', username: 'dev-a', password: 'wrong' })).rejects.toMatchObject({ code: 4 });
    await expect(attempt({ clientId: 'ghost', username: 'ghost', password: 'x' })).rejects.toMatchObject({ code: 4 });
    await expect(attempt({ clientId: 'dev-a', username: 'dev-b', password: secrets['dev-b'] ?? '' })).rejects.toMatchObject({ code: 4 });
    expect((await stats()).broker.authFailures).toBeGreaterThanOrEqual(3);
  });

  it('a device gets the retained trust doc and may not subscribe elsewhere', async () => {
    const client = await connectAs('dev-a');
    const trust = nextMessage(client, TRUST_TOPIC);
    const granted = await client.subscribeAsync([TRUST_TOPIC, 'ef/v1/d/dev-a/desired'], { qos: 1 });
    expect(granted.map((grant) => grant.qos)).toEqual([1, 1]);
    expect(JSON.parse((await trust).toString())).toHaveProperty('signatures');
    const deniedBefore = (await stats()).broker.subscribeDenied ?? 0;
    for (const filter of ['ef/v1/d/dev-b/desired', 'ef/v1/d/+/state', '#', '$SYS/#']) {
      await expect(client.subscribeAsync(filter, { qos: 1 })).rejects.toThrow(/Subscribe error/);
    }
    expect((await stats()).broker.subscribeDenied).toBe(deniedBefore + 4);
    expect(client.connected).toBe(true);
  });

  it('records valid state and shows it in GET /api/v1/devices/{id}, online while connected', async () => {
    const client = await connectAs('dev-c');
    await expect.poll(async () => (await device('dev-c')).online).toBe(true);
    const state = report('dev-c', { seq: 0, phase: 'failed', error: { code: 'E_LOAD_FAILED', message: 'boom' } });
    await client.publishAsync(stateTopic('dev-c'), JSON.stringify(state), { qos: 1 });
    await expect.poll(async () => (await device('dev-c')).state).toEqual(state);
    expect((await device('dev-c')).lastErrorCode).toBe('E_LOAD_FAILED');

    // An older report arriving late never overwrites a newer one.
    await client.publishAsync(stateTopic('dev-c'), JSON.stringify(report('dev-c', { at: '2000-01-01T00:00:00.000Z' })), { qos: 1 });
    await expect.poll(async () => (await stats()).ingest.rejected.E_STALE).toBe(1);
    expect((await device('dev-c')).state).toEqual(state);

    const audit = await api<{ entries: Array<{ action: string }> }>(hub, 'GET', '/api/v1/audit?subject=device:dev-c');
    expect(audit.body.entries.map((entry) => entry.action)).toEqual(expect.arrayContaining(['device.online', 'device.state.changed']));

    await client.endAsync();
    await expect.poll(async () => (await device('dev-c')).online).toBe(false);
  });

  it('stores device events once, deduplicated on the event id', async () => {
    const client = await connectAs('dev-c');
    const event = { id: 'evt-0001-abcdef', device: 'dev-c', kind: 'install-failed', at: new Date().toISOString(), seq: 1, error: { code: 'E_HASH_MISMATCH', message: 'sha256 differs' } };
    await client.publishAsync(eventsTopic('dev-c'), JSON.stringify(event), { qos: 1 });
    await client.publishAsync(eventsTopic('dev-c'), JSON.stringify(event), { qos: 1 });
    await client.publishAsync(eventsTopic('dev-c'), JSON.stringify({ ...event, id: 'evt-0002-abcdef', kind: 'stale', error: undefined }), { qos: 1 });
    type Events = { events: Array<{ eventId: string; code: string | null }> };
    await expect.poll(async () => (await api<Events>(hub, 'GET', '/api/v1/devices/dev-c/events')).body.events.map((e) => e.eventId).sort()).toEqual(['evt-0001-abcdef', 'evt-0002-abcdef']);
    expect((await stats()).ingest.received.events).toBe(3);
  });

  it('malformed JSON and wrong-schema state change nothing and are counted', async () => {
    const client = await connectAs('dev-d');
    const before = await stats();
    await client.publishAsync(stateTopic('dev-d'), '{"device": "dev-d",', { qos: 1 });
    await client.publishAsync(stateTopic('dev-d'), JSON.stringify({ ...report('dev-d'), seq: -1 }), { qos: 1 });
    await client.publishAsync(stateTopic('dev-d'), JSON.stringify({ ...report('dev-d'), extra: true }), { qos: 1 });
    // the device field must match the topic
    await client.publishAsync(stateTopic('dev-d'), JSON.stringify(report('dev-a')), { qos: 1 });
    await expect
      .poll(async () => (await stats()).ingest.rejected)
      .toMatchObject({
        E_BAD_JSON: (before.ingest.rejected.E_BAD_JSON ?? 0) + 1,
        E_SCHEMA: (before.ingest.rejected.E_SCHEMA ?? 0) + 2,
        E_NOT_FOR_DEVICE: (before.ingest.rejected.E_NOT_FOR_DEVICE ?? 0) + 1,
      });
    expect((await device('dev-d')).state).toBeNull();
    expect((await device('dev-a')).state).toBeNull();
    expect(client.connected).toBe(true);
  });

  it('device A publishing on device B’s state topic is disconnected and B records nothing', async () => {
    const client = await connectAs('dev-a');
    const gone = closed(client);
    client.publish(stateTopic('dev-b'), JSON.stringify(report('dev-b')), { qos: 1 });
    await gone;
    expect((await stats()).broker.publishDenied).toBeGreaterThanOrEqual(1);
    expect((await device('dev-b')).state).toBeNull();
  });

  it('a retained publish, even on its own topic, is refused with a disconnect', async () => {
    const client = await connectAs('dev-a');
    const gone = closed(client);
    client.publish(stateTopic('dev-a'), JSON.stringify(report('dev-a')), { qos: 1, retain: true });
    await gone;
    expect((await device('dev-a')).state).toBeNull();
  });

  it('a will on another device’s topic is refused at connect', async () => {
    await expect(
      connectAsync(hub.mqttUrl, {
        clientId: 'dev-a',
        username: 'dev-a',
        password: secrets['dev-a'] ?? '',
        reconnectPeriod: 0,
        protocolVersion: 4,
        connectTimeout: 5_000,
        will: { topic: onlineTopic('dev-b'), payload: Buffer.from('{"online":false}'), qos: 1, retain: false },
      }),
    ).rejects.toMatchObject({ code: 5 });
    expect((await stats()).broker.willDenied).toBeGreaterThanOrEqual(1);
  });

  it('a packet announcing more than the maximum size is cut off from its header', async () => {
    const client = await connectAs('dev-a');
    const gone = closed(client);
    client.publish(stateTopic('dev-a'), Buffer.alloc(300 * 1024, 0x20), { qos: 0 });
    await gone;
    expect((await stats()).broker.oversizedPackets).toBeGreaterThanOrEqual(1);
  });

  it('a raw connection that announces a huge CONNECT is dropped before it is buffered', async () => {
    const socket = connectTcp(Number(new URL(hub.mqttUrl).port), '127.0.0.1');
    const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    // CONNECT with a remaining length of 200 MB: only the header is ever sent.
    socket.write(Buffer.from([0x10, 0x80, 0x80, 0x80, 0x60]));
    await ended;
  });
});
