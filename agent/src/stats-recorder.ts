/**
 * When statistics windows close, on the agent's clock: every `statsIntervalS` of the deployment
 * doc at a random phase, and whenever the serving version or the running shadow changes. What a
 * window holds and when a change closes one are the device core's rules (statistics/stats-windows.ts:
 * a window never mixes two versions or two shadow candidates, empty windows are not sent;
 * statistics/split-windows.ts: during a traffic ramp-up the candidate's answers are counted in
 * windows of its own, closed on the same timer); this class adds the timer and hands closed
 * windows to `sink` (the outbox). Timers, clock and randomness are injected so tests drive time.
 */
import type { ReleaseManifest, StatsWindow } from '@edgefleet/protocol';
import { firstCloseDelayMs, SplitStatsWindows, type ShadowComparison, type StatsTensors } from '@edgefleet/device-core';
import type { AgentLogger } from './logger';

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
  private readonly windows: SplitStatsWindows;
  private intervalS = 0;
  private cancelTimer: (() => void) | null = null;
  private stopped = false;
  private readonly schedule: ScheduleOnce;

  constructor(private readonly deps: StatsRecorderDeps) {
    this.schedule = deps.schedule ?? realTimer;
    this.windows = new SplitStatsWindows({ device: deps.device, now: deps.now, msgId: deps.msgId });
  }

  /** The serving release changed (or is gone): close the old version's window, start the new one. */
  activate(release: ReleaseManifest | null): void {
    if (this.stopped) return;
    void this.send(this.windows.activate(release));
  }

  /** The running shadow changed (or is gone): later comparisons, and requests it answers, count for `release`. */
  setShadow(release: ReleaseManifest | null): void {
    if (this.stopped) return;
    void this.send(this.windows.setShadow(release));
  }

  /** One shadow run on a request `served` answered: its comparison and latency. */
  recordShadow(served: ReleaseManifest, shadow: ReleaseManifest, comparison: ShadowComparison, latencyMs: number): void {
    this.windows.recordShadow(served, shadow, comparison, latencyMs);
  }

  /** One shadow run that failed, by code. */
  recordShadowError(served: ReleaseManifest, shadow: ReleaseManifest, code: string): void {
    this.windows.recordShadowError(served, shadow, code);
  }

  /** One request the shadow never saw because its queue was full. */
  recordShadowDropped(served: ReleaseManifest, shadow: ReleaseManifest): void {
    this.windows.recordShadowDropped(served, shadow);
  }

  /** (Re)starts the window timer when the interval changes; the first close comes at a random phase. */
  setIntervalS(seconds: number): void {
    if (this.stopped || seconds === this.intervalS) return;
    this.intervalS = seconds;
    this.cancelTimer?.();
    this.arm(firstCloseDelayMs(seconds, this.deps.random()));
  }

  /** A successful request answered by `release`, the serving version or the candidate (not counted when it raced with a model switch). */
  record(release: ReleaseManifest, inputs: StatsTensors, outputs: StatsTensors, latencyMs: number): void {
    this.windows.record(release, inputs, outputs, latencyMs);
  }

  /** A failed request, counted on the window of `release` when it is the candidate, else on the serving version's (none without one). */
  recordError(code: string, release?: ReleaseManifest): void {
    this.windows.recordError(code, release);
  }

  /** Closes the current windows now and hands them to the sink, except empty ones; resolves once stored. */
  closeWindow(): Promise<void> {
    return this.send(this.windows.close());
  }

  /** Final window out, timer off; later calls are ignored. */
  stop(): Promise<void> {
    const last = this.closeWindow();
    this.stopped = true;
    this.cancelTimer?.();
    this.cancelTimer = null;
    return last;
  }

  private send(windows: readonly StatsWindow[]): Promise<void> {
    // In order: the outbox keeps windows in the order they were added.
    let stored = Promise.resolve();
    for (const window of windows) {
      const sent = this.deps.sink(window).catch((error: unknown) => this.deps.logger.error('statistics window could not be stored', { msgId: window.msgId, error }));
      stored = stored.then(() => sent);
    }
    return stored;
  }

  private arm(ms: number): void {
    this.cancelTimer = this.schedule(() => {
      void this.closeWindow();
      this.arm(this.intervalS * 1000);
    }, ms);
  }
}
