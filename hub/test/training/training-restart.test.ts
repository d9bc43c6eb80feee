/**
 * Given a run in the middle of its epochs, when the hub closes (stopping the worker and giving
 * its claim on the run back) and a new hub opens the same data dir, then the run is claimed
 * again and resumed with a log line saying so, runs again from the start with the same seed, and
 * completes with a registered version.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hub } from '../../src/index';
import { api, makeTempDir, testHub } from '../support';
import { syntheticCsv } from './synthetic';

interface Run {
  status: string;
  epochs: unknown[];
  resultVersion: { model: string; version: string } | null;
  params: { epochs?: number } | null;
}

describe('training runs survive a hub restart', () => {
  let dir: Awaited<ReturnType<typeof makeTempDir>>;
  let hub: Hub | undefined;

  beforeAll(async () => {
    dir = await makeTempDir();
  });
  afterAll(async () => {
    await hub?.close();
    await dir?.remove();
  });

  it('resumes a run left running and completes it after the restart', async () => {
    const first = await testHub(dir.path);
    hub = first;
    const upload = await api<{ id: string }>(first, 'POST', '/api/v1/datasets?name=synth', { bytes: syntheticCsv(1_000) });
    const epochs = 400;
    const started = await api<{ id: string }>(first, 'POST', '/api/v1/training-runs', {
      json: { dataset: upload.body.id, target: 'y', task: 'classification', trainer: 'mlp', params: { hidden: [32], epochs, patience: 0 }, model: 'synth-restart' },
    });
    expect(started.status).toBe(202);
    const id = started.body.id;
    const get = async (h: Hub) => (await api<Run>(h, 'GET', `/api/v1/training-runs/${id}`)).body;
    await expect.poll(async () => (await get(first)).epochs.length, { timeout: 20_000, interval: 50 }).toBeGreaterThan(0);
    const before = await get(first);
    expect(before.status).toBe('running');
    expect(before.epochs.length).toBeLessThan(epochs);
    await first.close();

    const second = await testHub(dir.path);
    hub = second;
    await expect.poll(async () => (await get(second)).status, { timeout: 60_000, interval: 100 }).toBe('succeeded');
    const after = await get(second);
    expect(after.epochs).toHaveLength(epochs);
    expect(after.resultVersion).toEqual({ model: 'synth-restart', version: '1' });
    const logs = (await api<{ logs: Array<{ message: string }> }>(second, 'GET', `/api/v1/training-runs/${id}/logs`)).body.logs.map((l) => l.message);
    // The first hub gave its claim back on close; the second (the same replica id: this host) claimed the run again.
    expect(logs.filter((m) => m.startsWith('hub shutting down: run interrupted on '))).toHaveLength(1);
    expect(logs.filter((m) => m.startsWith('run resumed on ') && m.endsWith('(claim 2): the replica running it stopped; restarted from the start (same seed, same result)'))).toHaveLength(1);
    expect(logs.filter((m) => m.startsWith('run started'))).toHaveLength(1);
  }, 90_000);
});
