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
 *
 * A QoS 1 message is acknowledged (PUBACK) only once every handler it went to has settled: a
 * handler that returns a promise (a batched commit) holds it (and a rejected one withholds it), so the broker keeps, and after a
 * reconnect sends again, whatever the hub had not made durable. Many messages are held at once
 * (the hub commits them in batches): mqtt.js would read nothing more until a message's
 * `handleMessage` callback, so the adapter lets it go on at once and writes each PUBACK itself,
 * on the connection the message came on (never a later one: its packet ids are that
 * connection's). With Mosquitto, `max_inflight_messages` (default 20) caps how many it sends
 * before PUBACKs come back: set it to 0 for the hub's user (README).
 */
import { connect, type IPublishPacket, type MqttClient } from 'mqtt';
import { parseBrokerUrl, type BrokerTarget } from '../../core/broker-url';
import { topicMatches } from '../../core/topic-filter';
import type { Logger } from '../logger';
import type { BrokerAdapter, BrokerMessage, ExternalBrokerCounters } from './broker';

/** The hub's client id and persistent session on an external broker unless told otherwise. */
export const DEFAULT_HUB_CLIENT_ID = 'edgefleet-hub';

export interface ExternalBrokerOptions {
  /** mqtt://, mqtts://, ws:// or wss://, with the hub's credentials as userinfo */
  url: string;
  logger: Logger;
  /** the session is kept under this id, so two hubs must never share it; default 'edgefleet-hub' */
  clientId?: string;
  /**
   * Replicas of one hub share device messages through `$share/<group>/` subscriptions (MQTT 5 and
   * Mosquitto, EMQX, HiveMQ for 3.1.1 clients too): each goes to one replica. Unset: one hub.
   */
  shareGroup?: string;
  /** how long the first connection may take before startup fails; default 10 s */
  connectTimeoutMs?: number;
  /** PEM CA certificate(s) trusted for an mqtts:// or wss:// URL instead of the system's (EDGEFLEET_BROKER_CA_FILE) */
  ca?: string | Buffer;
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
  handler: (message: BrokerMessage) => void | Promise<void>;
}

/** A message waiting for a subscription, with the acknowledgement it holds. */
interface Held {
  message: BrokerMessage;
  ack: () => void;
}

/**
 * mqtt.js' own packet writer (MqttClient#_sendPacket, private API): the PUBACK it would have
 * written itself. Without it (another mqtt.js), messages are acknowledged one at a time through
 * `handleMessage`'s callback: slower, never earlier.
 */
type PacketWriter = { _sendPacket?: (packet: { cmd: 'puback'; messageId: number }) => void };

/** mqtt.js goes on reading without writing a PUBACK when handleMessage's callback gets an error. */
const ACK_LATER = new Error('acknowledged by the adapter once the handlers settled');

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
  const pending: Held[] = [];
  let phase: Phase = 'starting';
  let connections = 0;
  // Reconnect attempts repeat the same error every period: logged once until it changes.
  let lastError: string | null = null;

  const client: MqttClient = connect(target.url, {
    clientId: options.clientId ?? DEFAULT_HUB_CLIENT_ID,
    ...(target.username === undefined ? {} : { username: target.username }),
    ...(target.password === undefined ? {} : { password: target.password }),
    protocolVersion: 4,
    clean: false,
    resubscribe: true,
    keepalive: 30,
    connectTimeout: connectTimeoutMs,
    reconnectPeriod: options.reconnectPeriodMs ?? 1_000,
    ...(options.ca === undefined ? {} : { ca: options.ca }),
  });

  const failed = (message: BrokerMessage, error: unknown): void => logger.error('mqtt message handler failed', { topic: message.topic, error: String(error) });
  /**
   * Runs the handlers; calls `ack` once each has returned or fulfilled its promise. A handler that
   * throws is logged and acknowledged (as the embedded broker does); a promise that rejects (not
   * stored) is logged and never acknowledged: the broker sends the message again after a reconnect.
   */
  const deliver = (targets: readonly Subscription[], message: BrokerMessage, ack: () => void): void => {
    const holding: Promise<boolean>[] = [];
    for (const subscription of targets) {
      try {
        const handled = subscription.handler(message);
        if (handled)
          holding.push(
            handled.then(
              () => true,
              (error: unknown) => {
                failed(message, error);
                return false;
              },
            ),
          );
      } catch (error) {
        failed(message, error);
      }
    }
    if (holding.length === 0) ack();
    else void Promise.all(holding).then((stored) => stored.every(Boolean) && ack());
  };

  // Which connection a message came on: a PUBACK is only ever written on that one.
  let connection = 0;
  const writer = client as unknown as PacketWriter;
  const sendPuback = writer._sendPacket?.bind(client);
  client.handleMessage = (packet: IPublishPacket, callback: (error?: Error) => void): void => {
    counters.messagesReceived++;
    // An external broker never names the publisher; its ACL keeps devices on their own topics.
    const message: BrokerMessage = { topic: packet.topic, payload: Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload), clientId: null, retained: packet.retain };
    const matching = subscriptions.filter((subscription) => topicMatches(subscription.filter, packet.topic));
    let ack: () => void;
    const { messageId } = packet;
    // Without a way to write the PUBACK later, a message nobody wants yet is acknowledged now:
    // holding it would stop mqtt.js from reading the SUBACK that subscribe() waits for.
    if (packet.qos !== 1 || messageId === undefined || (!sendPuback && matching.length === 0)) {
      ack = () => undefined;
      callback();
    } else if (sendPuback) {
      const on = connection;
      ack = () => {
        // On a later connection the broker sends it again (persistent session); the hub dedupes.
        if (on === connection && client.connected) sendPuback({ cmd: 'puback', messageId });
      };
      callback(ACK_LATER);
    } else {
      ack = () => callback();
    }
    if (matching.length > 0) return deliver(matching, message, ack);
    // Listening from the start: a persistent session's backlog follows the CONNACK immediately,
    // before the hub has made its subscriptions; it is held, unacknowledged, and replayed by subscribe().
    if (pending.length >= maxPending) {
      pending.shift()?.ack();
      counters.messagesDropped++;
    }
    pending.push({ message, ack });
  };
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
    connection++;
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
  logger.info('connected to the external broker', { url: target.url, clientId: options.clientId ?? DEFAULT_HUB_CLIENT_ID });

  let closed: Promise<void> | null = null;
  return {
    async publish(topic, payload, publishOptions) {
      await client.publishAsync(topic, Buffer.from(payload), { qos: publishOptions?.qos ?? 1, retain: publishOptions?.retain ?? false });
      counters.messagesPublished++;
    },
    async subscribe(topicFilter, handler, subscribeOptions) {
      const subscription: Subscription = { filter: topicFilter, handler };
      subscriptions.push(subscription);
      for (let i = 0; i < pending.length; ) {
        const held = pending[i];
        if (held && topicMatches(topicFilter, held.message.topic)) {
          pending.splice(i, 1);
          deliver([subscription], held.message, held.ack);
        } else {
          i++;
        }
      }
      try {
        // Matched locally on the plain filter: a shared subscription delivers the real topic.
        const brokerFilter = subscribeOptions?.shared && options.shareGroup !== undefined ? `$share/${options.shareGroup}/${topicFilter}` : topicFilter;
        const granted = await client.subscribeAsync(brokerFilter, { qos: 1 });
        // 128 is a refusal (mqtt.js usually rejects on it already).
        if (granted.some((grant) => grant.qos === 128)) throw new Error('refused by the broker');
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new Error(`subscribing to ${topicFilter} on the external broker failed (does the hub user's ACL allow it?): ${reason}`, { cause: error });
      }
    },
    // MQTT gives one client no way to end another's session: the operator's broker must drop it
    // (with Mosquitto's dynamic security the hub will do it there: issue 12).
    endSession: async () => false,
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
