/** Time in the rollout end-to-end tests: one clock for hub and agents, and polling with a deadline. */
import { SLOW_MS } from './slow';

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

/**
 * Polls `read` until `done` holds, or fails after `timeoutMs` showing the last value. Unlike
 * expect.poll it also works in beforeAll.
 */
export async function waitUntil<T>(read: () => Promise<T> | T, done: (value: T) => boolean, what: string, timeoutMs = SLOW_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last seen: ${JSON.stringify(value)?.slice(0, 2000)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The shared clock: real time, plus what the test advanced. */
export class TestClock {
  private readonly realStart = Date.now();
  private readonly base = Math.floor(this.realStart / HOUR_MS) * HOUR_MS + MINUTE_MS;
  private offsetMs = 0;

  readonly now = (): Date => new Date(this.base + (Date.now() - this.realStart) + this.offsetMs);

  advance(minutes: number): void {
    this.offsetMs += minutes * MINUTE_MS;
  }

  /** To a minute past the next hour (see RolloutFleet.startNewHour). */
  nextHour(): void {
    const t = this.now().getTime();
    this.offsetMs += (Math.floor(t / HOUR_MS) + 1) * HOUR_MS + MINUTE_MS - t;
  }
}
