/**
 * The hub in a child process (src/hub-process/) that the lean CLI and the fleet benchmark drive:
 * given a hub started on ephemeral ports, its usage counts a connected device and gc answers;
 * after a clean restart and after a SIGKILL and a start, it listens on the same ports with the
 * same data dir (the device enrolled before is still there); a stop ends its process, and stop
 * and kill are then no-ops.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync } from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { devicesSchema } from '../src/demo/api';
import { HubProcess } from '../src/hub-process';
import { AdminApi, enrolDevices } from '../src/lean/hub-api';

describe('hub process', { timeout: 120_000 }, () => {
  let dir = '';
  let started: HubProcess | null = null;

  afterAll(async () => {
    await started?.kill();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('starts on ephemeral ports, measures, restarts and comes back after a kill on the same ports and data dir, and stops', async () => {
    dir = await mkdtemp(join(tmpdir(), 'edgefleet-hub-process-'));
    const hub = new HubProcess({ dataDir: dir, adminToken: 'hub-process-test-admin-token', log: 'silent' });
    started = hub;
    expect(() => hub.httpUrl).toThrow(/not started/);
    await hub.start();
    const { httpUrl, mqttUrl, httpPort, mqttPort } = hub;
    expect(httpPort).toBeGreaterThan(0);
    expect(mqttPort).toBeGreaterThan(0);
    expect(httpUrl).toBe(`http://127.0.0.1:${httpPort}`);
    const api = new AdminApi(hub);
    const secrets = await enrolDevices(api, [{ id: 'hp-1', ring: 'main' }]);

    const client = await connectAsync(mqttUrl, { clientId: 'hp-1', username: 'hp-1', password: secrets.get('hp-1') ?? '', reconnectPeriod: 0 });
    try {
      let usage = await hub.usage();
      for (let tries = 0; usage.connections !== 1 && tries < 50; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        usage = await hub.usage();
      }
      expect(usage.connections).toBe(1);
      expect(usage.rssBytes).toBeGreaterThan(0);
      expect(usage.cpuMicros).toBeGreaterThan(0);
    } finally {
      await client.endAsync();
    }
    await hub.gc();

    await hub.restart();
    expect([hub.httpUrl, hub.mqttUrl]).toEqual([httpUrl, mqttUrl]);
    expect((await api.get('/api/v1/devices', devicesSchema)).devices.map((d) => d.id)).toEqual(['hp-1']);

    await hub.kill();
    expect(hub.running).toBe(false);
    await expect(hub.usage()).rejects.toThrow(/not running/);
    await hub.start();
    expect([hub.httpUrl, hub.mqttUrl]).toEqual([httpUrl, mqttUrl]);
    expect((await api.get('/api/v1/devices', devicesSchema)).devices.map((d) => d.id)).toEqual(['hp-1']);

    await hub.stop();
    expect(hub.running).toBe(false);
    await expect(fetch(`${httpUrl}/api/v1/devices`)).rejects.toThrow();
    await hub.stop();
    await hub.kill();
  });
});
