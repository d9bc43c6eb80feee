/**
 * One pending "try this seq again later" timer. Rescheduling replaces the pending retry, so a
 * device never piles up timers however often installs fail.
 */
export class SlowRetry {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly delayMs: number,
    private readonly retry: (seq: number) => Promise<void>,
  ) {}

  schedule(seq: number): void {
    this.cancel();
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.retry(seq);
    }, this.delayMs);
    this.timer.unref();
  }

  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
