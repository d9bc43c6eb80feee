/** The batch runner's turn beside live requests (batch/live-load.ts), on a driven clock. */
import { describe, expect, it } from 'vitest';
import { LiveLoad, RECENT_LIVE_MS } from '../src/batch/live-load';

function drivenClock() {
  const clock = { t: 1_000, rests: [] as number[], now: () => clock.t, rest: async (ms: number) => void clock.rests.push(ms) };
  return clock;
}

describe('LiveLoad.turn', () => {
  it('rests as long as the last stretch of batch work while live requests keep coming, never longer than maxWaitMs', async () => {
    const clock = drivenClock();
    const live = new LiveLoad(clock);
    await live.turn(50);
    clock.t += 8; // a model run of 8 ms
    live.enter()(); // a live request came and went meanwhile
    await live.turn(50);
    expect(clock.rests).toEqual([8]);
    clock.t += 200; // a long stretch, live traffic still flowing
    live.enter()();
    await live.turn(50);
    expect(clock.rests).toEqual([8, 50]);
  });

  it('does not rest once live traffic has stopped', async () => {
    const clock = drivenClock();
    const live = new LiveLoad(clock);
    live.enter()();
    await live.turn(50);
    clock.t += RECENT_LIVE_MS + 5;
    await live.turn(50);
    clock.t += 3;
    await live.turn(50);
    expect(clock.rests).toEqual([]);
  });
});
