/**
 * Groups items that arrive close together so they are handled in one go (one SQLite transaction
 * for many device messages: PERF "The hub at fleet scale"). A batch is handed over when
 *
 *   - `maxBatch` items are queued (then at once, inside the push that filled it: the queue never
 *     holds more than `maxBatch`, so memory is bounded whatever the arrival rate), or
 *   - a whole event-loop turn went by without a new item (a burst is over: nothing is gained by
 *     waiting, and a lone message is not held back), or
 *   - `maxDelayMs` passed since the first queued item (a steady stream that brings something every
 *     turn is still cut into batches that often).
 *
 * `handle` is synchronous, so batches never overlap and are handled in arrival order. Items settle
 * themselves (the caller's handle resolves their promises). Pure apart from the timers, which
 * come in as an argument (tests drive them).
 */

export interface BatchTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /** runs `fn` once the current event-loop turn's I/O has been handled (Node's setImmediate) */
  setImmediate(fn: () => void): unknown;
  clearImmediate(handle: unknown): void;
}

export const nodeTimers: BatchTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  setImmediate: (fn) => setImmediate(fn),
  clearImmediate: (handle) => clearImmediate(handle as ReturnType<typeof setImmediate>),
};

export interface BatchQueueOptions<T> {
  /** handed over as soon as this many are queued */
  maxBatch: number;
  /** the longest the first queued item waits */
  maxDelayMs: number;
  /** handles one batch (never empty), synchronously */
  handle(batch: T[]): void;
  timers?: BatchTimers;
}

export class BatchQueue<T> {
  private queue: T[] = [];
  private deadline: unknown = null;
  private quietCheck: unknown = null;
  /** queue length when the quiet check was armed: no growth by then means the burst is over */
  private seen = 0;
  private closed = false;
  private flushing = false;
  private readonly timers: BatchTimers;

  constructor(private readonly options: BatchQueueOptions<T>) {
    if (!(options.maxBatch >= 1)) throw new Error('maxBatch must be at least 1');
    this.timers = options.timers ?? nodeTimers;
  }

  get size(): number {
    return this.queue.length;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Queues `item`; false (and nothing queued) once closed. */
  push(item: T): boolean {
    if (this.closed) return false;
    this.queue.push(item);
    // Pushed from inside `handle`: the flush in progress takes it.
    if (this.flushing) return true;
    if (this.queue.length >= this.options.maxBatch) {
      this.flush();
      return true;
    }
    if (this.deadline === null) this.deadline = this.timers.setTimeout(() => this.flush(), this.options.maxDelayMs);
    if (this.quietCheck === null) this.armQuietCheck();
    return true;
  }

  /** Hands over everything queued now (in batches of at most maxBatch). */
  flush(): void {
    if (this.flushing) return;
    this.disarm();
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.length <= this.options.maxBatch ? this.queue : this.queue.slice(0, this.options.maxBatch);
        this.queue = batch === this.queue ? [] : this.queue.slice(batch.length);
        this.options.handle(batch);
      }
    } finally {
      this.flushing = false;
      // `handle` threw: what is left goes in a later batch.
      if (this.queue.length > 0 && this.deadline === null) this.deadline = this.timers.setTimeout(() => this.flush(), this.options.maxDelayMs);
    }
  }

  /** Hands over what is queued and refuses anything later. Idempotent. */
  close(): void {
    this.closed = true;
    this.flush();
  }

  /**
   * Checks at the end of each event-loop turn whether the queue grew; two checks in a row without
   * growth (a whole turn that brought nothing) end the batch. One is not enough: items released
   * by the previous batch's acknowledgement arrive over the next turn or two.
   */
  private armQuietCheck(quiet = false): void {
    this.seen = this.queue.length;
    this.quietCheck = this.timers.setImmediate(() => {
      this.quietCheck = null;
      if (this.queue.length === 0) return;
      const grew = this.queue.length > this.seen;
      if (!grew && quiet) this.flush();
      else this.armQuietCheck(!grew);
    });
  }

  private disarm(): void {
    if (this.deadline !== null) this.timers.clearTimeout(this.deadline);
    if (this.quietCheck !== null) this.timers.clearImmediate(this.quietCheck);
    this.deadline = null;
    this.quietCheck = null;
  }
}
