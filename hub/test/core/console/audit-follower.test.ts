/**
 * The audit follower: rows committed in id order are emitted once each and the watermark follows
 * them; a row that commits after a higher one (another replica's transaction) is still emitted,
 * once; a gap that stays (a rolled-back insert) is given up after the grace, never before.
 */
import { describe, expect, it } from 'vitest';
import { advance, followFrom } from '../../../src/core/console/audit-follower';

describe('audit follower', () => {
  it('emits rows in order once each and moves the watermark with them', () => {
    let step = advance(followFrom(0), [1, 2, 3], 0);
    expect(step.emit).toEqual([1, 2, 3]);
    expect(step.state.watermark).toBe(3);
    step = advance(step.state, [3, 4], 10);
    expect(step.emit).toEqual([4]);
    expect(step.state).toEqual({ watermark: 4, seen: new Set(), gapsSince: new Map() });
  });

  it('emits a row that commits after a higher one, once, and holds the watermark below it meanwhile', () => {
    let step = advance(followFrom(10), [11, 13], 1_000);
    expect(step.emit).toEqual([11, 13]);
    expect(step.state.watermark).toBe(11);
    expect(step.state.gapsSince).toEqual(new Map([[12, 1_000]]));
    step = advance(step.state, [13], 2_000);
    expect(step.emit).toEqual([]);
    step = advance(step.state, [12, 13], 3_000);
    expect(step.emit).toEqual([12]);
    expect(step.state).toEqual({ watermark: 13, seen: new Set(), gapsSince: new Map() });
  });

  it('gives a gap up only after the grace (a rolled-back insert), then follows on', () => {
    let step = advance(followFrom(0), [1, 3, 4], 0, 5_000);
    expect(step.state.watermark).toBe(1);
    step = advance(step.state, [3, 4], 4_999, 5_000);
    expect(step.state.watermark).toBe(1);
    step = advance(step.state, [3, 4, 5], 5_000, 5_000);
    expect(step.emit).toEqual([5]);
    expect(step.state).toEqual({ watermark: 5, seen: new Set(), gapsSince: new Map() });
  });
});
