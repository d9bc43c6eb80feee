/**
 * The device's MQTT session (PROTOCOL topic table): subscribe to its own desired topic and the
 * trust topic, publish state/events/online QoS 1 never retained, last will {online:false}.
 * mqtt.js reconnects by itself and queues QoS 1 publishes while offline. Statistics windows
 * are the exception: the outbox keeps them on disk and sends them only while connected.
 */
import mqtt from 'mqtt';
import { MAX_DEVICE_PACKET_BYTES, TRUST_TOPIC, desiredTopic, encodeStatsWindow, eventsTopic, onlineTopic, stateTopic, statsTopic, type DeviceEvent, type OnlineMessage, type ReportedState, type StatsWindow } from '@edgefleet/protocol';
import { withPublicRoots } from '../core/ca-bundle';
import { describeUntrusted, untrustedCertificate } from '../core/tls-errors';
import type { AgentLogger } from '../logger';
import { limitIncomingPackets } from './packet-limit';

export interface MqttLinkOptions {
  brokerUrl: string;
  deviceId: string;
  secret: string;
  reconnectPeriodMs: number;
  /**
   * the reconnect period after the broker refused the credential (slow: each try is a failed
   * login) or sent a packet over the limit (it would send the same retained doc again)
   */
  refusedReconnectPeriodMs: number;
  /** largest MQTT packet read; a larger one ends the connection from its header; default MAX_DEVICE_PACKET_BYTES */
  maxPacketBytes?: number;
  /** extra CAs for mqtts:// and wss:// (config ca), or null for the public ones */
  ca: readonly string[] | null;
  logger: AgentLogger;
  onDesired(bytes: Uint8Array): void;
  onTrust(bytes: Uint8Array): void;
  /** after every (re)connect, e.g. to publish the current state */
  onConnect(): void;
  /** the session ended; mqtt.js reconnects by itself */
  onDisconnect(): void;
  /** the broker refused the device id and secret (`how` names the CONNACK code); retried slowly */
  onRefused(how: string): void;
  /** the broker's TLS certificate is not trusted (`message` says why and what to do); mqtt.js retries */
  onUntrusted(message: string): void;
  /** any other failure to connect or stay connected (refused TCP, a TLS alert, a timeout); mqtt.js retries */
  onError(message: string): void;
}

/**
 * CONNACK codes that refuse the credential, MQTT 3.1.1 (4 bad user name or password, 5 not
 * authorized: the hub's answer while failed logins are over their limit) and 5.0 (134, 135).
 */
const CREDENTIAL_REFUSED: ReadonlyMap<number, string> = new Map([
  [4, 'MQTT CONNACK 4: bad user name or password'],
  [5, 'MQTT CONNACK 5: not authorized (also while failed logins are over their limit)'],
  [134, 'MQTT CONNACK 134: bad user name or password'],
  [135, 'MQTT CONNACK 135: not authorized'],
]);

export interface MqttLink {
  publishState(state: ReportedState): void;
  publishEvent(event: DeviceEvent): void;
  /** QoS 1 on the stats topic, in the wire encoding; resolves on PUBACK, rejects if the client gives up on it */
  publishStats(window: StatsWindow): Promise<void>;
  /** true while the session is up */
  connected(): boolean;
  close(): Promise<void>;
}

const online = (value: boolean): string => JSON.stringify({ online: value } satisfies OnlineMessage);

