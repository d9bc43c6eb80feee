/**
 * ISSUE 13 (overview): GET /api/v1/overview gives the fleet at a glance. With an enrolled fleet
 * of which one device is decommissioned, one connected device that reports running a version,
 * and the audit trail of it all: devices in service online and offline, the version in service,
 * no rollout or alert yet, the latest audit entries newest first; admin only.
 */
import { readFile } from 'node:fs/promises';
import { stateTopic } from '@edgefleet/protocol';
import { describe, expect, it } from 'vitest';
import type { Hub } from '../src/index';
import { api, connectDevice, report, SILERO_PROBE, SILERO_V5, useTestHub } from './support';

describe('overview', () => {
  let hub: Hub;
  useTestHub((started) => (hub = started.hub));

  it('sums up the fleet, versions in service, rollouts, alerts and the latest audit entries', async () => {
    expect((await api(hub, 'GET', '/api/v1/overview', { token: null })).status).toBe(401);
    expect((await api(hub, 'POST', `/api/v1/models/vad/versions?version=1&probe=${SILERO_PROBE}`, { bytes: new Uint8Array(await readFile(SILERO_V5)) })).status).toBe(201);
    const secrets = new Map<string, string>();
    for (const id of ['ov-1', 'ov-2', 'ov-3']) secrets.set(id, (await api<{ secret: string }>(hub, 'POST', '/api/v1/devices', { json: { id } })).body.secret);
    expect((await api(hub, 'DELETE', '/api/v1/devices/ov-3')).status).toBe(200);
    const device = await connectDevice(hub, 'ov-1', secrets.get('ov-1') as string);
    try {
      // Acknowledged once the hub committed it (CONTRACT).
      await device.publishAsync(stateTopic('ov-1'), JSON.stringify(report('ov-1', { seq: 1, phase: 'serving', active: { model: 'vad', version: '1', sha256: 'a'.repeat(64) } })), { qos: 1 });
      const seen = (await api<Record<string, unknown>>(hub, 'GET', '/api/v1/overview')).body;
      expect(seen).toMatchObject({
        devices: { inService: 2, online: 1, offline: 1 },
        versions: [{ model: 'vad', version: '1', devices: 1 }],
        runningNothing: 1,
        rollouts: [],
        alerts: { open: 0, latest: [] },
      });
      // A rollout that is still acting shows with its step and its devices by status.
      const rollout = await api<{ id: string; plan: { steps: unknown[] } }>(hub, 'POST', '/api/v1/rollouts', { json: { model: 'vad', version: '1' } });
      expect(rollout.status, JSON.stringify(rollout.body)).toBe(201);
      const withRollout = (await api<{ rollouts: Array<{ id: string; state: string; step: number; steps: number; devices: Record<string, number> }> }>(hub, 'GET', '/api/v1/overview')).body;
      expect(withRollout.rollouts).toEqual([{ id: rollout.body.id, model: 'vad', version: '1', state: 'running', step: expect.any(Number), steps: rollout.body.plan.steps.length, devices: expect.any(Object) }]);
      expect(Object.values(withRollout.rollouts[0]?.devices ?? {}).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
      const audit = seen.audit as Array<{ id: number; action: string; subject: string }>;
      expect(audit.map((a) => a.id)).toEqual([...audit.map((a) => a.id)].sort((a, b) => b - a));
      expect(audit.some((a) => a.action === 'device.decommissioned' && a.subject === 'device:ov-3')).toBe(true);
    } finally {
      device.end(true);
    }
  });
});
