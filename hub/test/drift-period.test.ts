/**
 * A drift period shorter than an hour (issue 15 item 8: EDGEFLEET_DRIFT_PERIOD_S), so a drift
 * alert can be seen within a session: its configuration (allowed values, a clear error
 * otherwise), the job's schedule that follows it, and on a real hub with a 60 s period and a
 * controlled clock, devices publishing drifted windows over MQTT: statistics are bucketed per
 * minute, only complete periods are evaluated, an alert opens once a drifted period has closed,
 * and persistence ("2 of the last 3") counts periods, as it counts hours by default; restarted
 * with the hourly default, the minute buckets count as the hour they fall in.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { statsTopic, type ReferenceProfile, type ReleaseManifest, type StatsWindow } from '@edgefleet/protocol';
import type { Hub } from '../src/index';
import { hubOptionsFromEnv } from '../src/config';
import { DRIFT_PERIODS_S, driftScheduleFor, periodStart, windowOf } from '../src/core/drift';
import { createRandom } from '../src/core/training/random';
import { until } from '../../test/support/process';
import { api, connectDevice, enrol, makeTempDir, testHub, type TempDir } from './support';
import { syntheticCsv } from './training/synthetic';

const MODEL = 'period-cls';
const VERSION = '1.0.0';
const PERIOD_S = 60;
const T0 = Date.parse('2026-11-21T09:00:00.000Z');
const DEVICES = ['dp-a', 'dp-b', 'dp-c'];

type JobRun = { ok: boolean; result: unknown; error?: string };
type Evaluation = { model: string; version: string; severity: string | null; signals: { name: string; reasons: string[] }[]; alert: { id: string; action: string; status: string } | null };
type Job = { name: string; schedule: string };

describe('EDGEFLEET_DRIFT_PERIOD_S', () => {
  it('takes whole minutes that divide an hour, and says which when given anything else', () => {
    expect(hubOptionsFromEnv({ EDGEFLEET_DRIFT_PERIOD_S: '60' })).toEqual({ dataDir: './data', driftPeriodS: 60 });
    expect(hubOptionsFromEnv({ EDGEFLEET_DRIFT_PERIOD_S: '3600' }).driftPeriodS).toBe(3600);
    expect(DRIFT_PERIODS_S).toEqual([60, 120, 180, 240, 300, 360, 600, 720, 900, 1200, 1800, 3600]);
    for (const bad of ['45', '90', '7200', '0', 'hourly']) {
      expect(() => hubOptionsFromEnv({ EDGEFLEET_DRIFT_PERIOD_S: bad }), bad).toThrow('EDGEFLEET_DRIFT_PERIOD_S: must be one of 60, 120, 180, 240, 300, 360, 600, 720, 900, 1200, 1800, 3600 (whole minutes that divide an hour)');
    }
  });

  it('buckets by period and schedules the job just after each period closes', () => {
    expect(periodStart('2026-11-21T09:07:42.500Z', 60)).toBe('2026-11-21T09:07:00.000Z');
    expect(periodStart('2026-11-21T09:07:42.500Z', 300)).toBe('2026-11-21T09:05:00.000Z');
    expect(periodStart('2026-11-21T09:07:42.500Z')).toBe('2026-11-21T09:00:00.000Z');
    expect(driftScheduleFor(3600)).toBe('5 * * * *');
    expect(driftScheduleFor(60)).toBe('15 * * * * *');
    expect(driftScheduleFor(900)).toBe('15 */15 * * * *');
  });

  it("is the drift job's schedule on a hub that was not given one", async () => {
    const dir = await makeTempDir();
    const hub = await testHub(dir.path, { driftPeriodS: 300 });
    try {
      const { body } = await api<{ jobs: Job[] }>(hub, 'GET', '/api/v1/jobs');
      expect(body.jobs.find((j) => j.name === 'drift-evaluation')?.schedule).toBe('15 */5 * * * *');
    } finally {
      await hub.close();
      await dir.remove();
    }
  });
});

