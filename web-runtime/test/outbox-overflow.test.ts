/** A full statistics outbox in the browser makes room without losing a count untraced. */
import { describe, expect, it } from 'vitest';
import type { StatsWindow } from '@edgefleet/protocol';
import { richWindow } from '../../protocol/test/fixtures';
import { overflowStep, type QueuedWindow } from '../src/platform/outbox-overflow';

// A window as a device closes it: nothing merged or lost yet.
const { merged: _merged, lost: _lost, ...fresh } = richWindow;
const queued = (key: string, over: Partial<StatsWindow> = {}): QueuedWindow => ({ key, window: { ...fresh, msgId: `win-${key}`, ...over } });

describe('overflowStep', () => {
  it('merges the oldest window into the next one of its version: the counts add up', () => {
    const queue = [queued('1', { n: 10 }), queued('2', { version: '2', sha256: 'b'.repeat(64), n: 4 }), queued('3', { n: 7 })];
    const step = overflowStep(queue, null);
    expect(step).toMatchObject({ remove: '1', into: '3', merged: true });
    expect(step?.window.n).toBe(17);
    expect(step?.window.merged).toBe(1);
  });

  it('drops the oldest when no later window is of its version, and counts it as lost in the next one', () => {
    const queue = [queued('1', { lost: 2 }), queued('2', { version: '2', sha256: 'b'.repeat(64), n: 4 })];
    const step = overflowStep(queue, null);
    expect(step).toMatchObject({ remove: '1', into: '2', merged: false });
    expect(step?.window).toMatchObject({ n: 4, version: '2', lost: 3 });
  });

  it('never touches the window being sent, and gives up when nothing else can go', () => {
    const queue = [queued('1'), queued('2'), queued('3')];
    expect(overflowStep(queue, '1')).toMatchObject({ remove: '2', into: '3' });
    expect(overflowStep([queued('1'), queued('2')], '1')).toBeNull();
    expect(overflowStep([queued('1')], null)).toBeNull();
  });
});
