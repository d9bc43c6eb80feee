/**
 * ISSUE 12 item 2 (the broker part). Given a real Mosquitto 2.0 and two hub replicas' broker
 * connections in one share group (each its own broker user, client id pinned by the hub's
 * dynamic-security set-up), when a device publishes 40 statistics messages, then every message
 * reaches exactly one replica, and both replicas get some: device messages are consumed once
 * across replicas. The replicas' own control answers are not shared: each still sets itself up.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectAsync, type MqttClient } from 'mqtt';
import { allDevicesTopic, statsTopic } from '@edgefleet/protocol';
import type { BrokerMessage } from '../src/adapters/broker/broker';
import { createExternalBroker, type ExternalBroker } from '../src/adapters/broker/external';
import { dynsecClient, mosquittoDynsecProvisioner } from '../src/adapters/broker/mosquitto-dynsec';
import { MOSQUITTO_HUB, startMosquitto, type Mosquitto } from '../../test/support/mosquitto';
import { silentLogger } from './support';

const REPLICA_B = { username: 'edgefleet-hub-b', password: 'replica-b-p@ss' };

describe('hub replicas sharing device messages through an external broker', () => {
  let mosquitto: Mosquitto;
  const replicas: ExternalBroker[] = [];
  let device: MqttClient | undefined;

  const replica = async (user: { username: string; password: string }, clientId: string): Promise<ExternalBroker> => {
    const broker = await createExternalBroker({ url: `mqtt://${user.username}:${encodeURIComponent(user.password)}@127.0.0.1:${mosquitto.port}`, logger: silentLogger, clientId, shareGroup: 'edgefleet' });
    replicas.push(broker);
    return broker;
  };

  beforeAll(async () => {
    mosquitto = await startMosquitto();
    await mosquitto.addHubUser(REPLICA_B.username, REPLICA_B.password);
  }, 30_000);

  afterAll(async () => {
    device?.end(true);
    for (const broker of replicas) await broker.close();
    await mosquitto?.close();
  });

  it('delivers each device message to exactly one replica', async () => {
    const a = await replica(MOSQUITTO_HUB, 'hub-a');
    const provisionerA = await mosquittoDynsecProvisioner(await dynsecClient(a), { hubUser: MOSQUITTO_HUB.username, hubClientId: 'hub-a', logger: silentLogger });
    const b = await replica(REPLICA_B, 'hub-b');
    await mosquittoDynsecProvisioner(await dynsecClient(b), { hubUser: REPLICA_B.username, hubClientId: 'hub-b', logger: silentLogger });
    const received: Record<'a' | 'b', string[]> = { a: [], b: [] };
    const collect = (into: string[]) => (message: BrokerMessage) => void into.push(message.payload.toString());
    await a.subscribe(allDevicesTopic('stats'), collect(received.a), { shared: true });
    await b.subscribe(allDevicesTopic('stats'), collect(received.b), { shared: true });

    await provisionerA.deviceCreated('dev-s1', 'dev-s1-secret');
    device = await connectAsync(`mqtt://127.0.0.1:${mosquitto.port}`, { clientId: 'dev-s1', username: 'dev-s1', password: 'dev-s1-secret', reconnectPeriod: 0, protocolVersion: 4 });
    const sent = Array.from({ length: 40 }, (_, i) => `window-${i}`);
    for (const payload of sent) await device.publishAsync(statsTopic('dev-s1'), payload, { qos: 1 });

    await expect.poll(() => received.a.length + received.b.length, { timeout: 10_000 }).toBe(sent.length);
    expect([...received.a, ...received.b].sort()).toEqual([...sent].sort());
    expect(received.a.length).toBeGreaterThan(0);
    expect(received.b.length).toBeGreaterThan(0);
  });
});
