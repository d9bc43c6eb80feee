/**
 * What the hub's services need from an MQTT broker, whichever one it is: the embedded aedes
 * (default) or an operator's external broker (ARCHITECTURE "broker adapter"). Services and
 * HubContext depend only on this; the listeners are the embedded broker's own business.
 */

export interface BrokerMessage {
  topic: string;
  payload: Buffer;
  /**
   * The publishing client's id when the broker can tell (embedded); null when the hub itself
   * published, or when an external broker delivered it (MQTT does not name the publisher: the
   * operator's ACL is what keeps a device on its own topics).
   */
  clientId: string | null;
  /**
   * Delivered as a retained message (on a new subscription). Devices may never publish retained;
   * an external broker that cannot refuse it (a Mosquitto dynsec ACL has no "never retained")
   * replays it on every resubscription, so the hub drops it (services/statistics/ingest.ts).
   */
  retained?: boolean;
}

export interface PublishOptions {
  /** retained messages are a cache of the database (ARCHITECTURE rule 7); default false */
  retain?: boolean;
  /**
   * default 1. 0 for commands that must never be sent twice: a QoS 1 publish whose PUBACK is
   * lost to a dropped connection is sent again after the reconnect (mosquitto-dynsec.ts).
   */
  qos?: 0 | 1;
}

export interface SubscribeOptions {
  /**
   * Consumed once across hub replicas: an external broker given a share group subscribes as
   * `$share/<group>/<filter>`, so each message goes to one replica of the group. Device messages
   * only; a replica's own replies (the plugin's answers) must reach that replica. The embedded
   * broker serves one hub and ignores it.
   */
  shared?: boolean;
}

/** Counters of the embedded broker: its own listeners, authentication and ACL. */
export interface EmbeddedBrokerCounters {
  kind: 'embedded';
  connections: number;
  connectionsRefused: number;
  authFailures: number;
  publishDenied: number;
  subscribeDenied: number;
  willDenied: number;
  oversizedPackets: number;
  /** publishes refused by admission control (rate limits), each ending the connection */
  publishRateLimited: number;
  /**
   * CONNECTs refused without checking the secret because their address (or this id from it)
   * failed too often recently (core/auth-admission): CONNACK 5, also counted in authFailures
   */
  authThrottled: number;
  /** CONNECTs refused because the slow (legacy scrypt) verification queue was full: CONNACK 3 */
  authBusy: number;
  /**
   * Every CONNECT refused with a CONNACK, by its return code's reason (the counters above split
   * some of them further). `unsupportedProtocolVersion`: an MQTT 5 (or 3.1) client; aedes speaks
   * 3.1.1 only and answers return code 1, which MQTT 5 clients report as reason 132.
   */
  connectsRefused: Record<ConnectRefusal, number>;
}

export type ConnectRefusal = 'unsupportedProtocolVersion' | 'identifierRejected' | 'serverUnavailable' | 'badCredentials' | 'notAuthorized' | 'other';

/** The reason of an MQTT 3.1.1 CONNACK return code (section 3.2.2.3). */
export function connectRefusalOf(returnCode: number): ConnectRefusal {
  switch (returnCode) {
    case 1:
      return 'unsupportedProtocolVersion';
    case 2:
      return 'identifierRejected';
    case 3:
      return 'serverUnavailable';
    case 4:
      return 'badCredentials';
    case 5:
      return 'notAuthorized';
    default:
      return 'other';
  }
}

/** Counters of the hub's client of an external broker; the broker's own are the operator's to read. */
export interface ExternalBrokerCounters {
  kind: 'external';
  /** the broker URL without credentials */
  url: string;
  connected: boolean;
  /** connections after the first one */
  reconnects: number;
  messagesReceived: number;
  messagesPublished: number;
  /** received before any subscription of the hub wanted them, beyond the replay buffer */
  messagesDropped: number;
}

export type BrokerCounters = EmbeddedBrokerCounters | ExternalBrokerCounters;

export interface BrokerAdapter {
  /** QoS 1; resolves once the broker has the message */
  publish(topic: string, payload: Uint8Array | string, options?: PublishOptions): Promise<void>;
  /**
   * QoS 1; `handler` gets every message matching `topicFilter` (MQTT wildcards). A handler that
   * returns a promise holds the message's acknowledgement until it settles (data committed first).
   */
  subscribe(topicFilter: string, handler: (message: BrokerMessage) => void | Promise<void>, options?: SubscribeOptions): Promise<void>;
  /**
   * Puts retained messages in place without delivering them to anyone: the embedded broker's
   * start-up fill from the database before any device can connect. Absent: publish them retained.
   */
  seedRetained?(entries: Iterable<readonly [topic: string, payload: Uint8Array | string]>): void;
  /**
   * Ends the connection of the client with this id, if any (a rotated secret or a decommissioned
   * device: its secret no longer verifies, so it cannot come back). True when one was ended; an
   * external broker cannot be told, so it answers false and the operator's broker must drop it.
   */
  endSession(clientId: string): Promise<boolean>;
  counters(): BrokerCounters;
  /** idempotent */
  close(): Promise<void>;
}
