/**
 * One lean device: the real agent's protocol with none of its weight (no onnxruntime, no disk,
 * no local API), so thousands fit in one process. What it shares with the agent:
 * - the MQTT session of agent/src/adapters/mqtt-link.ts (lean-link.ts);
 * - doc handling of agent/src/doc-handler.ts: protocol `verifyDeployment` with its own lastSeq,
 *   pinned trust and serving release, one message at a time; trust rotations via
 *   `verifyTrustUpdate`; rejections reported as state error + `doc-rejected` event;
 * - the install of agent/src/run-steps.ts as phases (downloading, verifying, loading, probing,
 *   serving), with its events, typed errors, retries with backoff and give-up, the previous
 *   release kept for rollback without download, and the agent's reported state
 *   (@edgefleet/device-core's `reportedStateOf`);
 * - statistics windows with the device core's accumulator, and store-and-forward (lean-outbox.ts).
 * What stands for its disk (`persisted`) survives `crash()`; everything else is lost there, as
 * in a real crash. Not simulated: shadow candidates (a doc's `shadow` is verified by
 * `verifyDeployment` and then ignored), expiry staleness events, disk space.
 * This file is the device's lifecycle (start, crash, network loss, stop), its bootstrap and MQTT
 * session, and its statistics; docs are handled in device-docs.ts, installs run in
 * device-install.ts, and what they share (disk, state, reports, timers) is device-core.ts.
 */
import { verifyInitialTrust, type StatsWindow } from '@edgefleet/protocol';
import { backoffDelay, msgIdSource } from '@edgefleet/device-core';
import { DeviceCore } from './device-core';
import { DocHandler } from './device-docs';
import { Installer } from './device-install';
import { DriftState } from './inputs';
import { LeanLink } from './lean-link';
import { LeanOutbox } from './lean-outbox';
import { LeanStats, type ClosedTally } from './lean-stats';
import type { LeanProcess } from './lean-process';
import { DeviceClock, type DeviceSnapshot, type FaultKind, type LeanDeviceSpec } from './device-types';

export class LeanDevice {
  readonly clock: DeviceClock;
  readonly drift = new DriftState();
  fault: { kind: FaultKind; slowMs: number } = { kind: 'none', slowMs: 0 };
  readonly outbox: LeanOutbox;
  private readonly closed = new Map<string, ClosedTally>();
  private readonly core: DeviceCore;
  private readonly docs: DocHandler;
  private readonly installer: Installer;
  private stats: LeanStats;
  /** the network lets it reach the broker (false during churn) */
  private reachable = true;

  constructor(
    readonly spec: LeanDeviceSpec,
    private readonly proc: LeanProcess,
  ) {
    this.outbox = new LeanOutbox(proc.options.outboxMax);
    this.clock = new DeviceClock(spec);
    this.core = new DeviceCore(spec, proc, this.clock);
    this.installer = new Installer(this.core, { fault: () => this.fault, activateStats: (release) => this.stats.activate(release) });
    this.docs = new DocHandler(this.core, () => {
      this.applyStatsInterval();
      this.installer.trigger();
    });
    this.stats = this.newStats();
  }

  // ---- lifecycle ----

  /** Boots as the agent does: serve what is "on disk", bootstrap trust, connect, reconcile. */
  start(): void {
    this.core.up = true;
    const gen = this.core.generation;
    this.stats.activate(this.core.persisted.active);
    this.applyStatsInterval();
    this.installer.trigger();
    void this.bootstrap(gen, 0);
  }

  /** Agent crash: no DISCONNECT (the broker sends the will), in-memory state gone; restarts after `downMs`. */
  crash(downMs: number): void {
    this.core.generation++;
    this.dropLink();
    for (const timer of this.core.timers) clearTimeout(timer);
    this.core.timers.clear();
    this.stats.stop();
    this.stats = this.newStats();
    this.core.activity = { kind: 'settled' };
    this.core.lastPhase = null;
    this.core.error = null;
    this.installer.reset();
    this.docs.reset();
    this.core.pendingEvents = [];
    // Transient failures are forgotten on restart and tried again (agent/src/startup.ts).
    if (this.core.persisted.failure?.transient) this.core.persisted.failure = null;
    this.core.up = false;
    this.core.later(downMs, () => this.start());
  }