describe('a hub with a 60 s drift period', () => {
  let dir: TempDir;
  let hub: Hub;
  let clock = T0 + 5_000;
  let reference: ReferenceProfile;
  let sha256 = '';
  const clients: Record<string, MqttClient> = {};
  let counter = 0;

  const at = (minute: number, second: number): number => T0 + minute * 60_000 + second * 1000;
  const runJob = async (name: string): Promise<unknown> => {
    const reply = await api<JobRun>(hub, 'POST', `/api/v1/jobs/${name}/run`);
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(reply.body.ok, reply.body.error).toBe(true);
    return reply.body.result;
  };
  const evaluations = async (): Promise<{ until: string; periodS: number; versions: Evaluation[] }> => (await runJob('drift-evaluation')) as { until: string; periodS: number; versions: Evaluation[] };
  const received = async (): Promise<number> => (await api<{ ingest: { received: Record<string, number> } }>(hub, 'GET', '/api/v1/broker/stats')).body.ingest.received.stats ?? 0;

  /** Every device publishes one 300-row window in `minute`, x1 shifted by `shift` sd. */
  const publishMinute = async (minute: number, shift: number): Promise<void> => {
    clock = at(minute, 50);
    const before = await received();
    for (const device of DEVICES) {
      const random = createRandom(2000 + ++counter);
      const numeric = reference.features.map((_, i) => Array.from({ length: 300 }, (_v, row) => (i === 0 && row % 17 === 0 ? Number.NaN : random.gaussian() + (i === 0 ? shift : 0))));
      const window: StatsWindow = { ...windowOf(reference, { device, numeric, windowStart: new Date(at(minute, 10)).toISOString() }), msgId: `period-${device}-${counter}`, model: MODEL, version: VERSION, sha256, windowEnd: new Date(at(minute, 40)).toISOString() };
      await (clients[device] as MqttClient).publishAsync(statsTopic(device), JSON.stringify(window), { qos: 1 });
    }
    await expect.poll(received).toBe(before + DEVICES.length);
  };

  beforeAll(async () => {
    dir = await makeTempDir();
    // The schedule is taken out of the way (first of January): the test runs the job itself.
    hub = await testHub(dir.path, { now: () => new Date(clock), driftPeriodS: PERIOD_S, driftSchedule: '0 0 1 1 *' });
    const dataset = await api<{ id: string }>(hub, 'POST', '/api/v1/datasets?name=period-synth', { bytes: syntheticCsv(600) });
    expect(dataset.status).toBe(201);
    const run = await api<{ id: string }>(hub, 'POST', '/api/v1/training-runs', { json: { dataset: dataset.body.id, target: 'y', task: 'classification', trainer: 'linear', features: ['x1', 'x2'], model: MODEL, version: VERSION } });
    expect(run.status, JSON.stringify(run.body)).toBe(202);
    await until(
      async () => {
        const current = (await api<{ status: string }>(hub, 'GET', `/api/v1/training-runs/${run.body.id}`)).body;
        if (current.status === 'failed' || current.status === 'cancelled') throw new Error(`training run ${current.status}`);
        return current.status === 'succeeded' ? current : undefined;
      },
      'the training run',
      60_000,
    );
    const version = await api<{ sha256: string; manifest: ReleaseManifest }>(hub, 'GET', `/api/v1/models/${MODEL}/versions/${VERSION}`);
    sha256 = version.body.sha256;
    if (!version.body.manifest.reference) throw new Error('trained version has no reference profile');
    reference = version.body.manifest.reference;
    for (const id of DEVICES) clients[id] = await connectDevice(hub, id, await enrol(hub, id));
  }, 120_000);

  afterAll(async () => {
    for (const client of Object.values(clients)) client.end(true);
    await hub?.close();
    await dir?.remove();
  });

  it('evaluates only complete periods: data of the current minute waits', async () => {
    await publishMinute(0, 1.5);
    clock = at(0, 55);
    const result = await evaluations();
    expect(result).toMatchObject({ until: new Date(at(0, 0)).toISOString(), periodS: PERIOD_S });
    expect(result.versions.filter((v) => v.model === MODEL)).toEqual([]);
  });

  it('opens a drift alert naming the shifted feature once its period closed, and finds it persisting over the next', async () => {
    clock = at(1, 15);
    // A 1.5 sd shift is far past the drift threshold: Page-Hinkley alarms on the first complete period.
    const first = (await evaluations()).versions.find((v) => v.model === MODEL);
    expect(first?.severity).toBe('drift');
    expect(first?.signals.map((s) => s.name)).toEqual(['x1']);
    expect(first?.signals[0]?.reasons).toEqual([expect.stringMatching(/^Page-Hinkley on the merged drift score per 60 s period: /)]);
    expect(first?.alert).toMatchObject({ action: 'open', status: 'open' });
    const { body } = await api<{ alerts: { id: string; status: string; signals: string[] }[] }>(hub, 'GET', `/api/v1/alerts?status=open&model=${MODEL}`);
    expect(body.alerts).toEqual([expect.objectContaining({ id: first?.alert?.id, status: 'open', signals: ['x1'] })]);

    await publishMinute(1, 1.5);
    clock = at(2, 15);
    const second = (await evaluations()).versions.find((v) => v.model === MODEL);
    expect(second?.severity).toBe('drift');
    expect(second?.signals[0]?.reasons).toContain('drift in 2 of the last 3 60 s periods (alarm at 2)');
    expect(second?.alert).toEqual({ id: first?.alert?.id, action: 'update', status: 'open' });
  });

  it('keeps statistics per minute: the drift view lists each period, and the merged view still sums them', async () => {
    const range = `from=${encodeURIComponent(new Date(at(0, 0)).toISOString())}&to=${encodeURIComponent(new Date(at(2, 0)).toISOString())}`;
    const drift = await api<{ windows: number; hours: { hour: string; devices: number; verdict: string }[] }>(hub, 'GET', `/api/v1/models/${MODEL}/versions/${VERSION}/drift?${range}`);
    expect(drift.status, JSON.stringify(drift.body)).toBe(200);
    expect(drift.body.hours.map((h) => [h.hour, h.devices])).toEqual([
      [new Date(at(0, 0)).toISOString(), 3],
      [new Date(at(1, 0)).toISOString(), 3],
    ]);
    expect(drift.body.windows).toBe(6);
    const stats = await api<{ windows: number; merged: { n: number } | null }>(hub, 'GET', `/api/v1/models/${MODEL}/versions/${VERSION}/stats?${range}`);
    expect(stats.body).toMatchObject({ windows: 6, merged: { n: 1800 } });
  });

  it('counts those minutes as one hour once the hub runs hourly again (EDGEFLEET_DRIFT_PERIOD_S unset)', async () => {
    await hub.close();
    clock = at(65, 0);
    hub = await testHub(dir.path, { now: () => new Date(clock), driftSchedule: '0 0 1 1 *' });
    const result = await evaluations();
    expect(result).toMatchObject({ until: new Date(at(60, 0)).toISOString(), periodS: 3600 });
    // Minute buckets of 09:00 and 09:01 are one hour of the three devices, not two overlapping
    // "hours" (09:00-10:00 and 09:01-10:01) that would count the same windows twice.
    const hourly = result.versions.find((v) => v.model === MODEL);
    expect(hourly).toMatchObject({ latestHour: new Date(T0).toISOString(), severity: 'drift', alert: { action: 'update', status: 'open' } });
    expect(hourly?.signals.map((s) => s.reasons)).toEqual([[expect.stringMatching(/^Page-Hinkley on the merged drift score per hour: /)]]);
    const { body } = await api<{ alerts: { evidence: { hours: unknown[] } }[] }>(hub, 'GET', `/api/v1/alerts?status=open&model=${MODEL}`);
    expect(body.alerts.map((a) => a.evidence.hours)).toEqual([[{ hour: new Date(T0).toISOString(), devices: 3, n: 1800, verdict: 'drift', drifting: ['x1'] }]]);
    // The drift view lists them as that one hour too.
    const range = `from=${encodeURIComponent(new Date(at(0, 0)).toISOString())}&to=${encodeURIComponent(new Date(at(60, 0)).toISOString())}`;
    const drift = await api<{ windows: number; hours: { hour: string; devices: number; n: number }[] }>(hub, 'GET', `/api/v1/models/${MODEL}/versions/${VERSION}/drift?${range}`);
    expect(drift.body.hours.map((h) => [h.hour, h.devices, h.n])).toEqual([[new Date(T0).toISOString(), 3, 1800]]);
  });
});
