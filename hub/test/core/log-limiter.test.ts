/** The log limiter behind failed-login warnings: one line per key per interval, a cap over all keys, bounded memory. */
import { describe, expect, it } from 'vitest';
import { KeyedLogLimiter } from '../../src/core/log-limiter';

describe('keyed log limiter', () => {
  it('lets one line per key per interval through and counts the rest on the next line', () => {
    const limiter = new KeyedLogLimiter({ intervalMs: 60_000, maxLinesPerInterval: 100, maxKeys: 100 });
    expect(limiter.admit('dev-1', 0)).toEqual({ log: true, suppressed: 0, suppressedElsewhere: 0 });
    for (let i = 1; i <= 4; i++) expect(limiter.admit('dev-1', i * 10_000)).toEqual({ log: false });
    // Another key is not held back by the first.
    expect(limiter.admit('dev-2', 50_000)).toEqual({ log: true, suppressed: 0, suppressedElsewhere: 0 });
    expect(limiter.admit('dev-1', 60_000)).toEqual({ log: true, suppressed: 4, suppressedElsewhere: 0 });
    expect(limiter.stats()).toEqual({ suppressed: 4, tracked: 2 });
  });

  it('caps the lines of all keys together, and says how many others were held back', () => {
    const limiter = new KeyedLogLimiter({ intervalMs: 60_000, maxLinesPerInterval: 2, maxKeys: 100 });
    expect(limiter.admit('a', 0).log).toBe(true);
    expect(limiter.admit('b', 1).log).toBe(true);
    // A flood of new ids: held back, counted.
    for (const key of ['c', 'd', 'e']) expect(limiter.admit(key, 2)).toEqual({ log: false });
    // Next window: the first line tells of its own held-back line.
    expect(limiter.admit('c', 60_002)).toEqual({ log: true, suppressed: 1, suppressedElsewhere: 0 });
    expect(limiter.stats().suppressed).toBe(3);
  });

  it('remembers at most maxKeys keys; what a forgotten key held back is told with the next line', () => {
    const limiter = new KeyedLogLimiter({ intervalMs: 60_000, maxLinesPerInterval: 1_000, maxKeys: 3 });
    expect(limiter.admit('a', 0).log).toBe(true);
    expect(limiter.admit('a', 1)).toEqual({ log: false });
    expect(limiter.admit('a', 2)).toEqual({ log: false });
    for (const key of ['b', 'c', 'd']) expect(limiter.admit(key, 3).log).toBe(true);
    expect(limiter.stats().tracked).toBe(3);
    // `a` was forgotten with 2 lines held back: the next line says so.
    expect(limiter.admit('e', 4)).toEqual({ log: true, suppressed: 0, suppressedElsewhere: 2 });
    expect(limiter.admit('f', 5)).toEqual({ log: true, suppressed: 0, suppressedElsewhere: 0 });
    // Memory stays bounded however many keys come.
    for (let i = 0; i < 1_000; i++) limiter.admit(`k-${i}`, 6 + i);
    expect(limiter.stats().tracked).toBe(3);
  });
});
