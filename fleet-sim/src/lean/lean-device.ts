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
 *   (core/state.ts `reportedStateOf`);
 * - statistics windows with the agent's accumulator, and store-and-forward (lean-outbox.ts).
 * What stands for its disk (`persisted`) survives `crash()`; everything else is lost there, as
 * in a real crash. Not simulated: shadow candidates (a doc's `shadow` is verified by
 * `verifyDeployment` and then ignored), expiry staleness events, disk space.
 */
import { randomUUID } from 'node:crypto';
import { isReleaseRef, verifyDeployment, verifyInitialTrust, verifyTrustUpdate, type DeviceEvent, type ReleaseManifest, type ReleaseRef, type ReportedError, type StatsWindow, type TrustDoc } from '@edgefleet/protocol';
import { backoffDelay } from '../../../agent/src/core/backoff';
import { msgIdSource } from '../../../agent/src/core/msg-id';
import { phaseOf, refOf, reportedStateOf, sameRelease, type Activity, type InstallFailure, type InstallStage } from '../../../agent/src/core/state';
import { classifyTrustMessage } from '../../../agent/src/core/trust';
import { AgentError, reportable, toAgentError } from '../../../agent/src/errors';
import { basicAuth } from '../../../agent/src/adapters/hub-client';
import { mulberry32 } from '../../../hub/src/core/seeded-random';
import { DriftState } from './inputs';
import { LeanLink } from './lean-link';
import { LeanOutbox } from './lean-outbox';
import { LeanStats, type ClosedTally } from './lean-stats';
import type { LeanProcess } from './lean-process';
import { DeviceClock, type DeviceSnapshot, type FaultKind, type LeanDeviceSpec } from './device-types';

interface Desired {
  seq: number;
  release: ReleaseManifest;
  downgrade: boolean;
  statsIntervalS: number;
}

/** What the agent keeps on disk. */
interface Persisted {
  lastSeq: number;
  desired: Desired | null;
  active: ReleaseManifest | null;
  previous: ReleaseManifest | null;
  failure: InstallFailure | null;
  /** artifacts "on disk" (the active and previous releases') */
  cached: Set<string>;
  trust: TrustDoc | null;
  brokerUrl: string | null;
}

/** A failed manifest fetch: not the doc's fault, the doc is tried again later. */
class FetchFailed extends Error {}

export class LeanDevice {
  readonly clock: DeviceClock;
  readonly drift = new DriftState();
  fault: { kind: FaultKind; slowMs: number } = { kind: 'none', slowMs: 0 };
  private readonly persisted: Persisted = { lastSeq: 0, desired: null, active: null, previous: null, failure: null, cached: new Set(), trust: null, brokerUrl: null };
  readonly outbox: LeanOutbox;
  private readonly closed = new Map<string, ClosedTally>();
  private readonly random: () => number;
  private readonly authorization: string;
  // In memory only: lost with a crash.
  private generation = 0;
  private link: LeanLink | null = null;
  private activity: Activity = { kind: 'settled' };
  private lastPhase: string | null = null;
  private error: ReportedError | null = null;
  private announcedSeq: number | null = null;
  private docs: Promise<void> = Promise.resolve();
  private pendingDoc: { bytes: Uint8Array; receivedAt: number } | null = null;
  private running: { gen: number; done: Promise<void> } | null = null;
  private dirty = false;
  private attempts = { seq: -1, count: 0 };
  private timers = new Set<NodeJS.Timeout>();
  private pendingEvents: DeviceEvent[] = [];
  private stats: LeanStats;
  /** the agent process runs (false between a crash and its restart) */
  private up = false;
  /** the network lets it reach the broker (false during churn) */
  private reachable = true;

  constructor(
    readonly spec: LeanDeviceSpec,
    private readonly proc: LeanProcess,
  ) {
    this.random = mulberry32(spec.seed);
    this.authorization = basicAuth(spec.id, spec.secret);
    this.outbox = new LeanOutbox(proc.options.outboxMax);
    this.clock = new DeviceClock(spec);
    this.stats = this.newStats();
  }

  // ---- lifecycle ----

  /** Boots as the agent does: serve what is "on disk", bootstrap trust, connect, reconcile. */
  start(): void {
    this.up = true;
    const gen = this.generation;
    this.stats.activate(this.persisted.active);
    this.applyStatsInterval();
    this.trigger();
    void this.bootstrap(gen, 0);
  }

