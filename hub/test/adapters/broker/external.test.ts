/** The external broker adapter on its own: a persistent session's backlog is never lost to the hub. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectAsync } from 'mqtt';
import { stateTopic } from '@edgefleet/protocol';
import { createExternalBroker } from '../../../src/adapters/broker/external';
import type { BrokerMessage } from '../../../src/adapters/broker/broker';
import { silentLogger } from '../../support';
import { startThirdPartyBroker, type ThirdPartyBroker } from '../../third-party-broker';

describe('external broker adapter', () => {
  let broker: ThirdPartyBroker;

  beforeAll(async () => {
    broker = await startThirdPartyBroker();
    broker.addDevice('dev-q', 'dev-q-secret');
  });
  afterAll(async () => {
    await broker?.close();
  });

  it('holds a backlog that arrives before the subscription wants it, and replays it on subscribe', async () => {
    const options = { url: broker.hubUrl, logger: silentLogger, clientId: 'hub-backlog' };
    const first = await createExternalBroker(options);
    await first.subscribe('ef/v1/d/+/state', () => undefined);
    await first.close();

    const device = await connectAsync(`mqtt://127.0.0.1:${broker.port}`, { clientId: 'dev-q', username: 'dev-q', password: 'dev-q-secret', reconnectPeriod: 0 });
    await device.publishAsync(stateTopic('dev-q'), 'while away', { qos: 1 });
    await device.endAsync();

    // The session delivers the backlog right after CONNACK, before anyone subscribed again.
    const second = await createExternalBroker(options);
    try {
      await expect.poll(() => second.counters().messagesReceived).toBe(1);
      const received: BrokerMessage[] = [];
      await second.subscribe('ef/v1/d/+/state', (message) => {
        received.push(message);
      });
      // An external broker never names the publisher.
      expect(received).toEqual([{ topic: stateTopic('dev-q'), payload: Buffer.from('while away'), clientId: null, retained: false }]);
      expect(second.counters()).toMatchObject({ kind: 'external', connected: true, messagesDropped: 0, url: `mqtt://127.0.0.1:${broker.port}` });
    } finally {
      await second.close();
    }
  });
});
