/**
 * Live requests in flight, so batch work can step aside for them. The local API counts each
 * POST /v1/predict from the moment its route starts (before its body is read) to its answer;
 * the in-process predict is counted while a batch job runs. The batch runner calls `turn()`
 * before each model run: it lets pending I/O in first (a request that arrived is counted by
 * then), then waits while any live request is in flight, at most `maxWaitMs`, so a job still
 * moves on under constant load. While live requests keep coming (one seen in the last
 * RECENT_LIVE_MS), it also rests as long as its last stretch of work took: the job then takes at
 * most about half of the process's time, and live requests keep their latency.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';

/** A live request this recent means live traffic is flowing. */
export const RECENT_LIVE_MS = 20;

export interface LiveLoadClock {
  now(): number;
  rest(ms: number): Promise<void>;
}

const REAL_CLOCK: LiveLoadClock = { now: () => performance.now(), rest: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) };

export class LiveLoad {
  private inFlight = 0;
  private idleWaiters: Array<() => void> = [];
  private lastLiveAt = Number.NEGATIVE_INFINITY;
  /** when the batch's turn last began: what it did since is its last stretch of work */
  private workFrom: number | null = null;

  constructor(private readonly clock: LiveLoadClock = REAL_CLOCK) {}
  /** true while a batch job runs: only then is the in-process path counted (it costs a promise) */
  watching = false;

  /** A live request starts; call the returned function once it is answered (twice is harmless). */
  enter(): () => void {
    this.inFlight++;
    this.lastLiveAt = this.clock.now();
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.inFlight--;
      this.lastLiveAt = this.clock.now();
      if (this.inFlight === 0) this.wakeIdle();
    };
  }

  /** `run()` counted as a live request while a batch job runs; called as it is otherwise. */
  track<T>(run: () => Promise<T>): Promise<T> {
    if (!this.watching) return run();
    const leave = this.enter();
    let running: Promise<T>;
    try {
      running = run();
    } catch (error) {
      leave();
      throw error;
    }
    running.then(leave, leave);
    return running;
  }

  get busy(): boolean {
    return this.inFlight > 0;
  }

  /** The batch runner's turn: after pending I/O, and once no live request is in flight (or `maxWaitMs` passed). */
  async turn(maxWaitMs: number): Promise<void> {
    const worked = this.workFrom === null ? 0 : this.clock.now() - this.workFrom;
    await nextTurn();
    if (this.inFlight === 0 && this.clock.now() - this.lastLiveAt < RECENT_LIVE_MS && worked > 0) await this.clock.rest(Math.min(worked, maxWaitMs));
    if (this.inFlight > 0) await this.idle(maxWaitMs);
    this.workFrom = this.clock.now();
  }

  /** Resolves once no live request is in flight, or after `maxWaitMs`. */
  private idle(maxWaitMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.idleWaiters = this.idleWaiters.filter((waiter) => waiter !== wake);
        resolve();
      }, maxWaitMs);
      this.idleWaiters.push(wake);
    });
  }

  private wakeIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }
}