  /** Agent crash: no DISCONNECT (the broker sends the will), in-memory state gone; restarts after `downMs`. */
  crash(downMs: number): void {
    this.generation++;
    this.dropLink();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.stats.stop();
    this.stats = this.newStats();
    this.activity = { kind: 'settled' };
    this.lastPhase = null;
    this.error = null;
    this.announcedSeq = null;
    this.pendingDoc = null;
    this.docs = Promise.resolve();
    this.attempts = { seq: -1, count: 0 };
    this.pendingEvents = [];
    // Transient failures are forgotten on restart and tried again (agent/src/startup.ts).
    if (this.persisted.failure?.transient) this.persisted.failure = null;
    this.up = false;
    this.later(downMs, () => this.start());
  }

  /** Network loss (no DISCONNECT): the agent keeps running and reconnects after `downMs`. */
  disconnect(downMs: number): void {
    if (!this.reachable) return;
    this.dropLink();
    this.reachable = false;
    // Not a device timer: the network comes back whatever the agent does meanwhile.
    setTimeout(() => {
      this.reachable = true;
      if (this.up) this.connect();
    }, downMs);
  }

  /** Ends everything (no final window, no DISCONNECT). */
  stop(): void {
    this.generation++;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.stats.stop();
    this.dropLink();
    this.up = false;
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
    const status = this.status();
    return { id: this.spec.id, ring: this.spec.ring, group: this.spec.group, connected: this.link?.connected ?? false, phase: status.phase, seq: status.seq, active: status.active, previous: status.previous, error: status.error, outbox: this.outbox.size, fault: this.fault.kind };
  }

  // ---- bootstrap and MQTT ----

  private async bootstrap(gen: number, attempt: number): Promise<void> {
    try {
      if (!this.persisted.trust || !this.persisted.brokerUrl) {
        const config = await this.proc.fetches.config(this.authorization);
        if (gen !== this.generation) return;
        // Trust on first use over the authenticated config endpoint, checked by this device.
        this.persisted.trust ??= await verifyInitialTrust(config.trust, this.proc.now());
        this.persisted.brokerUrl = config.mqttUrl;
      }
    } catch (error) {
      if (gen !== this.generation) return;
      this.proc.count('bootstrapFailures');
      this.later(backoffDelay(attempt, this.proc.options.retry, this.random), () => void this.bootstrap(gen, attempt + 1));
      return;
    }
    if (gen === this.generation && this.reachable) this.connect();
  }

  private connect(): void {
    const brokerUrl = this.persisted.brokerUrl;
    if (!brokerUrl || this.link) return;
    this.link = new LeanLink(this.proc.brokerUrlFor(brokerUrl), this.spec, this.proc.options, this.random(), this.clock, {
      connected: () => {
        this.report();
        for (const event of this.pendingEvents.splice(0)) this.link?.publishEvent(event);
        this.drainOutbox();
      },
      desired: (bytes, receivedAt) => {
        // A newer message replaces a doc waiting to be tried again.
        this.pendingDoc = null;
        this.enqueue(() => this.handleDesired(bytes, receivedAt));
      },
      trust: (bytes) => this.enqueue(() => this.handleTrust(bytes)),
      count: (name) => this.proc.count(name),
    });
  }

  private dropLink(): void {
    this.link?.drop();
    this.link = null;
    this.outbox.linkLost();
  }

  private drainOutbox(): void {
    const link = this.link;
    if (link?.connected) this.outbox.drain((window) => link.publishStats(window));
  }

  // ---- reporting ----

  private status() {
    const p = this.persisted;
    // What serves: the active release (a lean device has nothing that can fail to load).
    const serving = this.up ? p.active : null;
    return {
      device: this.spec.id,
      phase: phaseOf(this.activity, serving !== null, p.failure),
      active: serving ? refOf(serving) : null,
      previous: p.previous ? refOf(p.previous) : null,
      shadow: null,
      seq: p.lastSeq,
      error: this.error,
    };
  }

  private report(): void {
    const status = this.status();
    this.lastPhase = status.phase;
    this.link?.publishState(reportedStateOf(status, this.proc.agentInfo, this.proc.now()));
  }

  private emit(kind: DeviceEvent['kind'], fields: Pick<DeviceEvent, 'seq' | 'model' | 'error'> = {}): void {
    const event: DeviceEvent = { id: randomUUID(), device: this.spec.id, kind, at: this.proc.now().toISOString(), ...fields };
    if (this.link) this.link.publishEvent(event);
    else if (this.pendingEvents.push(event) > 200) this.pendingEvents.shift();
  }

