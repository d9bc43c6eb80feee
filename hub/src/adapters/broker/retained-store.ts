/**
 * Retained messages for the embedded broker, with an exact-topic fast path.
 *
 * aedes' in-memory persistence answers every SUBSCRIBE by testing each retained topic against the
 * filter: 0.4-0.6 us per retained message, so 7.5 ms per subscribe with 10,000 devices' docs, the
 * largest cost of a reconnect storm (PERF "The hub at fleet scale"). A device may only subscribe
 * to exact topics (its own `desired` and the trust topic: core/access-policy), so a map lookup
 * answers them; a wildcard filter (only the hub's own tooling could send one) still scans.
 */
import { Readable } from 'node:stream';
import type { AedesPersistence } from 'aedes-persistence';

/** The fields aedes reads back from a stored retained packet (lib/handlers/subscribe.js). */
export interface RetainedPacket {
  cmd: 'publish';
  topic: string;
  payload: Buffer;
  qos: 0 | 1 | 2;
  retain: true;
}

const isWildcard = (filter: string): boolean => filter.includes('+') || filter.includes('#');

/** MQTT topic matching for the rare wildcard subscription (`+` one level, `#` the rest). */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    const level = f[i];
    // MQTT 4.7.2: wildcards at the first level never match `$` topics.
    if (i === 0 && (level === '+' || level === '#') && t[0]?.startsWith('$')) return false;
    // `a/#` matches `a` too (MQTT 4.7.1.2).
    if (level === '#') return true;
    if (i >= t.length) return false;
    if (level !== '+' && level !== t[i]) return false;
  }
  return f.length === t.length;
}

export class RetainedStore {
  private readonly byTopic = new Map<string, RetainedPacket>();

  get size(): number {
    return this.byTopic.size;
  }

  /** MQTT: an empty retained payload deletes the topic's retained message. */
  store(topic: string, payload: Buffer, qos: 0 | 1 | 2): void {
    if (payload.length === 0) this.byTopic.delete(topic);
    else this.byTopic.set(topic, { cmd: 'publish', topic, payload, qos, retain: true });
  }

  get(topic: string): RetainedPacket | undefined {
    return this.byTopic.get(topic);
  }

  matching(filters: readonly string[]): RetainedPacket[] {
    const out: RetainedPacket[] = [];
    for (const filter of filters) {
      if (!isWildcard(filter)) {
        const packet = this.byTopic.get(filter);
        if (packet) out.push(packet);
        continue;
      }
      for (const [topic, packet] of this.byTopic) if (topicMatches(filter, topic)) out.push(packet);
    }
    return out;
  }
}

type AedesRetainedHooks = Pick<AedesPersistence, 'storeRetained' | 'createRetainedStream' | 'createRetainedStreamCombi'>;

/**
 * Points an aedes persistence's retained-message methods at `store` (the rest of the persistence,
 * sessions and subscriptions, is left as it is). aedes calls the promise form; the callback form
 * is kept for completeness of the persistence interface.
 */
export function useRetainedStore(persistence: AedesRetainedHooks, store: RetainedStore): void {
  // Typed with a callback, called by aedes 1.x without one, expecting a promise.
  persistence.storeRetained = (packet, cb?: (error: null) => void) => {
    // Only publish packets are ever retained.
    if (packet.cmd === 'publish') store.store(packet.topic, Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload), packet.qos);
    if (cb) {
      process.nextTick(cb, null);
      return undefined;
    }
    return Promise.resolve();
  };
  persistence.createRetainedStream = (pattern) => Readable.from(store.matching([pattern]));
  persistence.createRetainedStreamCombi = (patterns) => Readable.from(store.matching(patterns));
}
