/**
 * A lean device's install, as agent/src/reconciler.ts and run-steps.ts: one reconcile loop per
 * generation towards the accepted desired release, through the phases downloading, verifying,
 * loading, probing and serving with their events; typed errors, retries with backoff and give-up
 * (a network failure tried again after the longest backoff); the previous release kept "on disk"
 * so a rollback downloads nothing. Separate from the doc handler, which decides what is desired.
 */
import type { ReleaseManifest } from '@edgefleet/protocol';
import { backoffDelay, refOf, sameRelease, type InstallStage } from '@edgefleet/device-core';
import { AgentError, reportable, toAgentError } from '../../../agent/src/errors';
import type { Desired, DeviceCore } from './device-core';
import type { FaultKind } from './device-types';

/** What the installer reads from, and hands back to, the rest of the device. */
export interface InstallHooks {
  /** the fault injected now (read at every use: a command may change it mid-install) */
  fault(): { kind: FaultKind; slowMs: number };
  /** the statistics switch to the release just activated */
  activateStats(release: ReleaseManifest): void;
}

export class Installer {
  private running: { gen: number; done: Promise<void> } | null = null;
  private dirty = false;
  // Lost with a crash (reset).
  private announcedSeq: number | null = null;
  private attempts = { seq: -1, count: 0 };

  constructor(
    private readonly core: DeviceCore,
    private readonly hooks: InstallHooks,
  ) {}

  /** A crash: the install announced and the attempts counted are forgotten. */
  reset(): void {
    this.announcedSeq = null;
    this.attempts = { seq: -1, count: 0 };
  }

  /** One reconcile loop per generation: a crash leaves the old one to notice and stop. */
  trigger(): void {
    this.dirty = true;
    const gen = this.core.generation;
    if (this.running?.gen === gen) return;
    const done = (async () => {
      while (this.dirty && gen === this.core.generation) {
        this.dirty = false;
        await this.reconcile(gen);
      }
    })().finally(() => {
      if (this.running?.gen === gen) this.running = null;
    });
    this.running = { gen, done };
  }

  private async reconcile(gen: number): Promise<void> {
    const p = this.core.persisted;
    const desired = p.desired;
    if (!desired || p.failure?.seq === desired.seq) return;
    const { seq, release } = desired;
    if (p.active && sameRelease(p.active, release)) {
      if (this.core.activity.kind !== 'settled') this.core.setActivity({ kind: 'settled' });
      return;
    }
    const superseded = () => gen !== this.core.generation || this.core.persisted.desired?.seq !== seq;
    const stage = (name: InstallStage) => this.core.setActivity({ kind: 'installing', stage: name, seq, target: refOf(release) });
    try {
      if (this.announcedSeq !== seq) {
        this.announcedSeq = seq;
        this.core.emit('install-started', { seq, model: refOf(release) });
      }
      const { sha256, size } = release.artifact;
      if (!p.cached.has(sha256)) {
        stage('downloading');
        const bytes = await this.download(release);
        if (superseded()) return this.retrigger(gen);
        if (bytes.length !== size) throw new AgentError('E_LENGTH_MISMATCH', `got ${bytes.length} of ${size} bytes`, { transient: true });
        const actual = this.core.proc.fetches.hashOf(bytes);
        if (actual !== sha256) throw new AgentError('E_HASH_MISMATCH', `artifact sha256 is ${actual}, the manifest says ${sha256}; partial deleted`);
        p.cached.add(sha256);
      }
      for (const name of ['verifying', 'loading', 'probing'] as const) stage(name);
      this.core.emit('installed', { seq, model: refOf(release) });
      this.activate(desired);
    } catch (thrown) {
      if (superseded()) return this.retrigger(gen);
      this.failed(seq, release, toAgentError(thrown, 'E_DOWNLOAD_FAILED', 'download'));
    }
  }

  private retrigger(gen: number): void {
    if (gen === this.core.generation) this.dirty = true;
  }

  private async download(release: ReleaseManifest): Promise<Uint8Array> {
    const { url, sha256, size } = release.artifact;
    if (this.fault.kind === 'slow-download') {
      // The agent's throughput floor (downloadMinBytesPerSec per window) fails a dripping server.
      // Not a device timer: a crash meanwhile must not leave this await hanging.
      await new Promise<void>((resolve) => setTimeout(resolve, this.fault.slowMs));
      throw new AgentError('E_SLOW_RETRIEVAL', `below ${16 * 1024} B/s for ${this.fault.slowMs} ms`, { transient: true });
    }
    const bytes = await this.core.proc.fetches.artifact(url, sha256, size, this.core.authorization);
    return this.fault.kind === 'corrupt-download' ? this.core.proc.fetches.corrupted(sha256, bytes) : bytes;
  }

  private activate(desired: Desired): void {
    const p = this.core.persisted;
    const { seq, release } = desired;
    p.previous = p.active && !sameRelease(p.active, release) ? p.active : p.previous;
    p.active = release;
    p.failure = null;
    // collect-garbage: only the active and previous artifacts stay "on disk".
    p.cached = new Set([release.artifact.sha256, ...(p.previous ? [p.previous.artifact.sha256] : [])]);
    this.hooks.activateStats(release);
    this.core.error = null;
    const model = refOf(release);
    if (desired.downgrade) this.core.emit('rollback', { seq, model });
    this.core.emit('activated', { seq, model });
    this.core.clock.serving(seq, Date.now());
    this.core.activity = { kind: 'settled' };
    this.core.report();
  }

  private failed(seq: number, release: ReleaseManifest, error: AgentError): void {
    if (this.attempts.seq !== seq) this.attempts = { seq, count: 0 };
    this.attempts.count++;
    const { retry } = this.core.proc.options;
    if (error.transient && this.attempts.count < retry.maxAttempts) {
      this.core.later(backoffDelay(this.attempts.count - 1, retry, this.core.random), () => this.trigger());
      return;
    }
    const failure = reportable(error);
    this.core.proc.count(`installFailed:${failure.code}`);
    this.core.persisted.failure = { seq, sha256: release.artifact.sha256, error: failure, transient: error.transient };
    this.core.error = failure;
    this.core.clock.failed(seq, Date.now(), failure.code);
    this.core.emit('install-failed', { seq, model: refOf(release), error: failure });
    this.core.activity = { kind: 'settled' };
    this.core.report();
    // slow-retry.ts: a network failure is tried again after the longest backoff.
    if (error.transient) {
      this.core.later(retry.maxMs, () => {
        if (this.core.persisted.failure?.seq !== seq) return;
        this.core.persisted.failure = null;
        this.attempts = { seq: -1, count: 0 };
        this.trigger();
      });
    }
  }

  private get fault(): { kind: FaultKind; slowMs: number } {
    return this.hooks.fault();
  }
}
