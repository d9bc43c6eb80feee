/**
 * The embedded broker's retained messages: exact topics answered by lookup (a subscribe costs the
 * same with 10,000 devices' docs as with one), wildcards by MQTT matching, seeded docs delivered
 * like published ones, and a later publish replacing a seeded doc.
 */
import { describe, expect, it } from 'vitest';
import { connectAsync } from 'mqtt';
import { Aedes } from 'aedes';
import memoryPersistence from 'aedes-persistence';
import { createServer, type AddressInfo } from 'node:net';
import { RetainedStore, topicMatches, useRetainedStore } from '../../../src/adapters/broker/retained-store';
import { nextMessage } from '../../support';

describe('topicMatches', () => {
  it.each([
    ['ef/v1/d/a/desired', 'ef/v1/d/a/desired', true],
    ['ef/v1/d/+/desired', 'ef/v1/d/a/desired', true],
    ['ef/v1/d/+/desired', 'ef/v1/d/a/state', false],
    ['ef/v1/#', 'ef/v1/d/a/desired', true],
    ['ef/v1/#', 'ef/v1', true],
    ['ef/v1/+', 'ef/v1/d/a', false],
    ['#', '$SYS/broker', false],
    ['+/broker', '$SYS/broker', false],
    ['$SYS/#', '$SYS/broker', true],
    ['a/b/c', 'a/b', false],
  ])('%s against %s: %s', (filter, topic, expected) => {
    expect(topicMatches(filter, topic)).toBe(expected);
  });
});

describe('RetainedStore', () => {
  it('stores, replaces and deletes (empty payload) by topic; answers exact and wildcard filters', () => {
    const store = new RetainedStore();
    for (let i = 0; i < 1000; i++) store.store(`ef/v1/d/dev-${i}/desired`, Buffer.from(`doc ${i}`), 1);
    store.store('ef/v1/trust', Buffer.from('trust'), 1);
    expect(store.size).toBe(1001);
    expect(store.matching(['ef/v1/d/dev-7/desired', 'ef/v1/trust']).map((p) => p.payload.toString())).toEqual(['doc 7', 'trust']);
    expect(store.matching(['ef/v1/d/+/desired'])).toHaveLength(1000);
    store.store('ef/v1/d/dev-7/desired', Buffer.from('doc 7b'), 1);
    expect(store.get('ef/v1/d/dev-7/desired')?.payload.toString()).toBe('doc 7b');
    store.store('ef/v1/d/dev-7/desired', Buffer.alloc(0), 1);
    expect(store.matching(['ef/v1/d/dev-7/desired'])).toEqual([]);
    expect(store.matching(['ef/v1/d/nobody/desired'])).toEqual([]);
  });

  it('behind a real aedes: seeded and published retained messages reach a subscriber; a publish replaces a seeded one', async () => {
    const store = new RetainedStore();
    const persistence = memoryPersistence();
    useRetainedStore(persistence, store);
    const broker = await Aedes.createBroker({ persistence });
    const server = createServer((socket) => broker.handle(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      store.store('ef/v1/d/dev-1/desired', Buffer.from('seeded'), 1);
      const first = await connectAsync(url, { clientId: 'dev-1', reconnectPeriod: 0 });
      const seeded = nextMessage(first, 'ef/v1/d/dev-1/desired');
      await first.subscribeAsync('ef/v1/d/dev-1/desired', { qos: 1 });
      expect((await seeded).toString()).toBe('seeded');
      await first.endAsync();

      await new Promise<void>((resolve, reject) =>
        broker.publish({ cmd: 'publish', topic: 'ef/v1/d/dev-1/desired', payload: Buffer.from('published'), qos: 1, retain: true, dup: false }, (error) => (error ? reject(error) : resolve())),
      );
      const second = await connectAsync(url, { clientId: 'dev-1', reconnectPeriod: 0 });
      const published = nextMessage(second, 'ef/v1/d/dev-1/desired');
      await second.subscribeAsync('ef/v1/d/dev-1/desired', { qos: 1 });
      expect((await published).toString()).toBe('published');
      await second.endAsync();
      expect(store.size).toBe(1);
    } finally {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
