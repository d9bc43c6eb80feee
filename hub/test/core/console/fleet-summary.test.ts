/** The overview's fleet figures: online and offline counted, versions by what devices report running (most first), devices running nothing apart. */
import { describe, expect, it } from 'vitest';
import { summarizeFleet } from '../../../src/core/console/fleet-summary';

const report = (model: string | null, version = '1') => ({ seq: 1, phase: model ? 'serving' : 'idle', active: model ? { model, version, sha256: 'a'.repeat(64) } : null });

describe('fleet summary', () => {
  it('counts devices online and offline, and the versions they report running, most widespread first', () => {
    const summary = summarizeFleet([
      { online: true, reported: report('vad', '2') },
      { online: true, reported: report('vad', '1') },
      { online: false, reported: report('vad', '2') },
      { online: false, reported: report('kws', '7') },
      { online: false, reported: report(null) },
      { online: true, reported: null },
    ]);
    expect(summary).toEqual({
      devices: { inService: 6, online: 3, offline: 3 },
      versions: [
        { model: 'vad', version: '2', devices: 2 },
        { model: 'kws', version: '7', devices: 1 },
        { model: 'vad', version: '1', devices: 1 },
      ],
      runningNothing: 2,
    });
    expect(summarizeFleet([])).toEqual({ devices: { inService: 0, online: 0, offline: 0 }, versions: [], runningNothing: 0 });
  });
});
