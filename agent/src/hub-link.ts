/**
 * How the agent stands with its hub, for GET /v1/status and the log: reaching it, connected,
 * offline, or refused because the hub does not accept this device's id and secret. A refused
 * credential is no network problem and says so, in its own words and code (E_CREDENTIALS_REJECTED),
 * once per refusal; the agent keeps trying, slowly, since the operator may fix it on the hub.
 * A certificate the agent does not trust is no network problem either (E_TLS_UNTRUSTED).
 */
import type { AgentStatus } from '@edgefleet/device-core';
import type { AgentLogger } from './logger';

export type HubLinkState = 'connecting' | 'connected' | 'offline' | 'credentials-rejected';

export interface HubLinkStatus {
  /**
   * connecting: not connected since the start; connected: the MQTT session is up; offline: it was
   * up and is reconnecting; credentials-rejected: the hub refused the device id and secret
   */
  state: HubLinkState;
  credentialsRejected: boolean;
  /** when `state` last changed */
  since: string;
  /** why the hub is not reached (absent while connected) */
  lastError: { code: string; message: string; at: string } | null;
}

/** GET /v1/status and Agent.status(): the state the hub sees, and how the agent stands with the hub. */
export interface LocalStatus extends AgentStatus {
  hub: HubLinkStatus;
}

export const CREDENTIALS_REJECTED = 'E_CREDENTIALS_REJECTED';
export const TLS_UNTRUSTED = 'E_TLS_UNTRUSTED';

export class HubLink {
  private state: HubLinkState = 'connecting';
  private since: Date;
  private lastError: HubLinkStatus['lastError'] = null;
  /** the certificate failure last logged as an error: repeats of it until a connect are debug lines */
  private loggedUntrusted: string | null = null;

  constructor(private readonly deps: { deviceId: string; now: () => Date; logger: AgentLogger; credentialRetryMs: number }) {
    this.since = deps.now();
  }

  status(): HubLinkStatus {
    // An error while connected is the reason of the drop that follows it: shown once offline.
    const lastError = this.state === 'connected' ? null : this.lastError;
    return { state: this.state, credentialsRejected: this.state === 'credentials-rejected', since: this.since.toISOString(), lastError };
  }

  connected(): void {
    if (this.state === 'credentials-rejected') this.deps.logger.info('the hub accepts the device credentials again', { device: this.deps.deviceId });
    this.lastError = null;
    this.loggedUntrusted = null;
    this.move('connected');
  }

  /** the MQTT session ended (mqtt.js reconnects by itself) */
  disconnected(): void {
    if (this.state === 'connected') this.move('offline');
  }

  /** a try that failed for a network or server reason; a refusal stays shown until a connect succeeds */
  unreachable(code: string, message: string): void {
    if (this.state === 'credentials-rejected') return;
    this.lastError = { code, message, at: this.deps.now().toISOString() };
  }

  /**
   * The hub's or the broker's TLS certificate is not trusted (`message` says why and what to do):
   * logged as an error once, and again when the reason changes; the tries in between, every few
   * seconds from mqtt.js, are debug lines.
   */
  untrustedCertificate(message: string, retryInMs?: number): void {
    if (this.state === 'credentials-rejected') return;
    this.lastError = { code: TLS_UNTRUSTED, message, at: this.deps.now().toISOString() };
    const repeated = this.loggedUntrusted === message;
    this.loggedUntrusted = message;
    (repeated ? this.deps.logger.debug : this.deps.logger.error)(message, { code: TLS_UNTRUSTED, device: this.deps.deviceId, ...(retryInMs === undefined ? {} : { retryInMs }) });
  }

  /** The hub refused the device id and secret (`how`: HTTP 401 or the CONNACK code); logged every time. */
  credentialsRejected(how: string): void {
    const message = `the hub refused the credentials of device ${this.deps.deviceId} (${how})`;
    this.lastError = { code: CREDENTIALS_REJECTED, message, at: this.deps.now().toISOString() };
    this.move('credentials-rejected');
    this.deps.logger.error(
      "the hub refused this device's id and secret: check EDGEFLEET_DEVICE_ID and the secret (EDGEFLEET_DEVICE_SECRET or the file EDGEFLEET_DEVICE_SECRET_FILE names), or rotate the secret on the hub (POST /api/v1/devices/<id>/secret) and give the agent the new one",
      { code: CREDENTIALS_REJECTED, device: this.deps.deviceId, refusal: how, retryInMs: this.deps.credentialRetryMs },
    );
  }

  private move(state: HubLinkState): void {
    if (state === this.state) return;
    this.state = state;
    this.since = this.deps.now();
  }
}
