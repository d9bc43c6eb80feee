/**
 * What a full statistics outbox gives up, decided without I/O: the oldest window not being sent
 * goes into the next one of the same version (protocol mergeStatsWindows: the counts add up, and
 * `merged` counts the windows folded in), or, when no later window is of its version, it is
 * dropped and counted in the next window's `lost`. Nothing is ever lost without a trace.
 */
import { mergeStatsWindows, statsWindowsMergeable, type StatsWindow } from '@edgefleet/protocol';

export interface QueuedWindow {
  key: string;
  window: StatsWindow;
}

/** One step of making room: remove `remove`, store `window` under `into` (the window that absorbs it). */
export interface OverflowStep {
  remove: string;
  into: string;
  window: StatsWindow;
  merged: boolean;
}

/** The step that frees one place in `queue` (oldest first), or null when nothing may go (`sending` is in flight). */
export function overflowStep(queue: readonly QueuedWindow[], sending: string | null): OverflowStep | null {
  const start = queue[0]?.key === sending ? 1 : 0;
  const oldest = queue[start];
  const rest = queue.slice(start + 1);
  if (!oldest || rest.length === 0) return null;
  const partner = rest.find((entry) => statsWindowsMergeable(oldest.window, entry.window));
  if (partner) {
    // The sum holds one window more than its parts did (`merged` counts windows folded in).
    const sum = mergeStatsWindows(oldest.window, partner.window);
    return { remove: oldest.key, into: partner.key, window: { ...sum, merged: (sum.merged ?? 0) + 1 }, merged: true };
  }
  const next = rest[0] as QueuedWindow;
  return { remove: oldest.key, into: next.key, window: { ...next.window, lost: (next.window.lost ?? 0) + 1 + (oldest.window.lost ?? 0) }, merged: false };
}