  /** Network loss (no DISCONNECT): the agent keeps running and reconnects after `downMs`. */
  disconnect(downMs: number): void {
    if (!this.reachable) return;
    this.dropLink();
    this.reachable = false;
    // Not a device timer: the network comes back whatever the agent does meanwhile.
    setTimeout(() => {
      this.reachable = true;
      if (this.core.up) this.connect();
    }, downMs);
  }

  /** Ends everything (no final window, no DISCONNECT). */
  stop(): void {
    this.core.generation++;
    for (const timer of this.core.timers) clearTimeout(timer);
    this.core.timers.clear();
    this.stats.stop();
    this.dropLink();
    this.core.up = false;
  }

  /** Closes the open statistics window now (the fleet's flush). */
  flushStats(): void {
    this.stats.close();
  }

  /** windows closed (handed to the outbox) per model@version, since the device was created */
  closedStats(): ReadonlyMap<string, ClosedTally> {
    return this.closed;
  }

  snapshot(): DeviceSnapshot {
    const status = this.core.status();
    return { id: this.spec.id, ring: this.spec.ring, group: this.spec.group, connected: this.core.link?.connected ?? false, phase: status.phase, seq: status.seq, active: status.active, previous: status.previous, error: status.error, outbox: this.outbox.size, fault: this.fault.kind };
  }

  // ---- bootstrap and MQTT ----

  private async bootstrap(gen: number, attempt: number): Promise<void> {
    try {
      if (!this.core.persisted.trust || !this.core.persisted.brokerUrl) {
        const config = await this.proc.fetches.config(this.core.authorization);
        if (gen !== this.core.generation) return;
        // Trust on first use over the authenticated config endpoint, checked by this device.
        this.core.persisted.trust ??= await verifyInitialTrust(config.trust, this.proc.now());
        this.core.persisted.brokerUrl = config.mqttUrl;
      }
    } catch (error) {
      if (gen !== this.core.generation) return;
      this.proc.count('bootstrapFailures');
      this.core.later(backoffDelay(attempt, this.proc.options.retry, this.core.random), () => void this.bootstrap(gen, attempt + 1));
      return;
    }
    if (gen === this.core.generation && this.reachable) this.connect();
  }

  private connect(): void {
    const brokerUrl = this.core.persisted.brokerUrl;
    if (!brokerUrl || this.core.link) return;
    this.core.link = new LeanLink(this.proc.brokerUrlFor(brokerUrl), this.spec, this.proc.options, this.core.random(), this.clock, {
      connected: () => {
        this.core.report();
        for (const event of this.core.pendingEvents.splice(0)) this.core.link?.publishEvent(event);
        this.drainOutbox();
      },
      desired: (bytes, receivedAt) => this.docs.desired(bytes, receivedAt),
      trust: (bytes) => this.docs.trust(bytes),
      count: (name) => this.proc.count(name),
    });
  }

  private dropLink(): void {
    this.core.link?.drop();
    this.core.link = null;
    this.outbox.linkLost();
  }

  private drainOutbox(): void {
    const link = this.core.link;
    if (link?.connected) this.outbox.drain((window) => link.publishStats(window));
  }

  // ---- statistics ----

  private applyStatsInterval(): void {
    this.stats.setIntervalS(this.proc.options.statsIntervalS ?? this.core.persisted.desired?.statsIntervalS ?? 60);
  }

  private newStats(): LeanStats {
    return new LeanStats({
      device: this.spec.id,
      now: this.proc.now,
      random: this.core.random,
      // A fresh random prefix per (re)start, as a restarted agent has.
      msgId: msgIdSource(),
      group: () => this.proc.group(this.spec.group),
      drift: this.drift,
      generating: () => this.proc.statsGenerating,
      layoutOf: (release) => this.proc.layoutOf(release),
      closed: this.closed,
      sink: (window: StatsWindow) => {
        this.outbox.add(window);
        this.drainOutbox();
      },
    });
  }
}
