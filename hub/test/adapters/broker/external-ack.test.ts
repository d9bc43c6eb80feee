/**
 * The external broker adapter acknowledges a QoS 1 message (PUBACK) only once its handler's
 * promise fulfilled (never when it rejects), holds many such messages at once (mqtt.js alone would take them one at a
 * time), and never acknowledges on a later connection what came on an earlier one. The broker is
 * a plain aedes on an ephemeral port; its 'ack' event is the hub client's PUBACK arriving.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createServer, type Server, type Socket } from 'node:net';
import { Aedes } from 'aedes';
import { connectAsync, type MqttClient } from 'mqtt';
import { statsTopic } from '@edgefleet/protocol';
import { createExternalBroker, type ExternalBroker } from '../../../src/adapters/broker/external';
import { silentLogger } from '../../support';


describe('external broker adapter: PUBACK after the handler', () => {
  let aedes: Aedes;
  let server: Server;
  let url = '';
  /** payloads the hub client acknowledged, in order */
  const acks: string[] = [];
  /** sockets in the order they connected */
  const sockets: Socket[] = [];
  let hub: ExternalBroker | null = null;
  let device: MqttClient | null = null;
  /** each test's hub has a session of its own (a withheld PUBACK stays in the session it came in) */
  let hubId = '';
  let tests = 0;

  beforeAll(async () => {
    aedes = await Aedes.createBroker();
    aedes.on('ack', (packet, client) => {
      if (client?.id === hubId && packet && 'payload' in packet) acks.push(String(packet.payload));
    });
    server = createServer((socket) => {
      sockets.push(socket);
      aedes.handle(socket);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const address = server.address();
    url = `mqtt://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  beforeEach(() => {
    hubId = `hub-ack-test-${++tests}`;
  });
  afterEach(async () => {
    await device?.endAsync(true);
    await hub?.close();
    device = null;
    hub = null;
    acks.length = 0;
    sockets.length = 0;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  /** Every PUBACK the hub wrote before this returns has reached the broker: the connection is one ordered stream. */
  const roundTrip = async (broker: ExternalBroker): Promise<void> => broker.publish('test/probe', 'probe');

  it('holds each PUBACK until its handler settles, with many messages held at once', async () => {
    hub = await createExternalBroker({ url, logger: silentLogger, clientId: hubId });
    const held = new Map<string, () => void>();
    await hub.subscribe('ef/v1/d/+/stats', (message) => new Promise<void>((resolve) => void held.set(String(message.payload), resolve)));
    device = await connectAsync(url, { clientId: 'dev-a', reconnectPeriod: 0 });
    for (let i = 0; i < 5; i++) device.publish(statsTopic('dev-a'), `w${i}`, { qos: 1 });
    // All five handed over while none is acknowledged: nothing waits for the one before it.
    await expect.poll(() => held.size).toBe(5);
    await roundTrip(hub);
    expect(acks).toEqual([]);

    held.get('w2')?.();
    await expect.poll(() => acks).toEqual(['w2']);
    for (const [payload, settle] of held) if (payload !== 'w2') settle();
    await expect.poll(() => [...acks].sort()).toEqual(['w0', 'w1', 'w2', 'w3', 'w4']);
  });

  it('a handler that throws is logged and its message acknowledged; a rejected promise is logged and withholds the PUBACK', async () => {
    const errors: string[] = [];
    hub = await createExternalBroker({ url, logger: { ...silentLogger, error: (msg: string) => void errors.push(msg) }, clientId: hubId });
    await hub.subscribe('ef/v1/d/+/stats', (message) => {
      if (String(message.payload) === 'throws') throw new Error('boom');
      return Promise.reject(new Error('not stored'));
    });
    device = await connectAsync(url, { clientId: 'dev-b', reconnectPeriod: 0 });
    device.publish(statsTopic('dev-b'), 'rejects', { qos: 1 });
    await device.publishAsync(statsTopic('dev-b'), 'throws', { qos: 1 });
    await expect.poll(() => errors.length).toBe(2);
    await roundTrip(hub);
    expect(acks).toEqual(['throws']);
  });

  it('does not acknowledge on a new connection what came on the old one: the broker sends it again', async () => {
    hub = await createExternalBroker({ url, logger: silentLogger, clientId: hubId, reconnectPeriodMs: 20 });
    const deliveries: Array<() => void> = [];
    await hub.subscribe('ef/v1/d/+/stats', () => new Promise<void>((resolve) => void deliveries.push(resolve)));
    device = await connectAsync(url, { clientId: 'dev-c', reconnectPeriod: 0 });
    await device.publishAsync(statsTopic('dev-c'), 'again', { qos: 1 });
    await expect.poll(() => deliveries.length).toBe(1);

    // The hub's connection (the first one made) drops; its persistent session gets the message again.
    sockets[0]?.destroy();
    await expect.poll(() => deliveries.length, { timeout: 5_000 }).toBe(2);
    deliveries[0]?.();
    await roundTrip(hub);
    expect(acks).toEqual([]);
    deliveries[1]?.();
    await expect.poll(() => acks).toEqual(['again']);
  });
});
