/**
 * The shadow section of one statistics window (protocol ShadowStats): comparisons, agreements,
 * shadow failures by code, shadow latency on the shared latency bins, and requests dropped
 * because the shadow queue was full. Pure; reset when its window closes.
 */
import { LATENCY_EDGES_MS, type ModelRef, type ShadowStats } from '@edgefleet/protocol';
import { BinCounter } from '../statistics/bin-counter';
import type { ShadowComparison } from './shadow-compare';

export class ShadowTally {
  private readonly latency = new BinCounter(LATENCY_EDGES_MS);
  private readonly errors = new Map<string, number>();
  /** shadow runs that answered (a run of zero comparable rows still has a latency) */
  private runs = 0;
  private rows = 0;
  private agreeing = 0;
  private dropped = 0;

  constructor(readonly candidate: ModelRef) {}

  /** One shadow run that answered: its comparison with the served answer and its latency. */
  record(comparison: ShadowComparison, latencyMs: number): void {
    this.latency.add(latencyMs);
    this.runs++;
    this.rows += comparison.rows;
    this.agreeing += Math.min(comparison.agree, comparison.rows);
  }

  /** One shadow run that failed, by code (its rows are not comparisons). */
  recordError(code: string): void {
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
  }

  /** One request never compared: the queue was full. */
  recordDropped(): void {
    this.dropped++;
  }

  /** Nothing to report: the window then carries no shadow section (absent = no comparisons). */
  isEmpty(): boolean {
    return this.runs === 0 && this.errors.size === 0 && this.dropped === 0;
  }

  snapshot(): ShadowStats {
    const { model, version, sha256 } = this.candidate;
    return { model, version, sha256, n: this.rows, agree: this.agreeing, errors: Object.fromEntries(this.errors), latencyMs: this.latency.snapshot(), dropped: this.dropped };
  }

  reset(): void {
    this.latency.reset();
    this.errors.clear();
    this.runs = this.rows = this.agreeing = this.dropped = 0;
  }
}
