/**
 * The page's MQTT session over WebSocket, with the same topics, QoS and ACL as an agent's
 * (PROTOCOL topic table): subscribe to its own desired topic and the trust topic; publish state,
 * events and online at QoS 1, never retained; last will {online:false}. mqtt.js reconnects by
 * itself and queues QoS 1 publishes while offline. Statistics windows go out only while
 * connected and are kept in IndexedDB until their PUBACK (the outbox).
 */
import mqtt from 'mqtt';
import { TRUST_TOPIC, desiredTopic, encodeStatsWindow, eventsTopic, onlineTopic, stateTopic, statsTopic, type DeviceEvent, type OnlineMessage, type ReportedState, type StatsWindow } from '@edgefleet/protocol';
import type { WebLogger } from '../api';

export interface MqttLinkOptions {
  brokerUrl: string;
  deviceId: string;
  secret: string;
  reconnectPeriodMs: number;
  logger: WebLogger;
  onDesired(bytes: Uint8Array): void;
  onTrust(bytes: Uint8Array): void;
  /** after every (re)connect and disconnect */
  onConnection(connected: boolean): void;
  /** the broker refused the credential (CONNACK "bad user name or password" / "not authorized"): the link stops */
  onRefused(): void;
}

/** CONNACK codes that mean the credential itself is refused: MQTT 3.1.1 (4, 5) and 5.0 (134, 135). */
const CREDENTIAL_REFUSED = new Set([4, 5, 134, 135]);

export interface MqttLink {
  publishState(state: ReportedState): void;
  publishEvent(event: DeviceEvent): void;
  /** resolves on PUBACK; rejects if the client gives up on it */
  publishStats(window: StatsWindow): Promise<void>;
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
    // Subscribed on every connect, so the retained doc is read again after each outage.
    resubscribe: false,
    reconnectPeriod: options.reconnectPeriodMs,
    connectTimeout: 10_000,
    will: { topic: onlineTopic(deviceId), payload: online(false), qos: 1, retain: false },
  });

  let warned = false;
  client.on('connect', () => {
    warned = false;
    logger.info('mqtt connected');
    client.subscribe({ [desired]: { qos: 1 }, [TRUST_TOPIC]: { qos: 1 } }, (error) => {
      if (error) logger.warn('mqtt subscribe failed', { error });
    });
    client.publish(onlineTopic(deviceId), online(true), { qos: 1, retain: false });
    options.onConnection(true);
  });
  client.on('message', (topic, payload) => {
    if (payload.length === 0) return; // a cleared retained topic: nothing to verify
    const bytes = new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength);
    if (topic === desired) options.onDesired(bytes);
    else if (topic === TRUST_TOPIC) options.onTrust(bytes);
  });
  client.on('error', (error) => {
    (warned ? logger.debug : logger.warn)('mqtt error', { error: error.message });
    warned = true;
    if ('code' in error && typeof error.code === 'number' && CREDENTIAL_REFUSED.has(error.code)) {
      // Retrying a refused secret every few seconds helps nobody and counts as failed logins at the hub.
      client.end(true);
      options.onRefused();
    }
  });
  client.on('offline', () => options.onConnection(false));
  client.on('close', () => options.onConnection(false));

  const publish = (topic: string, body: unknown) =>
    client.publish(topic, JSON.stringify(body), { qos: 1, retain: false }, (error) => {
      if (error) logger.debug('mqtt publish not delivered', { topic, error: error.message });
    });
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
        // mqtt.js's typings name its Buffer; its browser build sends any Uint8Array as it is.
        const bytes = encodeStatsWindow(window) as Parameters<typeof client.publish>[1];
        client.publish(statsTopic(deviceId), bytes, { qos: 1, retain: false }, (error) => settle(error));
      }),
    connected: () => client.connected,
    async close() {
      await client.endAsync(true);
      for (const settle of [...unacked]) settle(new Error('mqtt link closed before PUBACK'));
    },
  };
}
