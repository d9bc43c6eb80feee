/**
 * Which statistics window a count goes into, and when a window closes (DRIFT "per model
 * version, per window"). No timers and no I/O: every call that closes a window returns it
 * (null when there is nothing to send) and the runtime stores and sends it; the runtime's
 * timer calls `close` every interval, the first time after `firstCloseDelayMs`.
 *
 * - A window never mixes two versions: it closes whenever the serving release changes.
 * - Empty windows (no rows, no errors, no shadow counts) are not sent, but the interval still
 *   ends there: the next window starts then, not hours back (the hub files windows under the
 *   hour they start in; rollout gates read recent hours).
 * - Shadow mode: the running shadow's comparisons are counted into the serving version's window
 *   (its `shadow` section). A window never mixes two candidates: when the shadow changes, a
 *   window holding counts of the old one is closed first. A comparison that ends after the
 *   serving version or the shadow changed is not counted.
 * - A release is its model, version and artifact hash together, never its bytes alone: a new
 *   version with the same artifact is another release, so its windows are its own (issue 11,
 *   item 11).
 */
import type { ModelRef, ReleaseManifest, StatsWindow } from '@edgefleet/protocol';
import type { ShadowComparison } from '../shadow/shadow-compare';
import { ShadowTally } from '../shadow/shadow-stats';
import { refOf, sameRelease } from '../state/device-state';
import { StatsAccumulator, type StatsTensors } from './stats-accumulator';

/** Used until a deployment doc says otherwise. */
export const DEFAULT_STATS_INTERVAL_S = 60;

/**
 * When the first window of an interval closes: at a random phase (`random` uniform in [0, 1)),
 * so a fleet that starts together does not report in lockstep.
 */
export const firstCloseDelayMs = (intervalS: number, random: number): number => Math.floor(random * intervalS * 1000);

export interface StatsWindowsDeps {
  device: string;
  now: () => Date;
  /** unique window ids (msg-id.ts) */
  msgId: () => string;
}

export class StatsWindows {
  private current: StatsAccumulator | null = null;
  private shadow: ShadowTally | null = null;

  constructor(private readonly deps: StatsWindowsDeps) {}

  /** The serving release changed (or is gone): closes the old version's window, starts the new one's. */
  activate(release: ReleaseManifest | null): StatsWindow | null {
    if (release && this.current && isRelease(this.current.release, release)) return null;
    const closed = this.close();
    this.current = release ? new StatsAccumulator(release, { device: this.deps.device, now: this.deps.now(), msgId: this.deps.msgId }) : null;
    return closed;
  }

  /** The running shadow changed (or is gone): later comparisons count for `release`. */
  setShadow(release: ReleaseManifest | null): StatsWindow | null {
    if (release && this.shadow && sameRef(this.shadow.candidate, release)) return null;
    // Counts of the old candidate leave in a window of their own.
    const closed = this.shadow && !this.shadow.isEmpty() ? this.close() : null;
    this.shadow = release ? new ShadowTally(refOf(release)) : null;
    return closed;
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

  /** Ends the current window now: the window to send, or null when it holds nothing (the next one starts now either way). */
  close(): StatsWindow | null {
    const current = this.current;
    const shadow = this.shadow && !this.shadow.isEmpty() ? this.shadow : null;
    if (!current || (current.isEmpty() && !shadow)) {
      current?.close(this.deps.now());
      return null;
    }
    const closed = current.close(this.deps.now());
    const window: StatsWindow = shadow ? { ...closed, shadow: shadow.snapshot() } : closed;
    shadow?.reset();
    return window;
  }

  private shadowFor(served: ReleaseManifest, shadow: ReleaseManifest): ShadowTally | null {
    const tally = this.shadow;
    return this.current && isRelease(this.current.release, served) && tally && sameRef(tally.candidate, shadow) ? tally : null;
  }
}

/** The same release; the serving model hands over the very manifest object, so that is checked first (hot path). */
const isRelease = (a: ReleaseManifest, b: ReleaseManifest): boolean => a === b || sameRelease(a, b);

const sameRef = (ref: ModelRef, release: ReleaseManifest): boolean =>
  ref.model === release.model && ref.version === release.version && ref.sha256 === release.artifact.sha256;
