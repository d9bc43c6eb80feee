/**
 * The shadow runner with real onnxruntime sessions of Silero VAD and a real statistics recorder:
 * offers past the queue bound are dropped and counted at once, the rest run later and are
 * compared and counted in the serving version's window; shadow failures are counted by code; a
 * shadow unloaded while its jobs wait counts nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatsWindow, TensorJson } from '@edgefleet/protocol';
import { LoadedModel } from '../src/adapters/runtime';
import { msgIdSource } from '@edgefleet/device-core';
import { silentLogger } from '../src/logger';
import { ShadowRunner } from '../src/shadow-runner';
import { StatsRecorder } from '../src/stats-recorder';
import { SILERO_V6, sileroInputs, sileroRelease } from './support/silero';

describe('ShadowRunner', () => {
  let served: LoadedModel;
  let twin: LoadedModel;
  let v6: LoadedModel;
  let strange: LoadedModel;

  beforeAll(async () => {
    const v5 = await sileroRelease({ version: '1' });
    served = await LoadedModel.load(v5.bytes, v5.manifest);
    // the same file under another version: it must agree on every row
    twin = await LoadedModel.load(v5.bytes, { ...v5.manifest, version: '1-twin' });
    const six = await sileroRelease({ version: '2', releaseCounter: 2 }, SILERO_V6);
    v6 = await LoadedModel.load(six.bytes, six.manifest);
    // declares an input the requests do not carry: every run fails its input check
    strange = await LoadedModel.load(v5.bytes, { ...v5.manifest, version: '3', io: { ...v5.manifest.io, inputs: [...v5.manifest.io.inputs, { name: 'extra', type: 'float32', shape: [1] }] } });
  });

  afterAll(async () => {
    for (const model of [served, twin, v6, strange]) await model?.retire();
  });

  function setup(shadow: () => LoadedModel | null, capacity: number) {
    const windows: StatsWindow[] = [];
    const stats = new StatsRecorder({ device: 'dev-1', now: () => new Date(), random: () => 0, msgId: msgIdSource(), sink: async (w) => void windows.push(w), schedule: () => () => {}, logger: silentLogger });
    stats.activate(served.release);
    stats.setShadow(shadow()?.release ?? null);
    let starts: Array<() => void> = [];
    const runner = new ShadowRunner({ running: shadow, stats, capacity, logger: silentLogger, defer: (start) => starts.push(start) });
    const start = () => {
      const pending = starts;
      starts = [];
      for (const fn of pending) fn();
    };
    /** one served request, then offered to the shadow (what predict does) */
    const serve = async (seed: number) => {
      const inputs: Record<string, TensorJson> = sileroInputs(seed);
      const outputs = await served.run(inputs);
      stats.record(served.release, inputs, outputs, 1);
      runner.offer(served.release, inputs, outputs);
    };
    const flush = async () => {
      await runner.settled();
      await stats.closeWindow();
      return windows.at(-1);
    };
    return { runner, serve, start, flush };
  }

  it('drops what does not fit in the queue at once, and compares the rest later', async () => {
    const { serve, start, flush } = setup(() => twin, 2);
    // Nothing has started yet (the deferred start is held): 2 wait, 3 are dropped on the spot.
    for (const seed of [1, 2, 3, 4, 5]) await serve(seed);
    start();
    const window = await flush();
    expect(window).toMatchObject({ version: '1', n: 5, shadow: { version: '1-twin', n: 2, agree: 2, dropped: 3, errors: {} } });
    expect(window?.shadow?.latencyMs.counts.reduce((a, b) => a + b, 0)).toBe(2);
  });

  it('counts disagreement, and failures of the shadow by code', async () => {
    const other = setup(() => v6, 8);
    for (const seed of [1, 2]) await other.serve(seed);
    other.start();
    const compared = await other.flush();
    expect(compared?.shadow).toMatchObject({ version: '2', n: 2, dropped: 0 });
    expect(compared?.shadow?.agree).toBeLessThanOrEqual(2);

    const failing = setup(() => strange, 8);
    for (const seed of [1, 2]) await failing.serve(seed);
    failing.start();
    expect((await failing.flush())?.shadow).toMatchObject({ version: '3', n: 0, agree: 0, errors: { E_SCHEMA: 2 } });
  });

  it('a shadow unloaded while its jobs wait counts nothing', async () => {
    let current: LoadedModel | null = twin;
    const { serve, start, flush } = setup(() => current, 8);
    await serve(1);
    current = null;
    start();
    expect(await flush()).not.toHaveProperty('shadow');
  });
});
