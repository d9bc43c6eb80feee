/**
 * The statistics windows of a device whose requests may be answered by two versions (traffic
 * ramp-up, predictions/traffic-split.ts): the serving version's windows (StatsWindows, with the
 * shadow section of shadow mode) and, beside them, windows of the running shadow candidate for
 * the requests it answers itself. Each is a window of one version (model, version and artifact
 * hash), so rollout gates compare the two versions on the same device over the same time.
 *
 * - Both close together (`close`, on the runtime's one timer); empty ones are not sent, so a
 *   shadow that only runs beside never sends a window of its own.
 * - The candidate's window starts when the running shadow changes and closes when it changes
 *   again or goes (its counts leave then, in a window of their own).
 * - A request is counted on the window of the release that answered it; one that finished on a
 *   release that is no longer serving or no longer the candidate is not counted.
 * Every call that closes windows returns them (none: an empty list), oldest first.
 */
import type { ReleaseManifest, StatsWindow } from '@edgefleet/protocol';
import type { ShadowComparison } from '../shadow/shadow-compare';
import { sameRelease } from '../state/device-state';
import type { StatsTensors } from './stats-accumulator';
import { StatsWindows, type StatsWindowsDeps } from './stats-windows';

export class SplitStatsWindows {
  private readonly serving: StatsWindows;
  private readonly candidate: StatsWindows;
  private servingRelease: ReleaseManifest | null = null;
  private candidateRelease: ReleaseManifest | null = null;

  constructor(deps: StatsWindowsDeps) {
    this.serving = new StatsWindows(deps);
    this.candidate = new StatsWindows(deps);
  }

  /** The serving release changed (or is gone): closes the old version's window, starts the new one's. */
  activate(release: ReleaseManifest | null): StatsWindow[] {
    this.servingRelease = release;
    return present(this.serving.activate(release));
  }

  /**
   * The running shadow changed (or is gone): later comparisons count for `release`, and so do
   * the requests it answers. The old candidate's counts leave first, each in its own window.
   */
  setShadow(release: ReleaseManifest | null): StatsWindow[] {
    const closed = present(this.serving.setShadow(release), this.candidate.activate(release));
    this.candidateRelease = release;
    return closed;
  }

  /** A successful request answered by `release`: the serving version or the candidate. */
  record(release: ReleaseManifest, inputs: StatsTensors, outputs: StatsTensors, latencyMs: number): void {
    if (this.answeredByCandidate(release)) this.candidate.record(release, inputs, outputs, latencyMs);
    else this.serving.record(release, inputs, outputs, latencyMs);
  }

  /**
   * A failed request, counted on the window of the version that was to answer it: `release`
   * when it is the candidate, else the serving version (also when no version is named).
   */
  recordError(code: string, release?: ReleaseManifest): void {
    if (release && this.answeredByCandidate(release)) this.candidate.recordError(code);
    else this.serving.recordError(code);
  }

  /** One shadow run on a request `served` answered: its comparison and latency. */
  recordShadow(served: ReleaseManifest, shadow: ReleaseManifest, comparison: ShadowComparison, latencyMs: number): void {
    this.serving.recordShadow(served, shadow, comparison, latencyMs);
  }

  /** One shadow run that failed, by code. */
  recordShadowError(served: ReleaseManifest, shadow: ReleaseManifest, code: string): void {
    this.serving.recordShadowError(served, shadow, code);
  }

  /** One request the shadow never saw because its queue was full. */
  recordShadowDropped(served: ReleaseManifest, shadow: ReleaseManifest): void {
    this.serving.recordShadowDropped(served, shadow);
  }

  /** Ends the current windows now: those to send (the serving version's first); the next ones start now either way. */
  close(): StatsWindow[] {
    return present(this.serving.close(), this.candidate.close());
  }

  /**
   * The candidate's window takes the request only when the candidate is not also what serves
   * (the same release in both places counts once, as served). The serving model hands over the
   * very manifest object, so that is checked first (hot path).
   */
  private answeredByCandidate(release: ReleaseManifest): boolean {
    const candidate = this.candidateRelease;
    if (candidate === null || release === this.servingRelease) return false;
    if (release !== candidate && !sameRelease(release, candidate)) return false;
    return this.servingRelease === null || !sameRelease(release, this.servingRelease);
  }
}

const present = (...windows: Array<StatsWindow | null>): StatsWindow[] => windows.filter((w): w is StatsWindow => w !== null);
