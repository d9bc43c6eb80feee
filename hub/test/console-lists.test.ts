/**
 * ISSUE 13 (console: drift, alerts, audit, webhooks): the API additions the console pages read.
 * The drift view of a version carries each feature's reference and current counts on the same
 * bins and an hour-by-hour verdict for the scope asked (device, ring); the audit trail and the
 * webhook notifications come a page at a time (limit, cursor) with filters; an alert's evidence
 * is the drift job's report.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { statsTopic, type ReferenceProfile, type ReleaseManifest, type StatsWindow } from '@edgefleet/protocol';
import type { Hub } from '../src/index';
import { windowOf } from '../src/core/drift';
import { createRandom } from '../src/core/training/random';
import { until } from '../../test/support/process';
import { api, connectDevice, makeTempDir, testHub, type TempDir } from './support';
import { syntheticCsv } from './training/synthetic';

const MODEL = 'lists-cls';
const VERSION = '1.0.0';
const HOUR0 = Date.parse('2026-11-21T00:00:00.000Z');
const ROWS = 600;

interface Distribution {
  name: string;
  kind: string;
  bins: string[];
  reference: number[];
  current: number[];
}
interface Hour {
  hour: string;
  devices: number;
  n: number;
  verdict: string;
  drifting: string[];
}
interface DriftView {
  verdict: string;
  devices: number;
  report: { drifting: string[]; features: { name: string; verdict: string; statistics: Record<string, number> }[]; ood: { statistics: Record<string, number> } | null } | null;
  distributions: Distribution[];
  hours: Hour[];
}
interface AuditPage {
  entries: { id: number; action: string; subject: string; actor: string }[];
  nextCursor: string | null;
}
interface NotificationPage {
  notifications: { id: number; kind: string; status: string }[];
  nextCursor: string | null;
}

describe('console lists and drift detail', () => {
  let dir: TempDir;
  let hub: Hub;
  let clock = HOUR0 + 30 * 60_000;
  let reference: ReferenceProfile;
  let sha256 = '';
  const clients: Record<string, MqttClient> = {};
  let counter = 0;
  const at = (hour: number, minute: number): number => HOUR0 + hour * 3_600_000 + minute * 60_000;
  const drift = async (query: string): Promise<DriftView> => {
    const reply = await api<DriftView>(hub, 'GET', `/api/v1/models/${MODEL}/versions/${VERSION}/drift?${query}`);
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    return reply.body;
  };
  const received = async (): Promise<number> => (await api<{ ingest: { received: Record<string, number> } }>(hub, 'GET', '/api/v1/broker/stats')).body.ingest.received.stats ?? 0;

  /** One window of ROWS rows in `hour` from `device`, x1 shifted by `shift` sd. */
  const publish = async (device: string, hour: number, shift: number): Promise<void> => {
    const before = await received();
    const random = createRandom(500 + ++counter);
    // Like the training CSV, x1 is missing in every 17th row (a changed missing rate is drift too).
    const numeric = reference.features.map((_, i) => Array.from({ length: ROWS }, (_v, row) => (i === 0 && row % 17 === 0 ? Number.NaN : random.gaussian() + (i === 0 ? shift : 0))));
    const window: StatsWindow = { ...windowOf(reference, { device, numeric, windowStart: new Date(at(hour, 10)).toISOString() }), msgId: `lists-${device}-${counter}`, model: MODEL, version: VERSION, sha256, windowEnd: new Date(at(hour, 20)).toISOString() };
    await (clients[device] as MqttClient).publishAsync(statsTopic(device), JSON.stringify(window), { qos: 1 });
    await expect.poll(received).toBe(before + 1);
  };

  beforeAll(async () => {
    dir = await makeTempDir();
    hub = await testHub(dir.path, { now: () => new Date(clock) });
    const dataset = await api<{ id: string }>(hub, 'POST', '/api/v1/datasets?name=lists-synth', { bytes: syntheticCsv(600) });
    expect(dataset.status).toBe(201);
    const run = await api<{ id: string }>(hub, 'POST', '/api/v1/training-runs', { json: { dataset: dataset.body.id, target: 'y', task: 'classification', trainer: 'linear', features: ['x1', 'x2'], model: MODEL, version: VERSION } });
    expect(run.status, JSON.stringify(run.body)).toBe(202);
    await until(async () => {
      const status = (await api<{ status: string }>(hub, 'GET', `/api/v1/training-runs/${run.body.id}`)).body.status;
      if (status === 'failed' || status === 'cancelled') throw new Error(`training run ${status}`);
      return status === 'succeeded' ? status : undefined;
    }, 'training run', 60_000);
    const version = await api<{ sha256: string; manifest: ReleaseManifest }>(hub, 'GET', `/api/v1/models/${MODEL}/versions/${VERSION}`);
    sha256 = version.body.sha256;
    if (!version.body.manifest.reference) throw new Error('trained version has no reference profile');
    reference = version.body.manifest.reference;
    for (const [id, ring] of [['calm', 'ring-a'], ['shifted', 'ring-b']] as const) {
      const enrolled = await api<{ secret: string }>(hub, 'POST', '/api/v1/devices', { json: { id, ring } });
      expect(enrolled.status).toBe(201);
      clients[id] = await connectDevice(hub, id, enrolled.body.secret);
    }
  }, 120_000);

  afterAll(async () => {
    for (const client of Object.values(clients)) client.end(true);
    await hub?.close();
    await dir?.remove();
  });

  it("gives each feature's reference and current counts on the reference's bins, and the verdict hour by hour, per device and ring", async () => {
    for (const hour of [0, 1]) {
      clock = at(hour, 40);
      await publish('calm', hour, 0);
      await publish('shifted', hour, 2);
    }
    clock = at(2, 5);
    const range = `from=${encodeURIComponent(new Date(HOUR0).toISOString())}`;
    const shifted = await drift(`device=shifted&${range}`);
    expect(shifted.verdict).toBe('drift');
    expect(shifted.report?.drifting).toContain('x1');
    expect(shifted.distributions.map((d) => d.name)).toEqual(reference.features.map((f) => f.name));
    reference.features.forEach((feature, i) => {
      const d = shifted.distributions[i] as Distribution;
      if (feature.kind !== 'numeric') throw new Error('synthetic features are numeric');
      // [underflow, bins..., overflow, missing], the reference's own counts beside the device's.
      expect(d.bins).toHaveLength(feature.bins.counts.length + 3);
      expect(d.reference).toEqual([feature.bins.underflow, ...feature.bins.counts, feature.bins.overflow, feature.bins.missing]);
      expect(d.current.reduce((a, b) => a + b, 0)).toBe(2 * ROWS);
    });
    // The shifted feature's mass moved up the bins: more of it beyond the reference's top bins.
    const x1 = shifted.distributions[0] as Distribution;
    const upperShare = (counts: number[]): number => counts.slice(Math.floor(counts.length / 2), -1).reduce((a, b) => a + b, 0) / counts.reduce((a, b) => a + b, 0);
    expect(upperShare(x1.current)).toBeGreaterThan(upperShare(x1.reference) + 0.2);
    expect(shifted.hours).toEqual([
      { hour: new Date(at(0, 0)).toISOString(), devices: 1, n: ROWS, verdict: 'drift', drifting: expect.arrayContaining(['x1']) },
      { hour: new Date(at(1, 0)).toISOString(), devices: 1, n: ROWS, verdict: 'drift', drifting: expect.arrayContaining(['x1']) },
    ]);

    const calm = await drift(`ring=ring-a&${range}`);
    expect(calm.verdict).toBe('ok');
    expect(calm.devices).toBe(1);
    expect(calm.hours.map((h) => h.verdict)).toEqual(['ok', 'ok']);
    const fleet = await drift(range);
    expect(fleet.hours.map((h) => h.devices)).toEqual([2, 2]);
    expect((fleet.distributions[1] as Distribution).current.reduce((a, b) => a + b, 0)).toBe(4 * ROWS);
  });

  it("an alert's evidence is the drift job's report; notifications come a page at a time", async () => {
    const run = await api<{ ok: boolean; error?: string }>(hub, 'POST', '/api/v1/jobs/drift-evaluation/run');
    expect(run.body.ok, run.body.error).toBe(true);
    const { alerts } = (await api<{ alerts: { id: string; evidence: { latestHour: string; signals: { name: string; devices: string[] }[]; hours: Hour[] } }[] }>(hub, 'GET', `/api/v1/alerts?model=${MODEL}`)).body;
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.evidence.signals.map((s) => s.name)).toContain('x1');
    expect(alerts[0]?.evidence.signals.find((s) => s.name === 'x1')?.devices).toEqual(['shifted']);
    expect(alerts[0]?.evidence.hours).toHaveLength(2);

    // A second notification: a rollout of the version, aborted.
    const rollout = await api<{ id: string }>(hub, 'POST', '/api/v1/rollouts', { json: { model: MODEL, version: VERSION } });
    expect(rollout.status, JSON.stringify(rollout.body)).toBe(201);
    expect((await api(hub, 'POST', `/api/v1/rollouts/${rollout.body.id}/abort`, { json: {} })).status).toBe(200);

    const all = (await api<NotificationPage>(hub, 'GET', '/api/v1/notifications')).body;
    expect(all.notifications.map((n) => n.kind)).toEqual(['rollout.aborted', 'alert.opened']);
    expect(all.nextCursor).toBeNull();
    const first = (await api<NotificationPage>(hub, 'GET', '/api/v1/notifications?limit=1')).body;
    expect(first.notifications.map((n) => n.kind)).toEqual(['rollout.aborted']);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = (await api<NotificationPage>(hub, 'GET', `/api/v1/notifications?limit=1&cursor=${first.nextCursor}`)).body;
    expect(second).toEqual({ notifications: [expect.objectContaining({ kind: 'alert.opened', status: 'skipped' })], nextCursor: null });
    expect((await api<NotificationPage>(hub, 'GET', '/api/v1/notifications?status=delivered')).body.notifications).toEqual([]);
    expect((await api(hub, 'GET', '/api/v1/notifications?cursor=abc')).status).toBe(400);
  });

  it('pages the audit trail newest first with a cursor, filtered by action prefix, actor and subject', async () => {
    const whole = (await api<AuditPage>(hub, 'GET', '/api/v1/audit?limit=1000')).body;
    expect(whole.nextCursor).toBeNull();
    expect(whole.entries.length).toBeGreaterThan(4);
    const ids: number[] = [];
    let cursor: string | null = null;
    do {
      const page: AuditPage = (await api<AuditPage>(hub, 'GET', `/api/v1/audit?limit=2${cursor ? `&cursor=${cursor}` : ''}`)).body;
      expect(page.entries.length).toBeLessThanOrEqual(2);
      ids.push(...page.entries.map((e) => e.id));
      cursor = page.nextCursor;
    } while (cursor !== null);
    // Every row once, in the same order as the whole list.
    expect(ids).toEqual(whole.entries.map((e) => e.id));

    const enrolments = (await api<AuditPage>(hub, 'GET', '/api/v1/audit?action=device.enrolled')).body.entries;
    expect(enrolments.map((e) => `${e.action} ${e.subject}`)).toEqual(['device.enrolled device:shifted', 'device.enrolled device:calm']);
    const deviceRows = (await api<AuditPage>(hub, 'GET', '/api/v1/audit?action=device.')).body.entries;
    expect(new Set(deviceRows.map((e) => e.action.split('.')[0]))).toEqual(new Set(['device']));
    expect(deviceRows.length).toBeGreaterThan(enrolments.length);
    // A prefix, not a pattern: `_` and `%` are plain characters, and case counts.
    expect((await api<AuditPage>(hub, 'GET', '/api/v1/audit?action=device%25')).body.entries).toEqual([]);
    expect((await api<AuditPage>(hub, 'GET', '/api/v1/audit?action=DEVICE.')).body.entries).toEqual([]);
    const byJob = (await api<AuditPage>(hub, 'GET', `/api/v1/audit?actor=${encodeURIComponent('job:drift-evaluation')}`)).body.entries;
    expect(byJob.map((e) => e.action)).toEqual(['alert.opened']);
    const bySubject = (await api<AuditPage>(hub, 'GET', '/api/v1/audit?subject=device%3Acalm&action=device.enrolled')).body.entries;
    expect(bySubject).toHaveLength(1);
    expect((await api(hub, 'GET', '/api/v1/audit?cursor=-1')).status).toBe(400);
  });
});
