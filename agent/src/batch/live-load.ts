/**
 * Live requests in flight, so batch work can step aside for them. The local API counts each
 * POST /v1/predict from the moment its route starts (before its body is read) to its answer;
 * the in-process predict is counted while a batch job runs. The batch runner calls `turn()`
 * before each model run: it lets pending I/O in first (a request that arrived is counted by
 * then), then waits while any live request is in flight, at most `maxWaitMs`, so a job still
 * moves on under constant load.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';

export class LiveLoad {
  private inFlight = 0;
  private idleWaiters: Array<() => void> = [];
  /** true while a batch job runs: only then is the in-process path counted (it costs a promise) */
  watching = false;

  /** A live request starts; call the returned function once it is answered (twice is harmless). */
  enter(): () => void {
    this.inFlight++;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.inFlight--;
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
    await nextTurn();
    if (this.inFlight === 0) return;
    await new Promise<void>((resolve) => {
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