  private setActivity(activity: Activity): void {
    this.activity = activity;
    if (this.status().phase !== this.lastPhase) this.report();
  }

  // ---- documents (doc-handler.ts) ----

  private enqueue(task: () => Promise<void>): void {
    const gen = this.generation;
    this.docs = this.docs.then(() => (gen === this.generation ? task() : undefined)).catch(() => this.proc.count('docHandlerErrors'));
  }

  private async handleDesired(bytes: Uint8Array, receivedAt: number, attempt = 0): Promise<void> {
    const p = this.persisted;
    if (!p.trust) return this.reject(new AgentError('E_TRUST_STATE', 'no trust document pinned yet'));
    const gen = this.generation;
    let verdict;
    try {
      verdict = await verifyDeployment(bytes, {
        trust: p.trust,
        deviceId: this.spec.id,
        now: this.proc.now(),
        lastSeq: p.lastSeq,
        active: p.active ? { model: p.active.model, releaseCounter: p.active.releaseCounter } : null,
        runtime: this.proc.runtime,
        fetchRelease: (ref: ReleaseRef) => this.proc.fetches.release(ref, this.authorization).catch((cause: unknown) => Promise.reject(new FetchFailed('release manifest fetch failed', { cause }))),
      });
    } catch (error) {
      if (gen !== this.generation) return;
      if (error instanceof FetchFailed) {
        this.proc.count('releaseFetchFailures');
        // As the agent: a hub out of reach is not the doc's fault, it waits; anything else refuses it.
        if (!(error.cause instanceof AgentError && error.cause.transient)) return this.reject(toAgentError(error.cause, 'E_DOWNLOAD_FAILED', 'deployment doc rejected'));
        this.pendingDoc = { bytes, receivedAt };
        this.later(backoffDelay(attempt, this.proc.options.retry, this.random), () => {
          if (this.pendingDoc?.bytes === bytes) this.enqueue(() => this.handleDesired(bytes, receivedAt, attempt + 1));
        });
        return;
      }
      return this.reject(toAgentError(error, 'E_SCHEMA', 'deployment doc rejected'));
    }
    if (gen !== this.generation) return;
    if (this.pendingDoc?.bytes === bytes) this.pendingDoc = null;
    if (verdict.kind === 'ignore') return;
    const { doc, downgrade } = verdict;
    const release = this.proc.intern(isReleaseRef(doc.active) ? doc.active.sha256 : verdict.envelope.payload, verdict.release);
    // PROTOCOL: the accepted seq is "persisted" before anything is acted on.
    p.lastSeq = doc.seq;
    p.desired = { seq: doc.seq, release, downgrade, statsIntervalS: doc.statsIntervalS };
    p.failure = null;
    this.clock.accepted(doc.seq, release.version, receivedAt, Date.now());
    this.error = null;
    this.report();
    this.applyStatsInterval();
    this.trigger();
  }

  private async handleTrust(bytes: Uint8Array): Promise<void> {
    const trust = this.persisted.trust;
    if (!trust || classifyTrustMessage(trust, bytes).kind === 'ignore') return;
    try {
      this.persisted.trust = await verifyTrustUpdate(trust, bytes, this.proc.now());
    } catch (error) {
      this.reject(toAgentError(error, 'E_ROOT_CHAIN', 'trust update rejected'));
    }
  }

  private reject(error: AgentError): void {
    this.proc.count(`rejected:${error.code}`);
    this.error = reportable(error);
    this.emit('doc-rejected', { error: this.error });
    this.report();
  }

  // ---- install (reconciler.ts + run-steps.ts) ----

  /** One reconcile loop per generation: a crash leaves the old one to notice and stop. */
  private trigger(): void {
    this.dirty = true;
    const gen = this.generation;
    if (this.running?.gen === gen) return;
    const done = (async () => {
      while (this.dirty && gen === this.generation) {
        this.dirty = false;
        await this.reconcile(gen);
      }
    })().finally(() => {
      if (this.running?.gen === gen) this.running = null;
    });
    this.running = { gen, done };
  }