export function connectMqttLink(options: MqttLinkOptions): MqttLink {
  const { deviceId, logger } = options;
  const desired = desiredTopic(deviceId);
  const maxPacketBytes = options.maxPacketBytes ?? MAX_DEVICE_PACKET_BYTES;
  const client = mqtt.connect(options.brokerUrl, {
    clientId: deviceId,
    username: deviceId,
    password: options.secret,
    clean: true,
    // Subscriptions are made explicitly on every connect so retained docs are re-read each time.
    resubscribe: false,
    reconnectPeriod: options.reconnectPeriodMs,
    connectTimeout: 10_000,
    // mqtt.js stops reconnecting after any refused CONNACK unless told otherwise; a hub that is
    // busy (3) or an operator fixing the credential (4, 5) are both worth another try.
    reconnectOnConnackError: true,
    // The first connection too must be guarded (limitIncomingPackets), so it is opened below.
    manualConnect: true,
    // Over WebSocket the `ws` library buffers a whole message before the stream sees it: its own limit.
    wsOptions: { maxPayload: maxPacketBytes },
    will: { topic: onlineTopic(deviceId), payload: Buffer.from(online(false)), qos: 1, retain: false },
    ...(options.ca === null ? {} : { ca: withPublicRoots(options.ca) }),
  });

  // A broker (or someone between) sending more than any document a device accepts: the
  // connection ends before the packet is buffered, and the next try waits the slow period.
  limitIncomingPackets(client, maxPacketBytes, (reason) => {
    client.options.reconnectPeriod = options.refusedReconnectPeriodMs;
    logger.warn('mqtt packet too large; disconnecting', { reason, limit: maxPacketBytes });
    options.onError(`the broker sent a packet over the limit (${reason})`);
  });
  client.connect();

  // One warning per outage; the reconnect attempts after it would repeat it every few seconds.
  let warned = false;
  client.on('connect', () => {
    warned = false;
    client.options.reconnectPeriod = options.reconnectPeriodMs;
    logger.info('mqtt connected', { broker: redactUrl(options.brokerUrl) });
    client.subscribe({ [desired]: { qos: 1 }, [TRUST_TOPIC]: { qos: 1 } }, (error) => {
      if (error) logger.warn('mqtt subscribe failed', { error });
    });
    client.publish(onlineTopic(deviceId), online(true), { qos: 1, retain: false });
    options.onConnect();
  });
  client.on('message', (topic, payload) => {
    // An empty retained payload means "cleared"; there is nothing to verify.
    if (payload.length === 0) return;
    const bytes = new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength);
    if (topic === desired) options.onDesired(bytes);
    else if (topic === TRUST_TOPIC) options.onTrust(bytes);
  });
  client.on('error', (error) => {
    const refusal = 'code' in error && typeof error.code === 'number' ? CREDENTIAL_REFUSED.get(error.code) : undefined;
    if (refusal !== undefined) {
      // Read by mqtt.js when it schedules the next try, right after this event: slow retries
      // until a connect succeeds (then the usual period again).
      client.options.reconnectPeriod = options.refusedReconnectPeriodMs;
      options.onRefused(refusal);
      return;
    }
    const untrusted = untrustedCertificate(error);
    if (untrusted !== null) {
      // The caller logs it as what it is, once (hub-link.ts): not an 'mqtt error' every few seconds.
      options.onUntrusted(describeUntrusted(`the broker ${redactUrl(options.brokerUrl)}`, untrusted));
      return;
    }
    (warned ? logger.debug : logger.warn)('mqtt error', { error });
    warned = true;
    options.onError(error.message);
  });
  client.on('offline', () => logger.debug('mqtt offline'));
  client.on('close', () => options.onDisconnect());

  const publish = (topic: string, body: unknown) => {
    client.publish(topic, JSON.stringify(body), { qos: 1, retain: false }, (error) => {
      // With the client ended, queued publishes fail; nothing more to do than note it.
      if (error) logger.debug('mqtt publish not delivered', { topic, error });
    });
  };

  /** stats publishes still waiting for their PUBACK */
  const unacked = new Set<(error?: Error) => void>();

  return {
    publishState: (state) => publish(stateTopic(deviceId), state),
    publishEvent: (event) => publish(eventsTopic(deviceId), event),
    publishStats: (window) =>
      new Promise<void>((resolve, reject) => {
        const settle = (error?: Error) => {
          unacked.delete(settle);
          if (error) reject(error);
          else resolve();
        };
        unacked.add(settle);
        // The compact wire form (protocol stats-codec): the hub decodes it with decodeStatsWindow.
        const bytes = encodeStatsWindow(window);
        client.publish(statsTopic(deviceId), Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), { qos: 1, retain: false }, (error) => settle(error));
      }),
    connected: () => client.connected,
    async close() {
      // Forced: a graceful end waits for every unacknowledged publish and can hang on a dead
      // broker. Without a DISCONNECT the broker publishes the will, so the hub learns we are offline.
      await client.endAsync(true);
      // A forced end may drop unacknowledged publishes without calling back; the outbox keeps them.
      for (const settle of [...unacked]) settle(new Error('mqtt link closed before PUBACK'));
    },
  };
}

/** Broker URLs may carry credentials; logs get the host only. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}`;
  } catch {
    return '(unparsable url)';
  }
}
