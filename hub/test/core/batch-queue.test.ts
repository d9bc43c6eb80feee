/**
 * The batching core: when a batch is cut, and that it is never larger than asked. Time is a
 * manual clock: `turn()` ends an event-loop turn (runs the setImmediate callbacks queued so
 * far), `advance(ms)` moves the clock (runs the timeouts that fall due).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { BatchQueue, type BatchTimers } from '../../src/core/batch-queue';

class ManualTimers implements BatchTimers {
  now = 0;
  private immediates: Array<{ fn: () => void; live: boolean }> = [];
  private timeouts: Array<{ at: number; fn: () => void; live: boolean }> = [];

  setTimeout(fn: () => void, ms: number): unknown {
    const timer = { at: this.now + ms, fn, live: true };
    this.timeouts.push(timer);
    return timer;
  }
  clearTimeout(handle: unknown): void {
    for (const timer of this.timeouts) if (timer === handle) timer.live = false;
  }
  setImmediate(fn: () => void): unknown {
    const immediate = { fn, live: true };
    this.immediates.push(immediate);
    return immediate;
  }
  clearImmediate(handle: unknown): void {
    for (const immediate of this.immediates) if (immediate === handle) immediate.live = false;
  }
  /** the end of a turn: what was queued before it runs, what those queue runs next turn */
  turn(): void {
    const due = this.immediates;
    this.immediates = [];
    for (const immediate of due) if (immediate.live) immediate.fn();
  }
  advance(ms: number): void {
    this.now += ms;
    const due = this.timeouts.filter((timer) => timer.live && timer.at <= this.now);
    this.timeouts = this.timeouts.filter((timer) => !due.includes(timer));
    for (const timer of due) timer.fn();
  }
}

describe('BatchQueue', () => {
  let batches: number[][];
  let timers: ManualTimers;
  const queue = (maxBatch: number, maxDelayMs = 5): BatchQueue<number> => new BatchQueue<number>({ maxBatch, maxDelayMs, timers, handle: (batch) => void batches.push([...batch]) });

  beforeEach(() => {
    batches = [];
    timers = new ManualTimers();
  });

  it('hands a batch over inside the push that fills it, so the queue never holds more than maxBatch', () => {
    const q = queue(3);
    q.push(1);
    q.push(2);
    expect(batches).toEqual([]);
    q.push(3);
    expect(batches).toEqual([[1, 2, 3]]);
    expect(q.size).toBe(0);
    for (let i = 4; i <= 10; i++) {
      q.push(i);
      expect(q.size).toBeLessThan(3);
    }
    expect(batches).toEqual([
      [1, 2, 3],
      [4, 5, 6],
      [7, 8, 9],
    ]);
  });

  it('cuts a burst once a whole turn of the event loop brought nothing new', () => {
    const q = queue(100);
    q.push(1);
    q.push(2);
    timers.turn(); // it grew since the check was armed
    q.push(3);
    timers.turn(); // it grew again
    expect(batches).toEqual([]);
    timers.turn(); // one quiet turn: items released by an acknowledgement may still come
    expect(batches).toEqual([]);
    timers.turn(); // a second quiet turn: the burst is over
    expect(batches).toEqual([[1, 2, 3]]);
    timers.turn();
    timers.advance(10);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('a lone item waits two turns, not maxDelayMs', () => {
    const q = queue(100, 1_000);
    q.push(7);
    timers.turn();
    timers.turn();
    expect(batches).toEqual([[7]]);
  });

  it('cuts a stream that brings something every turn at maxDelayMs after its first item', () => {
    const q = queue(1_000, 5);
    q.push(0);
    for (let i = 1; i <= 12; i++) {
      timers.advance(1);
      q.push(i);
      timers.turn();
    }
    // Due at 5 ms: items 0..4 were queued by then (item 5 arrives right after the deadline ran).
    expect(batches[0]).toEqual([0, 1, 2, 3, 4]);
    expect(batches[1]).toEqual([5, 6, 7, 8, 9]);
    timers.turn();
    timers.turn();
    expect(batches.flat()).toEqual(Array.from({ length: 13 }, (_, i) => i));
  });

  it('keeps arrival order across batches and hands over nothing empty', () => {
    const q = queue(4);
    for (let i = 0; i < 9; i++) q.push(i);
    q.flush();
    q.flush();
    expect(batches).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8]]);
  });

  it('close hands over what is queued and refuses anything later', () => {
    const q = queue(10);
    q.push(1);
    q.close();
    expect(batches).toEqual([[1]]);
    expect(q.push(2)).toBe(false);
    timers.turn();
    timers.advance(10);
    expect(batches).toEqual([[1]]);
  });

  it('an item pushed from inside handle goes into a later batch of the same flush', () => {
    const seen: number[][] = [];
    const q: BatchQueue<number> = new BatchQueue<number>({
      maxBatch: 2,
      maxDelayMs: 5,
      timers,
      handle: (batch) => {
        seen.push([...batch]);
        if (batch.includes(1)) q.push(99);
      },
    });
    q.push(1);
    q.push(2);
    expect(seen).toEqual([[1, 2], [99]]);
  });

  it('after a handle that threw, what is still queued goes in a later batch', () => {
    const seen: number[][] = [];
    const q: BatchQueue<number> = new BatchQueue<number>({
      maxBatch: 2,
      maxDelayMs: 5,
      timers,
      handle: (batch) => {
        seen.push([...batch]);
        if (batch.includes(3)) for (const item of [1, 5, 6]) q.push(item);
        if (batch.includes(1)) throw new Error('boom');
      },
    });
    q.push(3);
    expect(() => q.push(4)).toThrow('boom');
    expect(seen).toEqual([
      [3, 4],
      [1, 5],
    ]);
    // 6 was queued behind the batch that failed: it goes at the deadline.
    timers.advance(5);
    expect(seen).toEqual([[3, 4], [1, 5], [6]]);
  });
});