  private async reconcile(gen: number): Promise<void> {
    const p = this.persisted;
    const desired = p.desired;
    if (!desired || p.failure?.seq === desired.seq) return;
    const { seq, release } = desired;
    if (p.active && sameRelease(p.active, release)) {
      if (this.activity.kind !== 'settled') this.setActivity({ kind: 'settled' });
      return;
    }
    const superseded = () => gen !== this.generation || this.persisted.desired?.seq !== seq;
    const stage = (name: InstallStage) => this.setActivity({ kind: 'installing', stage: name, seq, target: refOf(release) });
    try {
      if (this.announcedSeq !== seq) {
        this.announcedSeq = seq;
        this.emit('install-started', { seq, model: refOf(release) });
      }
      const { sha256, size } = release.artifact;
      if (!p.cached.has(sha256)) {
        stage('downloading');
        const bytes = await this.download(release);
        if (superseded()) return this.retrigger(gen);
        if (bytes.length !== size) throw new AgentError('E_LENGTH_MISMATCH', `got ${bytes.length} of ${size} bytes`, { transient: true });
        const actual = this.proc.fetches.hashOf(bytes);
        if (actual !== sha256) throw new AgentError('E_HASH_MISMATCH', `artifact sha256 is ${actual}, the manifest says ${sha256}; partial deleted`);
        p.cached.add(sha256);
      }
      for (const name of ['verifying', 'loading', 'probing'] as const) stage(name);
      this.emit('installed', { seq, model: refOf(release) });
      this.activate(desired);
    } catch (thrown) {
      if (superseded()) return this.retrigger(gen);
      this.failed(seq, release, toAgentError(thrown, 'E_DOWNLOAD_FAILED', 'download'));
    }
  }

  private retrigger(gen: number): void {
    if (gen === this.generation) this.dirty = true;
  }

  private async download(release: ReleaseManifest): Promise<Uint8Array> {
    const { url, sha256, size } = release.artifact;
    if (this.fault.kind === 'slow-download') {
      // The agent's throughput floor (downloadMinBytesPerSec per window) fails a dripping server.
      // Not a device timer: a crash meanwhile must not leave this await hanging.
      await new Promise<void>((resolve) => setTimeout(resolve, this.fault.slowMs));
      throw new AgentError('E_SLOW_RETRIEVAL', `below ${16 * 1024} B/s for ${this.fault.slowMs} ms`, { transient: true });
    }
    const bytes = await this.proc.fetches.artifact(url, sha256, size, this.authorization);
    return this.fault.kind === 'corrupt-download' ? this.proc.fetches.corrupted(sha256, bytes) : bytes;
  }

  private activate(desired: Desired): void {
    const p = this.persisted;
    const { seq, release } = desired;
    p.previous = p.active && !sameRelease(p.active, release) ? p.active : p.previous;
    p.active = release;
    p.failure = null;
    // collect-garbage: only the active and previous artifacts stay "on disk".
    p.cached = new Set([release.artifact.sha256, ...(p.previous ? [p.previous.artifact.sha256] : [])]);
    this.stats.activate(release);
    this.error = null;
    const model = refOf(release);
    if (desired.downgrade) this.emit('rollback', { seq, model });
    this.emit('activated', { seq, model });
    this.clock.serving(seq, Date.now());
    this.activity = { kind: 'settled' };
    this.report();
  }

  private failed(seq: number, release: ReleaseManifest, error: AgentError): void {
    if (this.attempts.seq !== seq) this.attempts = { seq, count: 0 };
    this.attempts.count++;
    const { retry } = this.proc.options;
    if (error.transient && this.attempts.count < retry.maxAttempts) {
      this.later(backoffDelay(this.attempts.count - 1, retry, this.random), () => this.trigger());
      return;
    }
    const failure = reportable(error);
    this.proc.count(`installFailed:${failure.code}`);
    this.persisted.failure = { seq, sha256: release.artifact.sha256, error: failure, transient: error.transient };
    this.error = failure;
    this.clock.failed(seq, Date.now(), failure.code);
    this.emit('install-failed', { seq, model: refOf(release), error: failure });
    this.activity = { kind: 'settled' };
    this.report();
    // slow-retry.ts: a network failure is tried again after the longest backoff.
    if (error.transient) {
      this.later(retry.maxMs, () => {
        if (this.persisted.failure?.seq !== seq) return;
        this.persisted.failure = null;
        this.attempts = { seq: -1, count: 0 };
        this.trigger();
      });
    }
  }

  // ---- helpers ----

  private applyStatsInterval(): void {
    this.stats.setIntervalS(this.proc.options.statsIntervalS ?? this.persisted.desired?.statsIntervalS ?? 60);
  }

  private newStats(): LeanStats {
    return new LeanStats({
      device: this.spec.id,
      now: this.proc.now,
      random: this.random,
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

  private later(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
  }
}
