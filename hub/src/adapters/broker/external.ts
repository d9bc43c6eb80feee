/**
 * The hub as a client of an operator's MQTT broker (EDGEFLEET_BROKER_URL): Mosquitto, EMQX,
 * HiveMQ... The broker authenticates devices and enforces the ACL of PROTOCOL.md (see the
 * README); the hub only publishes the retained cache and consumes device messages.
 *
 * No device message may be lost across a short outage, so the hub keeps a persistent session
 * (clean: false, a fixed client id, QoS 1 both ways): the broker queues what devices send while
 * the hub is away and delivers it on reconnect. When the broker lost the session (a restart
 * without persistence), mqtt.js subscribes again (resubscribe) and `onReconnect` lets the hub
 * republish its retained cache from the database (ARCHITECTURE rule 7).
 */
import { connect, type MqttClient } from 'mqtt';
import { parseBrokerUrl, type BrokerTarget } from '../../core/broker-url';
import { topicMatches } from '../../core/topic-filter';
import type { Logger } from '../logger';
import type { BrokerAdapter, BrokerMessage, ExternalBrokerCounters } from './broker';

export interface ExternalBrokerOptions {
  /** mqtt://, mqtts://, ws:// or wss://, with the hub's credentials as userinfo */
  url: string;
  logger: Logger;
  /** the session is kept under this id, so two hubs must never share it; default 'edgefleet-hub' */
  clientId?: string;
  /** how long the first connection may take before startup fails; default 10 s */
  connectTimeoutMs?: number;
  /** pause between reconnect attempts once started; default 1 s */
  reconnectPeriodMs?: number;
  /** messages held until a subscription wants them (a session's backlog arrives at once); default 10,000 */
  maxPendingMessages?: number;
  /** after every reconnect (not the first connection), e.g. to republish the retained cache */
  onReconnect?(): void;
}

export interface ExternalBroker extends BrokerAdapter {
  counters(): ExternalBrokerCounters;
}

interface Subscription {
  filter: string;
  handler: (message: BrokerMessage) => void;
}

type Phase = 'starting' | 'running' | 'closed';

export async function createExternalBroker(options: ExternalBrokerOptions): Promise<ExternalBroker> {
  const { logger } = options;
  let target: BrokerTarget;
  try {
    target = parseBrokerUrl(options.url);
  } catch (error) {
    throw new Error(`invalid external broker URL (EDGEFLEET_BROKER_URL): ${error instanceof Error ? error.message : String(error)}`);
  }
  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
  const maxPending = options.maxPendingMessages ?? 10_000;
  const counters: ExternalBrokerCounters = { kind: 'external', url: target.url, connected: false, reconnects: 0, messagesReceived: 0, messagesPublished: 0, messagesDropped: 0 };
  const subscriptions: Subscription[] = [];
  const pending: BrokerMessage[] = [];
  let phase: Phase = 'starting';
  let connections = 0;
  // Reconnect attempts repeat the same error every period: logged once until it changes.
  let lastError: string | null = null;

  const client: MqttClient = connect(target.url, {
    clientId: options.clientId ?? 'edgefleet-hub',
    ...(target.username === undefined ? {} : { username: target.username }),
    ...(target.password === undefined ? {} : { password: target.password }),
    protocolVersion: 4,
    clean: false,
    resubscribe: true,
    keepalive: 30,
    connectTimeout: connectTimeoutMs,
    reconnectPeriod: options.reconnectPeriodMs ?? 1_000,
  });

  const deliver = (subscription: Subscription, message: BrokerMessage): void => {
    try {
      subscription.handler(message);
    } catch (error) {
      logger.error('mqtt message handler failed', { topic: message.topic, error: String(error) });
    }
  };

  // Listening from the start: a persistent session's backlog follows the CONNACK immediately,
  // before the hub has made its subscriptions; it is held and replayed by subscribe().
  client.on('message', (topic, payload) => {
    counters.messagesReceived++;
    // An external broker never names the publisher; its ACL keeps devices on their own topics.
    const message: BrokerMessage = { topic, payload, clientId: null };
    const matching = subscriptions.filter((subscription) => topicMatches(subscription.filter, topic));
    if (matching.length > 0) {
      for (const subscription of matching) deliver(subscription, message);
      return;
    }
    if (pending.length >= maxPending) {
      pending.shift();
      counters.messagesDropped++;
    }
    pending.push(message);
  });
  client.on('connect', (connack) => {
    counters.connected = true;
    lastError = null;
    connections++;
    if (connections === 1) return;
    counters.reconnects++;
    logger.info('external broker reconnected', { url: target.url, sessionPresent: connack.sessionPresent });
    if (phase === 'running') options.onReconnect?.();
  });
  client.on('close', () => {
    if (counters.connected && phase === 'running') logger.warn('external broker connection lost; reconnecting', { url: target.url });
    counters.connected = false;
  });
  client.on('error', (error) => {
    if (phase !== 'running' || error.message === lastError) return;
    lastError = error.message;
    logger.warn('external broker error', { url: target.url, error: error.message });
  });

  try {
    await firstConnection(client, connectTimeoutMs);
  } catch (error) {
    phase = 'closed';
    client.end(true);
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`cannot connect to the external broker ${target.url} (EDGEFLEET_BROKER_URL): ${reason}`, { cause: error });
  }
  phase = 'running';
  logger.info('connected to the external broker', { url: target.url, clientId: options.clientId ?? 'edgefleet-hub' });

  let closed: Promise<void> | null = null;
  return {
    async publish(topic, payload, publishOptions) {
      await client.publishAsync(topic, Buffer.from(payload), { qos: 1, retain: publishOptions?.retain ?? false });
      counters.messagesPublished++;
    },
    async subscribe(topicFilter, handler) {
      const subscription: Subscription = { filter: topicFilter, handler };
      subscriptions.push(subscription);
      for (let i = 0; i < pending.length; ) {
        const message = pending[i];
        if (message && topicMatches(topicFilter, message.topic)) {
          pending.splice(i, 1);
          deliver(subscription, message);
        } else {
          i++;
        }
      }
      try {
        const granted = await client.subscribeAsync(topicFilter, { qos: 1 });
        // 128 is a refusal (mqtt.js usually rejects on it already).
        if (granted.some((grant) => grant.qos === 128)) throw new Error('refused by the broker');
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new Error(`subscribing to ${topicFilter} on the external broker failed (does the hub user's ACL allow it?): ${reason}`, { cause: error });
      }
    },
    counters: () => ({ ...counters }),
    close() {
      closed ??= (async () => {
        phase = 'closed';
        // A DISCONNECT when the broker is there and nothing is in flight; otherwise the socket is
        // dropped, so that an unreachable broker or a missing PUBACK cannot hold close() open.
        const graceful = client.connected && Object.keys(client.outgoing).length === 0;
        await client.endAsync(!graceful);
      })();
      return closed;
    },
  };
}

/** The first CONNACK, or the first error (refused connection, bad credentials), or the timeout. */
function firstConnection(client: MqttClient, timeoutMs: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const settle = (error: Error | null): void => {
      clearTimeout(timer);
      client.off('connect', onConnect);
      client.off('error', onError);
      if (error) reject(error);
      else resolve();
    };
    const onConnect = (): void => settle(null);
    const onError = (error: Error): void => settle(error);
    const timer = setTimeout(() => settle(new Error(`no connection within ${timeoutMs} ms`)), timeoutMs);
    client.on('connect', onConnect);
    client.on('error', onError);
  });
}
