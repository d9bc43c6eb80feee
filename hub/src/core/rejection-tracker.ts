/**
 * Counts rejected device messages by code and says when one is worth logging and auditing: the
 * first time a (device, code) pair is seen within a window, so a flood costs a counter bump, not
 * a log line or a database write per message (THREATS "Bad input": counted, logged once).
 */
export interface RejectionVerdict {
  /** first occurrence of this device and code in the current window */
  first: boolean;
  /** occurrences suppressed since the last reported one */
  suppressed: number;
}

export class RejectionTracker {
  private readonly totals = new Map<string, number>();
  private readonly lastReported = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly windowMs: number,
    private readonly maxKeys = 10_000,
  ) {}

  record(device: string, code: string, nowMs: number): RejectionVerdict {
    this.totals.set(code, (this.totals.get(code) ?? 0) + 1);
    const key = `${device}\u0000${code}`;
    const last = this.lastReported.get(key);
    if (last && nowMs - last.at < this.windowMs) {
      last.suppressed++;
      return { first: false, suppressed: last.suppressed };
    }
    // Bounded memory even when a flood rotates device ids: forget the oldest entry.
    if (!last && this.lastReported.size >= this.maxKeys) {
      const oldest = this.lastReported.keys().next();
      if (!oldest.done) this.lastReported.delete(oldest.value);
    }
    this.lastReported.set(key, { at: nowMs, suppressed: 0 });
    return { first: true, suppressed: last?.suppressed ?? 0 };
  }

  counts(): Record<string, number> {
    return Object.fromEntries(this.totals);
  }
}
