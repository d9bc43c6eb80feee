/** When a statistics window closes and what it carries, with no timer: the caller's clock drives it. */
import { describe, expect, it } from 'vitest';
import { makeRelease } from '../../../test/fixtures/signing';
import { msgIdSource } from '../../src/statistics/msg-id';
import { DEFAULT_STATS_INTERVAL_S, firstCloseDelayMs, StatsWindows } from '../../src/statistics/stats-windows';

const v1 = makeRelease({ version: '1' });
const v2 = makeRelease({ version: '2', releaseCounter: 2 });
const shadow = makeRelease({ version: '3', artifact: { ...v1.artifact, sha256: 'c'.repeat(64) } });
const row = { x: { dims: [1, 2], data: [1, 2] } };

function setup() {
  let clock = Date.parse('2026-01-01T00:00:00.000Z');
  const windows = new StatsWindows({ device: 'dev-1', now: () => new Date(clock), msgId: msgIdSource() });
  return { windows, advance: (ms: number) => (clock += ms) };
}

describe('StatsWindows', () => {
  it('sends nothing for an empty window, but the next one starts when it closed', () => {
    const { windows, advance } = setup();
    expect(windows.activate(v1)).toBeNull();
    advance(60_000);
    expect(windows.close()).toBeNull();
    windows.record(v1, row, {}, 1);
    advance(5_000);
    expect(windows.close()).toMatchObject({ version: '1', n: 1, windowStart: '2026-01-01T00:01:00.000Z', windowEnd: '2026-01-01T00:01:05.000Z' });
  });

  it('closes on a version change, and never counts a request of the retired version', () => {
    const { windows } = setup();
    windows.activate(v1);
    windows.record(v1, row, {}, 1);
    expect(windows.activate(v1)).toBeNull();
    expect(windows.activate(v2)).toMatchObject({ version: '1', n: 1 });
    windows.record(v1, row, {}, 1);
    windows.recordError('E_INFERENCE');
    expect(windows.close()).toMatchObject({ version: '2', n: 0, errors: { E_INFERENCE: 1 } });
  });

  it('carries the shadow section of its candidate and closes before another candidate counts', () => {
    const { windows } = setup();
    windows.activate(v1);
    expect(windows.setShadow(shadow)).toBeNull();
    windows.recordShadow(v1, shadow, { rows: 2, agree: 1 }, 3);
    windows.recordShadowDropped(v2, shadow); // another serving version: not this window's
    const closed = windows.setShadow(null);
    expect(closed?.n).toBe(0);
    expect(closed?.shadow).toMatchObject({ version: '3', n: 2, agree: 1, dropped: 0 });
    expect(windows.close()).toBeNull();
  });

  it('closes its first window at a random phase of the interval', () => {
    expect(DEFAULT_STATS_INTERVAL_S).toBe(60);
    expect(firstCloseDelayMs(60, 0.25)).toBe(15_000);
    expect(firstCloseDelayMs(60, 0)).toBe(0);
  });
});
