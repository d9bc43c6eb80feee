/**
 * A lean device's statistics windows, counted with the agent's own StatsAccumulator (from
 * device-core) on the serving release's reference bins (agent/src/stats-recorder.ts is the
 * model): one window per interval at a random phase, and one per model switch (a window never
 * mixes versions); empty windows are not sent. Predictions are not made one by one as they would
 * arrive: when a window closes, the rows its elapsed time holds (`rowsPerSecond`) are drawn and
 * recorded in requests of `batch` rows, which counts the same and costs one timer per device.
 */
import type { ReleaseManifest, StatsWindow } from '@edgefleet/protocol';
import { StatsAccumulator } from '@edgefleet/device-core';
import { drawLatency, drawRequest, type DriftState, type GroupSpec, type InputLayout } from './inputs';
import { versionKey } from './lean-outbox';

export interface LeanStatsDeps {
  device: string;
  now: () => Date;
  random: () => number;
  msgId: () => string;
  group: () => GroupSpec;
  drift: DriftState;
  /** false while the fleet's statistics are paused (no rows drawn) */
  generating: () => boolean;
  layoutOf: (release: ReleaseManifest) => InputLayout;
  sink: (window: StatsWindow) => void;
  /** windows handed to the outbox, per model@version (the device's: it outlives a crash) */
  closed: Map<string, ClosedTally>;
}

export interface ClosedTally {
  windows: number;
  rows: number;
  errors: number;
}

export class LeanStats {
  private current: StatsAccumulator | null = null;
  private drawnUntil = 0;
  private carry = 0;
  private intervalS = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly deps: LeanStatsDeps) {}

  /** The serving release changed: close the old version's window, start one for the new. */
  activate(release: ReleaseManifest | null): void {
    if (release && this.current?.release.artifact.sha256 === release.artifact.sha256) return;
    this.close();
    const now = this.deps.now();
    this.current = release ? new StatsAccumulator(release, { device: this.deps.device, now, msgId: this.deps.msgId }) : null;
    this.drawnUntil = now.getTime();
    this.carry = 0;
  }

  /** (Re)arms the window timer when the interval changes; the first close comes at a random phase. */
  setIntervalS(seconds: number): void {
    if (seconds === this.intervalS) return;
    this.intervalS = seconds;
    this.arm(Math.floor(this.deps.random() * seconds * 1000));
  }

  /** Draws the rows due since the last close, closes the window and sends it unless empty. */
  close(): void {
    const current = this.current;
    if (!current) return;
    const now = this.deps.now();
    this.draw(current, now.getTime());
    if (current.isEmpty()) {
      // The interval still ends: the next window starts now (as the agent does).
      current.close(now);
      return;
    }
    const window = current.close(now);
    const key = versionKey(window);
    const tally = this.deps.closed.get(key) ?? { windows: 0, rows: 0, errors: 0 };
    tally.windows++;
    tally.rows += window.n;
    tally.errors += Object.values(window.errors).reduce((a, b) => a + b, 0);
    this.deps.closed.set(key, tally);
    this.deps.sink(window);
  }

  /** Forgets the open window (an agent crash: its counts were only in memory) and the timer. */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.current = null;
    this.intervalS = 0;
  }

  private draw(current: StatsAccumulator, untilMs: number): void {
    const elapsedS = Math.max(0, untilMs - this.drawnUntil) / 1000;
    this.drawnUntil = untilMs;
    if (!this.deps.generating()) return;
    const group = this.deps.group();
    const due = group.rowsPerSecond * elapsedS + this.carry;
    let rows = Math.floor(due);
    this.carry = due - rows;
    const { random } = this.deps;
    const layout = this.deps.layoutOf(current.release);
    while (rows > 0) {
      const batch = Math.min(rows, group.batch);
      rows -= batch;
      if (group.errorRate > 0 && random() < group.errorRate) {
        current.recordError('E_INFERENCE');
        continue;
      }
      const { inputs, outputs } = drawRequest(current.release, layout, group, this.deps.drift, random, batch);
      current.record(inputs, outputs, drawLatency(group, random));
    }
  }

  private arm(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.close();
      if (this.intervalS > 0) this.arm(this.intervalS * 1000);
    }, ms);
  }
}
