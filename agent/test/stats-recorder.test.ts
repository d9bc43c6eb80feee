/** When windows close: on the interval (injected timer and clock), on a version change, never empty. */
import { describe, expect, it } from 'vitest';
import type { StatsWindow } from '@edgefleet/protocol';
import { msgIdSource } from '@edgefleet/device-core';
import { silentLogger } from '../src/logger';
import { StatsRecorder } from '../src/stats-recorder';
import { makeRelease } from '../../test/fixtures/signing';

const v1 = makeRelease({ version: '1' });
const v2 = makeRelease({ version: '2', releaseCounter: 2, artifact: { ...v1.artifact, sha256: 'b'.repeat(64) } });
const row = { x: { dims: [1, 2], data: [1, 2] } };

function setup() {
  let clock = Date.parse('2026-01-01T00:00:00.000Z');
  const timers: Array<{ fn: () => void; ms: number; cancelled: boolean }> = [];
  const windows: StatsWindow[] = [];
  const recorder = new StatsRecorder({
    device: 'dev-1',
    now: () => new Date(clock),
    random: () => 0.25,
    msgId: msgIdSource(),
    sink: async (window) => void windows.push(window),
    schedule: (fn, ms) => {
      const timer = { fn, ms, cancelled: false };
      timers.push(timer);
      return () => (timer.cancelled = true);
    },
    logger: silentLogger,
  });
  /** advances the clock by the pending timer's delay and fires it */
  const fire = () => {
    const timer = timers.filter((t) => !t.cancelled).at(-1);
    if (!timer) throw new Error('no timer armed');
    timer.cancelled = true;
    clock += timer.ms;
    timer.fn();
  };
  return { recorder, timers, windows, fire, advance: (ms: number) => (clock += ms) };
}

