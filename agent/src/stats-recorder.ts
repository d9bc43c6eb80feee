/**
 * When statistics windows close (DRIFT "per model version, per window"): every `statsIntervalS`
 * of the deployment doc, at a random phase so a fleet that starts together does not report in
 * lockstep, and whenever the serving version changes (a window never mixes two versions).
 * Empty windows (no rows, no errors) are not sent: the next window then starts where the last
 * sent one ended, so the windows of a version cover time without gaps. Closed windows go to
 * `sink` (the outbox).
 *
 * Shadow mode: the running shadow's comparisons are counted into the serving version's window
 * (its `shadow` section). A window never mixes two candidates: when the shadow changes, a window
 * holding counts of the old one is closed first. A comparison finishes after its prediction was
 * counted, so one that ends after its window closed is counted in the next window of the same
 * serving version; one that ends after the serving version or the shadow changed is not counted.
 * Timers, clock and randomness are injected so tests drive time.
 *
 * A release is its model, version and artifact hash together, never its bytes alone: a new
 * version with the same artifact (a re-upload with a reference dataset, a re-quantized twin, a
 * relabel) is another release, with its own reference bins, rollout gates, drift and labels, so
 * its windows are its own (issue 11, item 11).
 */
import type { ModelRef, ReleaseManifest, StatsWindow } from '@edgefleet/protocol';
import type { ShadowComparison } from './core/shadow-compare';
import { ShadowTally } from './core/shadow-stats';
import { refOf, sameRelease } from './core/state';
import { StatsAccumulator, type StatsTensors } from './core/stats-accumulator';
import type { AgentLogger } from './logger';

/** Used until a deployment doc says otherwise. */
export const DEFAULT_STATS_INTERVAL_S = 60;

/** Runs `fn` once after `ms`; returns a cancel function. */
export type ScheduleOnce = (fn: () => void, ms: number) => () => void;

export const realTimer: ScheduleOnce = (fn, ms) => {
  const handle = setTimeout(fn, ms);
  handle.unref();
  return () => clearTimeout(handle);
};

export interface StatsRecorderDeps {
  device: string;
  now: () => Date;
  /** uniform in [0, 1): the phase of the first window */
  random: () => number;
  msgId: () => string;
  sink: (window: StatsWindow) => Promise<void>;
  schedule?: ScheduleOnce;
  logger: AgentLogger;
}

export class StatsRecorder {
  private current: StatsAccumulator | null = null;
  private shadow: ShadowTally | null = null;
  private intervalS = 0;
  private cancelTimer: (() => void) | null = null;
  private stopped = false;
  private readonly schedule: ScheduleOnce;

  constructor(private readonly deps: StatsRecorderDeps) {
    this.schedule = deps.schedule ?? realTimer;
  }

  /** The serving release changed (or is gone): close the old version's window, start the new one. */
  activate(release: ReleaseManifest | null): void {
    if (this.stopped) return;
    if (release && this.current && isRelease(this.current.release, release)) return;
    void this.closeWindow();
    this.current = release ? new StatsAccumulator(release, { device: this.deps.device, now: this.deps.now(), msgId: this.deps.msgId }) : null;
  }

  /** The running shadow changed (or is gone): later comparisons count for `release`. */
  setShadow(release: ReleaseManifest | null): void {
    if (this.stopped) return;
    if (release && this.shadow && sameRef(this.shadow.candidate, release)) return;
    // Counts of the old candidate leave in a window of their own.
    if (this.shadow && !this.shadow.isEmpty()) void this.closeWindow();
    this.shadow = release ? new ShadowTally(refOf(release)) : null;
  }

  /** One shadow run on a request `served` answered: its comparison and latency. */
  recordShadow(served: ReleaseManifest, shadow: ReleaseManifest, comparison: ShadowComparison, latencyMs: number): void {
    this.shadowFor(served, shadow)?.record(comparison, latencyMs);
  }

  /** One shadow run that failed, by code. */
  recordShadowError(served: ReleaseManifest, shadow: ReleaseManifest, code: string): void {
    this.shadowFor(served, shadow)?.recordError(code);
  }

  /** One request the shadow never saw because its queue was full. */
  recordShadowDropped(served: ReleaseManifest, shadow: ReleaseManifest): void {
    this.shadowFor(served, shadow)?.recordDropped();
  }

  private shadowFor(served: ReleaseManifest, shadow: ReleaseManifest): ShadowTally | null {
    const tally = this.shadow;
    return this.current && isRelease(this.current.release, served) && tally && sameRef(tally.candidate, shadow) ? tally : null;
  }

  /** (Re)starts the window timer when the interval changes; the first close comes at a random phase. */
  setIntervalS(seconds: number): void {
    if (this.stopped || seconds === this.intervalS) return;
    this.intervalS = seconds;
    this.cancelTimer?.();
    this.arm(Math.floor(this.deps.random() * seconds * 1000));
  }

  /**
   * A successful request on `release`. A request that raced with a model switch and finished
   * on the retiring version is not counted (its window is already closed).
   */
  record(release: ReleaseManifest, inputs: StatsTensors, outputs: StatsTensors, latencyMs: number): void {
    if (this.current && isRelease(this.current.release, release)) this.current.record(inputs, outputs, latencyMs);
  }

  /** A failed request, counted on the serving version's window (none without one). */
  recordError(code: string): void {
    this.current?.recordError(code);
  }

  /** Closes the current window now and hands it to the sink, unless it is empty; resolves once stored. */
  closeWindow(): Promise<void> {
    const current = this.current;
    const shadow = this.shadow && !this.shadow.isEmpty() ? this.shadow : null;
    if (!current || (current.isEmpty() && !shadow)) {
      // Nothing to send, but the interval still ends: the next window starts now, not hours back
      // (the hub files windows under the hour they start in; rollout gates read recent hours).
      current?.close(this.deps.now());
      return Promise.resolve();
    }
    const closed = current.close(this.deps.now());
    const window: StatsWindow = shadow ? { ...closed, shadow: shadow.snapshot() } : closed;
    shadow?.reset();
    return this.deps.sink(window).catch((error: unknown) => this.deps.logger.error('statistics window could not be stored', { msgId: window.msgId, error }));
  }

  /** Final window out, timer off; later calls are ignored. */
  stop(): Promise<void> {
    const last = this.closeWindow();
    this.stopped = true;
    this.cancelTimer?.();
    this.cancelTimer = null;
    return last;
  }

  private arm(ms: number): void {
    this.cancelTimer = this.schedule(() => {
      void this.closeWindow();
      this.arm(this.intervalS * 1000);
    }, ms);
  }
}

/** The same release; the serving model hands over the very manifest object, so that is checked first (hot path). */
const isRelease = (a: ReleaseManifest, b: ReleaseManifest): boolean => a === b || sameRelease(a, b);

const sameRef = (ref: ModelRef, release: ReleaseManifest): boolean =>
  ref.model === release.model && ref.version === release.version && ref.sha256 === release.artifact.sha256;
