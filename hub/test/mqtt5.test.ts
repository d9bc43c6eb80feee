/**
 * Issue 16 item 8: the embedded broker (aedes) speaks MQTT 3.1.1 only. Given a real hub, when a
 * real mqtt.js client with the device's valid credentials connects with protocol version 5 (over
 * TCP and over WebSocket), then it is refused with CONNACK return code 1 ("unacceptable protocol
 * version", which MQTT 5 clients report as reason 132), nothing about the device changes, and
 * GET /api/v1/broker/stats counts each refusal under `connectsRefused.unsupportedProtocolVersion`;
 * the same client with version 4 connects. Other refusals are counted by their reason too.
 */
import { describe, expect, it } from 'vitest';
import { connectAsync } from 'mqtt';
import type { Hub } from '../src/index';
import { api, enrol, useTestHub } from './support';

type Refusals = Record<'unsupportedProtocolVersion' | 'identifierRejected' | 'serverUnavailable' | 'badCredentials' | 'notAuthorized' | 'other', number>;
type Stats = { broker: { kind: string; connectsRefused: Refusals } };
const DEVICE = 'dev-mqtt5';

describe('MQTT 5 clients and the embedded broker', () => {
  let hub: Hub;
  useTestHub((started) => (hub = started.hub));

  const refusals = async (): Promise<Refusals> => (await api<Stats>(hub, 'GET', '/api/v1/broker/stats')).body.broker.connectsRefused;
  const attempt = (url: string, secret: string, protocolVersion: 4 | 5) => connectAsync(url, { clientId: DEVICE, username: DEVICE, password: secret, protocolVersion, reconnectPeriod: 0, connectTimeout: 10_000 });

  it('refuses MQTT 5 with CONNACK 1, counts it by reason, and lets the same device in over 3.1.1', async () => {
    const secret = await enrol(hub, DEVICE);
    expect(await refusals()).toEqual({ unsupportedProtocolVersion: 0, identifierRejected: 0, serverUnavailable: 0, badCredentials: 0, notAuthorized: 0, other: 0 });

    await expect(attempt(hub.mqttUrl, secret, 5)).rejects.toMatchObject({ code: 1, message: expect.stringMatching(/unacceptable protocol version/i) });
    await expect(attempt(hub.wsUrl, secret, 5)).rejects.toMatchObject({ code: 1 });
    await expect.poll(async () => (await refusals()).unsupportedProtocolVersion, { timeout: 10_000 }).toBe(2);
    // Never authenticated, so never online, and no failed login counted against the device.
    const device = await api<{ online: boolean }>(hub, 'GET', `/api/v1/devices/${DEVICE}`);
    expect(device.body.online).toBe(false);
    expect((await api<Stats & { broker: { authFailures: number } }>(hub, 'GET', '/api/v1/broker/stats')).body.broker.authFailures).toBe(0);

    const client = await attempt(hub.mqttUrl, secret, 4);
    expect(client.connected).toBe(true);
    await client.endAsync();

    await expect(attempt(hub.mqttUrl, 'wrong-secret', 4)).rejects.toMatchObject({ code: 4 });
    await expect.poll(refusals, { timeout: 10_000 }).toEqual({ unsupportedProtocolVersion: 2, identifierRejected: 0, serverUnavailable: 0, badCredentials: 1, notAuthorized: 0, other: 0 });
  });
});
