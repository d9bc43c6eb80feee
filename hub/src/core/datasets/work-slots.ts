/**
 * At most `concurrency` tasks at once and `maxWaiting` queued behind them, first come first
 * served; a task past both is refused at once (the caller answers 503 with Retry-After) rather
 * than queued without bound. Pure apart from the promises.
 */
export interface SlotsState {
  running: number;
  waiting: number;
}

export class WorkSlots {
  private running = 0;
  private readonly queue: Array<() => void> = [];

  constructor(
    readonly concurrency: number,
    readonly maxWaiting: number,
  ) {}

  state(): SlotsState {
    return { running: this.running, waiting: this.queue.length };
  }

  /** Runs `task` when a slot frees up; null (nothing started, nothing queued) when the queue is full. */
  tryRun<T>(task: () => Promise<T>): Promise<T> | null {
    if (this.running >= this.concurrency && this.queue.length >= this.maxWaiting) return null;
    return this.acquire().then(async () => {
      try {
        return await task();
      } finally {
        this.release();
      }
    });
  }

  private acquire(): Promise<void> {
    if (this.running < this.concurrency) {
      this.running++;
      return Promise.resolve();
    }
    // The slot is handed over by release(): `running` stays counted for the next task.
    return new Promise<void>((resolve) => this.queue.push(resolve));
  }

  private release(): void {
    const next = this.queue.shift();
    if (next) next();
    else this.running--;
  }
}
