/**
 * Rate limits for log lines about one thing happening over and over (a device retrying with a
 * wrong secret every few seconds): at most one line per key per interval, and at most
 * `maxLinesPerInterval` lines in all, so a flood of distinct keys (an attacker trying ids) cannot
 * flood the log either. What is held back is counted and told with the next line that is let
 * through: per key (`suppressed`) and for everything else (`suppressedElsewhere`).
 *
 * Bounded memory: at most `maxKeys` keys are remembered, the least recently logged forgotten
 * first (their held-back count moves to `suppressedElsewhere`). Pure: time comes in as an argument.
 */

export interface LogLimits {
  /** one line per key per this long */
  intervalMs: number;
  /** lines over all keys per interval (a fixed window) */
  maxLinesPerInterval: number;
  /** keys remembered */
  maxKeys: number;
}

export const DEFAULT_LOG_LIMITS: LogLimits = { intervalMs: 60_000, maxLinesPerInterval: 60, maxKeys: 10_000 };

export type LogDecision =
  | {
      log: true;
      /** lines held back for this key since its last line */
      suppressed: number;
      /** lines held back for other keys (or forgotten ones) since the last line let through */
      suppressedElsewhere: number;
    }
  | { log: false };

interface KeyState {
  /** when its last line was let through */
  at: number;
  suppressed: number;
}

export class KeyedLogLimiter {
  private readonly keys = new Map<string, KeyState>();
  private elsewhere = 0;
  private windowStart = Number.NEGATIVE_INFINITY;
  private linesInWindow = 0;
  private totalSuppressed = 0;

  constructor(private readonly limits: LogLimits = DEFAULT_LOG_LIMITS) {}

  admit(key: string, nowMs: number): LogDecision {
    const state = this.keys.get(key);
    if (state && nowMs - state.at < this.limits.intervalMs) return this.holdBack(state);
    if (nowMs - this.windowStart >= this.limits.intervalMs) {
      this.windowStart = nowMs;
      this.linesInWindow = 0;
    }
    if (this.linesInWindow >= this.limits.maxLinesPerInterval) {
      // Remembered as held back for this key, so its next line says so.
      const held = state ?? { at: Number.NEGATIVE_INFINITY, suppressed: 0 };
      this.remember(key, held);
      return this.holdBack(held);
    }
    this.linesInWindow++;
    const decision: LogDecision = { log: true, suppressed: state?.suppressed ?? 0, suppressedElsewhere: this.elsewhere };
    this.elsewhere = 0;
    this.remember(key, { at: nowMs, suppressed: 0 });
    return decision;
  }

  /** Lines held back since start, and keys remembered now (for counters and tests). */
  stats(): { suppressed: number; tracked: number } {
    return { suppressed: this.totalSuppressed, tracked: this.keys.size };
  }

  private holdBack(state: KeyState): LogDecision {
    state.suppressed++;
    this.totalSuppressed++;
    return { log: false };
  }

  /** Re-inserted so the map's order is least recently logged first; the oldest go past maxKeys. */
  private remember(key: string, state: KeyState): void {
    this.keys.delete(key);
    this.keys.set(key, state);
    for (const [oldest, dropped] of this.keys) {
      if (this.keys.size <= this.limits.maxKeys) break;
      this.elsewhere += dropped.suppressed;
      this.keys.delete(oldest);
    }
  }
}
