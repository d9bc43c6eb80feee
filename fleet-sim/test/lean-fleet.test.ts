/**
 * Lean mode against a real hub (in-process, temp data dir, ephemeral ports), real MQTT and HTTP:
 * given 50 lean devices in two child processes, when they are pinned to a trained version, then
 * they verify its doc and manifest, download it once per process, serve it and report so; and
 * the statistics windows they send, across network churn and agent crashes, are stored by the
 * hub exactly once (what the devices had acknowledged equals what the hub counted).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHub, type Hub } from '@edgefleet/hub';
import { devicesSchema } from '../src/demo/api';
import { AdminApi, enrolDevices, pinDevices, putRings, statsViewSchema, trainMachineVersion } from '../src/lean/hub-api';
import { LeanFleet } from '../src/lean/lean-fleet';
import type { LeanDeviceSpec } from '../src/lean/device-types';

const MODEL = 'lean-machine';
const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value)?.slice(0, 1000)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('lean fleet: 50 devices in 2 processes against a real hub', { timeout: 120_000 }, () => {
  let dir = '';
  let hub: Hub;
  let api: AdminApi;
  let fleet: LeanFleet | null = null;
  let devices: LeanDeviceSpec[] = [];
  const since = new Date(Date.now() - 3_600_000).toISOString();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'edgefleet-lean-'));
    hub = await startHub({ dataDir: dir, httpPort: 0, mqttPort: 0, host: '127.0.0.1', adminToken: 'lean-test-admin-token', statsIntervalS: 1, logger: quiet });
    api = new AdminApi(hub);
    await putRings(api, ['canary', 'main']);
    const layout = Array.from({ length: 50 }, (_, i) => ({ id: `lean-${String(i).padStart(2, '0')}`, ring: i < 5 ? 'canary' : 'main' }));
    const [secrets] = await Promise.all([enrolDevices(api, layout), trainMachineVersion(api, { model: MODEL, version: '1' })]);
    devices = layout.map((d, i) => ({ ...d, secret: secrets.get(d.id) ?? '', group: 'default', seed: 100 + i }));
    fleet = await LeanFleet.start({
      hubUrl: hub.httpUrl,
      devices,
      maxDevicesPerProcess: 25,
      groups: { default: { rowsPerSecond: 20 } },
      options: { reconnectMs: 200, retry: { baseMs: 50, maxMs: 500, maxAttempts: 3 } },
    });
  }, 120_000);

  afterAll(async () => {
    await fleet?.close();
    await hub?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('connects, verifies and installs a pinned version once per process, and reports serving it', async () => {
    const lean = fleet as LeanFleet;
    expect(lean.processes).toBe(2);
    await lean.connect(500);
    await lean.waitFor((all) => all.every((d) => d.connected), 'all 50 connected', 30_000);
    const pinnedAt = Date.now();
    await pinDevices(api, devices.map((d) => d.id), MODEL, '1');
    const serving = await lean.waitFor((all) => all.every((d) => d.phase === 'serving' && d.active?.version === '1'), 'all 50 serving 1', 30_000);
    expect(serving.map((d) => d.error)).toEqual(devices.map(() => null));

    // The hub sees it too, from the devices' reports.
    const view = await until(() => api.get('/api/v1/devices', devicesSchema), (v) => v.devices.filter((d) => d.state?.phase === 'serving' && d.state.active?.version === '1').length === 50, 'the hub to see 50 serving');
    expect(view.devices.every((d) => d.online)).toBe(true);

    // Shared per process: one config, one manifest and one artifact fetch in each of the two.
    const tally = await lean.tally();
    expect(tally.fetches).toMatchObject({ config: 2, releases: 2, artifacts: 2 });
    expect(tally.counters['rejected:E_SIG_INVALID'] ?? 0).toBe(0);

    // Timings: every device has the seq it was pinned with, received after the pin and served after that.
    const timings = await lean.timings();
    for (const t of timings) {
      const seq = t.seqs.find((s) => s.version === '1');
      expect(seq, t.id).toBeDefined();
      expect(seq?.receivedAt).toBeGreaterThanOrEqual(pinnedAt - 1000);
      expect(seq?.servingAt).toBeGreaterThanOrEqual(seq?.acceptedAt ?? Infinity);
      expect(t.sessions[0]?.connectedAt).not.toBeNull();
    }
  });

  it('sends statistics windows the hub stores exactly once, across churn and agent crashes', async () => {
    const lean = fleet as LeanFleet;
    const ids = devices.map((d) => d.id);
    await until(() => lean.tally(), (t) => (t.versions[`${MODEL}@1`]?.acked.windows ?? 0) >= 100, '100 windows acknowledged');
    // Ten devices lose the network for a second; five agents crash and restart.
    expect(await lean.apply({ kind: 'disconnect', ids: ids.slice(0, 10), downMs: 1_000 })).toBe(10);
    expect(await lean.apply({ kind: 'crash', ids: ids.slice(10, 15), downMs: 300 })).toBe(5);
    await lean.waitFor((all) => all.every((d) => d.connected && d.phase === 'serving'), 'all back and serving', 30_000);
    const before = (await lean.tally()).versions[`${MODEL}@1`]?.acked.windows ?? 0;
    await until(() => lean.tally(), (t) => (t.versions[`${MODEL}@1`]?.acked.windows ?? 0) >= before + 50, '50 more windows');

    // Close every window now, stop predicting, and wait until every outbox is empty.
    await lean.setStats(false, true);
    const drained = await until(() => lean.tally(), (t) => t.outbox.queued === 0, 'empty outboxes');
    const sent = drained.versions[`${MODEL}@1`];
    expect(sent).toBeDefined();
    // Nothing closed was lost on the way (a crash loses only its open window, never a closed one).
    expect(sent?.acked.rows).toBe(sent?.closed.rows);
    expect(drained.outbox.lost).toBe(0);

    const stats = await until(
      () => api.get(`/api/v1/models/${MODEL}/versions/1/stats?from=${encodeURIComponent(since)}`, statsViewSchema),
      (s) => s.windows >= (sent?.acked.windows ?? 0),
      'the hub to count every window',
    );
    expect({ windows: stats.windows, rows: stats.merged?.n, devices: stats.devices }).toEqual({ windows: sent?.acked.windows, rows: sent?.acked.rows, devices: 50 });
  });
});