describe('StatsRecorder', () => {
  it('closes windows on the interval, the first at a random phase, and skips empty ones', async () => {
    const { recorder, timers, windows, fire } = setup();
    recorder.activate(v1);
    recorder.setIntervalS(60);
    expect(timers[0]?.ms).toBe(15_000); // phase = random() * interval
    recorder.record(v1, row, {}, 1);
    fire();
    expect(windows).toHaveLength(1);
    expect(windows[0]).toMatchObject({ n: 1, version: '1', windowStart: '2026-01-01T00:00:00.000Z', windowEnd: '2026-01-01T00:00:15.000Z' });
    expect(timers.at(-1)?.ms).toBe(60_000);
    fire(); // nothing recorded: no window
    expect(windows).toHaveLength(1);
    recorder.recordError('E_INFERENCE');
    // Errors alone make a window. It starts where the empty interval ended, not where the last
    // sent window did: an idle device's next window belongs to the hour it really covers.
    fire();
    expect(windows[1]).toMatchObject({ n: 0, errors: { E_INFERENCE: 1 }, windowStart: '2026-01-01T00:01:15.000Z', windowEnd: '2026-01-01T00:02:15.000Z' });
    await recorder.stop();
    expect(timers.every((t) => t.cancelled)).toBe(true);
  });

  it('closes the window when the serving version changes and never mixes versions', () => {
    const { recorder, windows, advance } = setup();
    recorder.activate(v1);
    recorder.record(v1, row, {}, 1);
    recorder.activate(v1); // same release: nothing happens
    expect(windows).toHaveLength(0);
    advance(5_000);
    recorder.activate(v2);
    expect(windows).toHaveLength(1);
    expect(windows[0]).toMatchObject({ version: '1', n: 1, windowEnd: '2026-01-01T00:00:05.000Z' });
    recorder.record(v1, row, {}, 1); // finished on the retiring model: not counted
    recorder.record(v2, { x: { dims: [2, 2], data: [1, 2, 3, 4] } }, {}, 1);
    recorder.activate(null);
    expect(windows[1]).toMatchObject({ version: '2', n: 2, windowStart: '2026-01-01T00:00:05.000Z' });
    expect(new Set(windows.map((w) => w.msgId)).size).toBe(2);
  });

  // Issue 11 item 11: a release is model + version + sha256, not its bytes. A re-upload (with a
  // reference dataset), a re-quantized twin or a relabel ships the same artifact under another
  // version; its rows belong to that version's gates, drift and labels.
  it('a new version with the same bytes closes the old version\'s window and gets windows of its own', () => {
    const { recorder, windows, advance } = setup();
    const twin = makeRelease({ version: '2', releaseCounter: 2, artifact: v1.artifact });
    recorder.activate(v1);
    recorder.record(v1, row, {}, 1);
    advance(5_000);
    recorder.activate(twin);
    expect(windows).toHaveLength(1);
    expect(windows[0]).toMatchObject({ version: '1', sha256: v1.artifact.sha256, n: 1, windowEnd: '2026-01-01T00:00:05.000Z' });
    recorder.record(v1, row, {}, 1); // finished on the retiring release: not counted, although the bytes are the same
    recorder.record(twin, { x: { dims: [2, 2], data: [1, 2, 3, 4] } }, {}, 1);
    void recorder.closeWindow();
    expect(windows[1]).toMatchObject({ version: '2', sha256: v1.artifact.sha256, n: 2, windowStart: '2026-01-01T00:00:05.000Z' });
    // The same release again (e.g. reloaded after its file was damaged) keeps its window open.
    recorder.record(twin, row, {}, 1);
    recorder.activate({ ...twin });
    expect(windows).toHaveLength(2);
  });

  it('re-arms the timer only when the interval changes', () => {
    const { recorder, timers } = setup();
    recorder.setIntervalS(60);
    recorder.setIntervalS(60);
    expect(timers).toHaveLength(1);
    recorder.setIntervalS(10);
    expect(timers[0]?.cancelled).toBe(true);
    expect(timers[1]?.ms).toBe(2_500);
  });

  describe('shadow section', () => {
    const s6 = makeRelease({ version: '6', releaseCounter: 6, artifact: { ...v1.artifact, sha256: 'd'.repeat(64) } });
    const s7 = makeRelease({ version: '7', releaseCounter: 7, artifact: { ...v1.artifact, sha256: 'e'.repeat(64) } });

    it("counts comparisons, failures, drops and latency into the serving version's window", () => {
      const { recorder, windows } = setup();
      recorder.activate(v1);
      recorder.setShadow(s6);
      recorder.record(v1, row, {}, 1);
      recorder.recordShadow(v1, s6, { rows: 3, agree: 2 }, 0.7);
      recorder.recordShadow(v1, s6, { rows: 1, agree: 1 }, 3);
      recorder.recordShadowError(v1, s6, 'E_SCHEMA');
      recorder.recordShadowDropped(v1, s6);
      void recorder.closeWindow();
      expect(windows[0]?.shadow).toMatchObject({ model: 'vad', version: '6', sha256: 'd'.repeat(64), n: 4, agree: 3, errors: { E_SCHEMA: 1 }, dropped: 1, latencyMs: { sum: 3.7, min: 0.7, max: 3 } });
      recorder.record(v1, row, {}, 1);
      void recorder.closeWindow();
      expect(windows[1]).not.toHaveProperty('shadow'); // nothing compared in that window
    });

    it('a window never mixes two candidates: a shadow change closes a window holding counts', () => {
      const { recorder, windows } = setup();
      recorder.activate(v1);
      recorder.setShadow(s6);
      recorder.record(v1, row, {}, 1);
      recorder.recordShadow(v1, s6, { rows: 1, agree: 1 }, 1);
      recorder.setShadow(s6); // the same: nothing happens
      expect(windows).toHaveLength(0);
      recorder.setShadow(s7);
      expect(windows).toHaveLength(1);
      expect(windows[0]?.shadow).toMatchObject({ version: '6', n: 1 });
      recorder.recordShadow(v1, s6, { rows: 5, agree: 5 }, 1); // finished on the old shadow: not counted
      recorder.recordShadow(v1, s7, { rows: 2, agree: 0 }, 1);
      recorder.setShadow(null);
      expect(windows[1]?.shadow).toMatchObject({ version: '7', n: 2, agree: 0 });
      recorder.record(v1, row, {}, 1);
      recorder.recordShadow(v1, s7, { rows: 1, agree: 1 }, 1); // no shadow runs now
      void recorder.closeWindow();
      expect(windows[2]).not.toHaveProperty('shadow');
    });

    it('a shadow twin (same bytes, another version) is a candidate of its own, also beside a serving twin', () => {
      const { recorder, windows } = setup();
      const s6twin = makeRelease({ version: '6b', releaseCounter: 7, artifact: s6.artifact });
      const v1twin = makeRelease({ version: '1b', releaseCounter: 2, artifact: v1.artifact });
      recorder.activate(v1);
      recorder.setShadow(s6);
      recorder.recordShadow(v1, s6, { rows: 1, agree: 1 }, 1);
      recorder.setShadow(s6twin);
      expect(windows).toHaveLength(1);
      expect(windows[0]?.shadow).toMatchObject({ version: '6', sha256: s6.artifact.sha256, n: 1 });
      recorder.recordShadow(v1, s6, { rows: 4, agree: 4 }, 1); // compared on the old candidate: not counted
      recorder.recordShadow(v1, s6twin, { rows: 2, agree: 1 }, 1);
      // Comparisons count only against the serving release they were made for, bytes alike or not.
      recorder.activate(v1twin);
      expect(windows[1]).toMatchObject({ version: '1', shadow: { version: '6b', n: 2, agree: 1 } });
      recorder.recordShadow(v1, s6twin, { rows: 8, agree: 8 }, 1);
      recorder.recordShadow(v1twin, s6twin, { rows: 3, agree: 3 }, 1);
      void recorder.closeWindow();
      expect(windows[2]).toMatchObject({ version: '1b', n: 0, shadow: { version: '6b', n: 3 } });
    });

    it("counts only comparisons made against the window's serving version; a shadow-only window is still sent", () => {
      const { recorder, windows } = setup();
      recorder.activate(v1);
      recorder.setShadow(s6);
      recorder.activate(v2);
      recorder.recordShadow(v1, s6, { rows: 1, agree: 1 }, 1); // served by the retired version
      void recorder.closeWindow();
      expect(windows).toHaveLength(0);
      recorder.recordShadow(v2, s6, { rows: 1, agree: 0 }, 1);
      void recorder.closeWindow();
      expect(windows[0]).toMatchObject({ version: '2', n: 0, shadow: { n: 1, agree: 0 } });
    });
  });
});
