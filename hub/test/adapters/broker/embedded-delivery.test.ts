/**
 * How the embedded broker hands messages to the hub's subscriptions: a device's publish reaches
 * its handler once (from authorizePublish, before the PUBACK; never again through aedes' own
 * delivery), and a burst of thousands of messages queued in aedes' emitter is delivered without
 * finishing each one inside the previous (that overflowed the stack in a 5,000-device rollback).
 * Real aedes on an ephemeral port and real mqtt.js clients; credentials are accepted as given.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { connectAsync, type MqttClient } from 'mqtt';
import { stateTopic } from '@edgefleet/protocol';
import { createEmbeddedBroker, type EmbeddedBroker } from '../../../src/adapters/broker/embedded';
import { silentLogger } from '../../support';

describe('embedded broker: delivery to the hub', () => {
  let broker: EmbeddedBroker | null = null;
  let device: MqttClient | null = null;

  afterEach(async () => {
    await device?.endAsync(true);
    await broker?.close();
    device = null;
    broker = null;
  });

  const start = async (): Promise<{ broker: EmbeddedBroker; url: string }> => {
    broker = await createEmbeddedBroker({ logger: silentLogger, verifyCredentials: async () => ({ kind: 'ok' }) });
    const port = await broker.listen(0, '127.0.0.1');
    return { broker, url: `mqtt://127.0.0.1:${port}` };
  };

  it("a device's publishes reach the handler once each, before their PUBACKs", async () => {
    const { broker: hub, url } = await start();
    const seen: string[] = [];
    await hub.subscribe('ef/v1/d/+/state', (message) => {
      seen.push(String(message.payload));
      return Promise.resolve();
    });
    device = await connectAsync(url, { clientId: 'dev-1', username: 'dev-1', password: 'secret', reconnectPeriod: 0 });
    const sent = Array.from({ length: 200 }, (_, i) => `s${i}`);
    const seenAtAck = await Promise.all(sent.map(async (payload) => (await device?.publishAsync(stateTopic('dev-1'), payload, { qos: 1 }), seen.includes(payload))));
    expect(seenAtAck.every(Boolean)).toBe(true);
    // A round trip through the broker after the last PUBACK: a second delivery, were there one, would be in by now.
    await hub.publish('ef/v1/d/dev-1/desired', 'probe');
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect([...seen].sort()).toEqual([...sent].sort());
  });

  it('20,000 messages queued in the emitter behind slow deliveries are delivered, each once', async () => {
    const { broker: hub, url } = await start();
    let delivered = 0;
    await hub.subscribe('ef/v1/d/+/state', () => void delivered++);
    device = await connectAsync(url, { clientId: 'dev-1', username: 'dev-1', password: 'secret', reconnectPeriod: 0 });
    await device.subscribeAsync('ef/v1/d/dev-1/desired', { qos: 1 });
    // Deliveries to a device hold aedes' 100 emitter slots until their write completes (a later
    // turn), so the 20,000 messages after them queue, and are started one by one as slots free.
    const docs = Array.from({ length: 300 }, (_, i) => hub.publish('ef/v1/d/dev-1/desired', `doc${i}`));
    const total = 20_000;
    const burst = Array.from({ length: total }, (_, i) => hub.publish(stateTopic(`dev-${i % 50}`), `m${i}`));
    await Promise.all([...docs, ...burst]);
    expect(delivered).toBe(total);
  });
});
