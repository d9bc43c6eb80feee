/** Statistics windows during a traffic ramp-up: one window per version, closed together, the candidate's own. */
import { describe, expect, it } from 'vitest';
import { makeRelease } from '../../../test/fixtures/signing';
import { msgIdSource } from '../../src/statistics/msg-id';
import { SplitStatsWindows } from '../../src/statistics/split-windows';

const v1 = makeRelease({ version: '1' });
const v2 = makeRelease({ version: '2', releaseCounter: 2, artifact: { ...v1.artifact, sha256: 'c'.repeat(64) } });
const v3 = makeRelease({ version: '3', releaseCounter: 3, artifact: { ...v1.artifact, sha256: 'd'.repeat(64) } });
const row = { x: { dims: [1, 2], data: [1, 2] } };

function setup() {
  let clock = Date.parse('2026-01-01T00:00:00.000Z');
  const windows = new SplitStatsWindows({ device: 'dev-1', now: () => new Date(clock), msgId: msgIdSource() });
  return { windows, advance: (ms: number) => (clock += ms) };
}

describe('SplitStatsWindows', () => {
  it('counts each request on the window of the version that answered, and closes both on one call', () => {
    const { windows, advance } = setup();
    expect(windows.activate(v1)).toEqual([]);
    expect(windows.setShadow(v2)).toEqual([]);
    for (let i = 0; i < 3; i++) windows.record(v1, row, {}, 1);
    for (let i = 0; i < 2; i++) windows.record({ ...v2 }, row, {}, 1); // another object of the same release
    windows.recordError('E_SCHEMA', v2);
    windows.recordError('E_INFERENCE', v1);
    windows.recordError('E_NO_MODEL');
    advance(60_000);
    const closed = windows.close();
    expect(closed).toHaveLength(2);
    expect(closed[0]).toMatchObject({ version: '1', sha256: v1.artifact.sha256, n: 3, errors: { E_INFERENCE: 1, E_NO_MODEL: 1 } });
    expect(closed[1]).toMatchObject({ version: '2', sha256: v2.artifact.sha256, n: 2, errors: { E_SCHEMA: 1 } });
    expect(closed[0]?.shadow).toBeUndefined();
    expect(closed[1]?.shadow).toBeUndefined();
    expect(closed.map((w) => [w.windowStart, w.windowEnd])).toEqual([
      ['2026-01-01T00:00:00.000Z', '2026-01-01T00:01:00.000Z'],
      ['2026-01-01T00:00:00.000Z', '2026-01-01T00:01:00.000Z'],
    ]);
    expect(new Set(closed.map((w) => w.msgId)).size).toBe(2);
    expect(windows.close()).toEqual([]);
  });

  it('sends no candidate window while the shadow only runs beside (its comparisons ride on the serving window)', () => {
    const { windows } = setup();
    windows.activate(v1);
    windows.setShadow(v2);
    windows.record(v1, row, {}, 1);
    windows.recordShadow(v1, v2, { rows: 1, agree: 1 }, 2);
    const closed = windows.close();
    expect(closed).toHaveLength(1);
    expect(closed[0]).toMatchObject({ version: '1', n: 1, shadow: { version: '2', n: 1, agree: 1 } });
  });

  it('closes the candidate window when the shadow changes or goes, and never counts a retired candidate', () => {
    const { windows } = setup();
    windows.activate(v1);
    windows.setShadow(v2);
    windows.record(v2, row, {}, 1);
    expect(windows.setShadow(v2)).toEqual([]);
    const replaced = windows.setShadow(v3);
    expect(replaced).toHaveLength(1);
    expect(replaced[0]).toMatchObject({ version: '2', n: 1 });
    windows.record(v2, row, {}, 1); // finished on the retired candidate: no window of its own any more
    windows.record(v3, row, {}, 1);
    expect(windows.setShadow(null)).toMatchObject([{ version: '3', n: 1 }]);
    windows.record(v3, row, {}, 1);
    windows.recordError('E_INFERENCE', v3); // not the candidate any more: the serving version's
    expect(windows.close()).toMatchObject([{ version: '1', n: 0, errors: { E_INFERENCE: 1 } }]);
  });

  it('counts a candidate that is also the serving release once, as served', () => {
    const { windows } = setup();
    windows.activate(v1);
    windows.setShadow(v1);
    windows.record(v1, row, {}, 1);
    windows.record({ ...v1 }, row, {}, 1);
    expect(windows.close()).toMatchObject([{ version: '1', n: 2 }]);
  });
});
