/**
 * A lean device's MQTT session, as agent/src/adapters/mqtt-link.ts opens it: client id =
 * username = device id, the secret as password, clean session, will {online:false} on its online
 * topic, its desired topic and the trust topic subscribed on every connect (so retained docs are
 * re-read), {online:true} then; state, events and statistics QoS 1, never retained. mqtt.js
 * reconnects on its own (period jittered per device) and keeps QoS 1 publishes until acknowledged.
 * Topics and payload shapes come from protocol only.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { TRUST_TOPIC, desiredTopic, encodeStatsWindow, eventsTopic, onlineTopic, stateTopic, statsTopic, type DeviceEvent, type OnlineMessage, type ReportedState, type StatsWindow } from '@edgefleet/protocol';
import type { DeviceClock, LeanDeviceSpec } from './device-types';
import type { LeanOptions } from './lean-process';

const onlineMessage = (online: boolean): string => JSON.stringify({ online } satisfies OnlineMessage);

export interface LinkEvents {
  /** after every (re)connect and subscribe request */
  connected(): void;
  desired(bytes: Uint8Array, receivedAt: number): void;
  trust(bytes: Uint8Array): void;
  /** counts a named occurrence (errors, going offline) */
  count(name: string): void;
}

export class LeanLink {
  private readonly client: MqttClient;
  private readonly id: string;
  private readonly publishJson: (topic: string, body: unknown) => void;

  constructor(brokerUrl: string, spec: Pick<LeanDeviceSpec, 'id' | 'secret'>, options: Pick<LeanOptions, 'reconnectMs' | 'connectTimeoutMs' | 'keepaliveS'>, jitter: number, clock: DeviceClock, events: LinkEvents) {
    const { id } = spec;
    const desired = desiredTopic(id);
    clock.connecting();
    const client = mqtt.connect(brokerUrl, {
      clientId: id,
      username: id,
      password: spec.secret,
      clean: true,
      resubscribe: false,
      // Jittered per device (0.5-1.5x), so a restarted broker is not hit in lockstep.
      reconnectPeriod: Math.round(options.reconnectMs * (0.5 + jitter)),
      connectTimeout: options.connectTimeoutMs,
      keepalive: options.keepaliveS,
      will: { topic: onlineTopic(id), payload: Buffer.from(onlineMessage(false)), qos: 1, retain: false },
    });
    this.client = client;
    client.on('connect', () => {
      clock.connected();
      client.subscribe({ [desired]: { qos: 1 }, [TRUST_TOPIC]: { qos: 1 } }, (error) => {
        if (error) events.count('subscribeFailures');
      });
      client.publish(onlineTopic(id), onlineMessage(true), { qos: 1, retain: false });
      events.connected();
    });
    client.on('reconnect', () => clock.connecting());
    client.on('offline', () => events.count('mqttOffline'));
    client.on('error', (error) => events.count(`mqtt:${error.message.slice(0, 60)}`));
    client.on('message', (topic, payload) => {
      // An empty retained payload means "cleared": nothing to verify.
      if (payload.length === 0) return;
      const bytes = new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength);
      if (topic === desired) {
        const receivedAt = Date.now();
        clock.desiredArrived(receivedAt);
        events.desired(bytes, receivedAt);
      } else if (topic === TRUST_TOPIC) events.trust(bytes);
    });
    this.publishJson = (topic, body) =>
      client.publish(topic, JSON.stringify(body), { qos: 1, retain: false }, (error) => {
        if (error) events.count('publishFailures');
      });
    this.id = id;
  }

  get connected(): boolean {
    return this.client.connected;
  }

  publishState(state: ReportedState): void {
    this.publishJson(stateTopic(this.id), state);
  }

  publishEvent(event: DeviceEvent): void {
    this.publishJson(eventsTopic(this.id), event);
  }

  /** The compact wire form (protocol stats-codec); resolves on PUBACK, rejects when not delivered. */
  publishStats(window: StatsWindow): Promise<void> {
    const bytes = encodeStatsWindow(window);
    return new Promise((resolve, reject) => {
      this.client.publish(statsTopic(this.id), Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), { qos: 1, retain: false }, (error) => (error ? reject(error) : resolve()));
    });
  }

  /** Forced: no DISCONNECT, so the broker publishes the will (a crash, or the network gone). */
  drop(): void {
    this.client.end(true);
  }
}
