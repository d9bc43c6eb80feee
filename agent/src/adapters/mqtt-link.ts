/**
 * The device's MQTT session (PROTOCOL topic table): subscribe to its own desired topic and the
 * trust topic, publish state/events/online QoS 1 never retained, last will {online:false}.
 * mqtt.js reconnects by itself and queues QoS 1 publishes while offline. Statistics windows
 * are the exception: the outbox keeps them on disk and sends them only while connected.
 */
import mqtt from 'mqtt';
import { TRUST_TOPIC, desiredTopic, encodeStatsWindow, eventsTopic, onlineTopic, stateTopic, statsTopic, type DeviceEvent, type OnlineMessage, type ReportedState, type StatsWindow } from '@edgefleet/protocol';
import type { AgentLogger } from '../logger';

export interface MqttLinkOptions {
  brokerUrl: string;
  deviceId: string;
  secret: string;
  reconnectPeriodMs: number;
  logger: AgentLogger;
  onDesired(bytes: Uint8Array): void;
  onTrust(bytes: Uint8Array): void;
  /** after every (re)connect, e.g. to publish the current state */
  onConnect(): void;
}

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
  const client = mqtt.connect(options.brokerUrl, {
    clientId: deviceId,
    username: deviceId,
    password: options.secret,
    clean: true,
    // Subscriptions are made explicitly on every connect so retained docs are re-read each time.
    resubscribe: false,
    reconnectPeriod: options.reconnectPeriodMs,
    connectTimeout: 10_000,
    will: { topic: onlineTopic(deviceId), payload: Buffer.from(online(false)), qos: 1, retain: false },
  });

  // One warning per outage; the reconnect attempts after it would repeat it every few seconds.
  let warned = false;
  client.on('connect', () => {
    warned = false;
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
    (warned ? logger.debug : logger.warn)('mqtt error', { error });
    warned = true;
  });
  client.on('offline', () => logger.debug('mqtt offline'));

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
function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}`;
  } catch {
    return '(unparsable url)';
  }
}
