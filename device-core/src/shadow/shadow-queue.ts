/**
 * The shadow's work queue: bounded, one job at a time, never waited on by whoever offers. The
 * serve path only ever calls `offer`, which is O(1) and never throws: when `capacity` jobs are
 * already waiting, the job is refused (the caller counts it as dropped) instead of growing memory
 * or latency without bound. Jobs start through the injected `defer` (the agent passes
 * setImmediate), so the served response is written before any shadow work begins. Pure: no
 * timers or I/O of its own.
 */
export interface BoundedQueueOptions<T> {
  /** jobs that may wait (the one running is not counted); at least 1 */
  capacity: number;
  /** runs one job; a rejection is handed to `onError` and the queue moves on */
  work: (job: T) => Promise<void>;
  onError: (error: unknown, job: T) => void;
  /** schedules the start of the queue's work after the offering call returns */
  defer: (start: () => void) => void;
}

export class BoundedQueue<T> {
  private readonly waiting: T[] = [];
  private running = false;
  private scheduled = false;
  private closed = false;
  /** jobs offered and accepted so far, and jobs finished (done, failed or cleared) */
  private accepted = 0;
  private finished = 0;
  private readonly waiters: Array<{ upTo: number; resolve: () => void }> = [];

  constructor(private readonly options: BoundedQueueOptions<T>) {
    if (!(options.capacity >= 1)) throw new Error(`queue capacity must be at least 1, got ${options.capacity}`);
  }

  /** jobs waiting (not counting the one running) */
  get size(): number {
    return this.waiting.length;
  }

  /** Queues `job`; false (and nothing queued) when the queue is full or closed. */
  offer(job: T): boolean {
    if (this.closed || this.waiting.length >= this.options.capacity) return false;
    this.waiting.push(job);
    this.accepted++;
    if (!this.running && !this.scheduled) {
      this.scheduled = true;
      this.options.defer(() => {
        this.scheduled = false;
        void this.pump();
      });
    }
    return true;
  }

  /** Resolves once every job accepted before this call has finished (later ones are not waited for). */
  settled(): Promise<void> {
    if (this.finished >= this.accepted) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ upTo: this.accepted, resolve }));
  }

  /** Refuses new jobs, forgets waiting ones and resolves once the running one has finished. */
  close(): Promise<void> {
    this.closed = true;
    this.finish(this.waiting.splice(0).length);
    return this.settled();
  }

  private async pump(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (let job = this.waiting.shift(); job !== undefined; job = this.waiting.shift()) {
        try {
          await this.options.work(job);
        } catch (error) {
          this.options.onError(error, job);
        }
        this.finish(1);
      }
    } finally {
      this.running = false;
    }
  }

  private finish(count: number): void {
    this.finished += count;
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      const waiter = this.waiters[i] as { upTo: number; resolve: () => void };
      if (this.finished >= waiter.upTo) {
        this.waiters.splice(i, 1);
        waiter.resolve();
      }
    }
  }
}
