/**
 * The scheduled drift job end to end on a real hub with a controlled clock: devices publish
 * hourly windows over MQTT, the drift-evaluation job opens an alert naming the shifted feature
 * and posts it (signed, retried after a failure) to a real webhook; the continuous-training job
 * retrains on newer labelled data once, without deploying; quiet hours resolve the alert.
 */
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { statsTopic, type ReferenceProfile, type ReleaseManifest, type StatsWindow } from '@edgefleet/protocol';
import type { Hub } from '../src/index';
import { windowOf } from '../src/core/drift';
import { createRandom } from '../src/core/training/random';
import { until } from '../../test/support/process';
import { api, connectDevice, enrol, makeTempDir, testHub, type TempDir } from './support';
import { syntheticCsv } from './training/synthetic';

const MODEL = 'alert-cls';
const VERSION = '1.0.0';
const SECRET = 'webhook-secret-0123456789';
const HOUR0 = Date.parse('2026-11-20T00:00:00.000Z');
const DEVICES = ['al-a', 'al-b', 'al-c'];

interface Delivery {
  headers: Record<string, string | string[] | undefined>;
  body: string;
}
type JobRun = { ok: boolean; result: unknown; error?: string };
type VersionEvaluation = { model: string; version: string; severity: string | null; signals: { name: string; devices: string[]; reasons: string[] }[]; alert: { id: string; action: string; status: string } | null };
type Alert = { id: string; status: string; severity: string; signals: string[]; alarmingEvaluations: number; quietEvaluations: number; evidence: { signals: { name: string }[] } };
type Notification = { id: number; kind: string; status: string; attempts: number; lastError: string | null };
type Run = { id: string; status: string; trigger: { kind: string; alert: string; version: string } | null; resultVersion: { model: string; version: string } | null };

describe('drift alerts, webhook and continuous training', () => {
  let dir: TempDir;
  let hub: Hub;
  let clock = HOUR0 + 30 * 60_000;
  let reference: ReferenceProfile;
  let sha256 = '';
  let webhook: Server;
  const deliveries: Delivery[] = [];
  let failNext = 1;
  const clients: Record<string, MqttClient> = {};
  let counter = 0;

  const at = (hour: number, minute: number): number => HOUR0 + hour * 3_600_000 + minute * 60_000;
  const runJob = async (name: string): Promise<JobRun> => {
    const reply = await api<JobRun>(hub, 'POST', `/api/v1/jobs/${name}/run`);
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(reply.body.ok, reply.body.error).toBe(true);
    return reply.body;
  };
  const evaluate = async (): Promise<VersionEvaluation> => {
    const { result } = await runJob('drift-evaluation');
    const mine = (result as { versions: VersionEvaluation[] }).versions.find((v) => v.model === MODEL && v.version === VERSION);
    if (!mine) throw new Error(`no evaluation of ${MODEL}@${VERSION} in ${JSON.stringify(result)}`);
    return mine;
  };
  const received = async (): Promise<number> => (await api<{ ingest: { received: Record<string, number> } }>(hub, 'GET', '/api/v1/broker/stats')).body.ingest.received.stats ?? 0;
  const notifications = async (): Promise<Notification[]> => (await api<{ notifications: Notification[] }>(hub, 'GET', '/api/v1/notifications')).body.notifications;
  const waitForRun = (id: string): Promise<Run> =>
    until(
      async () => {
        const run = (await api<Run>(hub, 'GET', `/api/v1/training-runs/${id}`)).body;
        if (run.status === 'failed' || run.status === 'cancelled') throw new Error(`training run ${run.status}: ${JSON.stringify(run)}`);
        return run.status === 'succeeded' ? run : undefined;
      },
      `training run ${id}`,
      60_000,
    );

  /** Every device publishes one window of 600 rows starting in `hour`, x1 shifted by `shift` sd. */
  const publishHour = async (hour: number, shift: number): Promise<void> => {
    clock = at(hour, 50);
    const before = await received();
    for (const device of DEVICES) {
      const random = createRandom(1000 + ++counter);
      // Like the training CSV, x1 (feature 0) is missing in every 17th row: a missing rate that changes is drift too.
      const numeric = reference.features.map((_, i) => Array.from({ length: 600 }, (_v, row) => (i === 0 && row % 17 === 0 ? Number.NaN : random.gaussian() + (i === 0 ? shift : 0))));
      const window: StatsWindow = { ...windowOf(reference, { device, numeric, windowStart: new Date(at(hour, 10)).toISOString() }), msgId: `alert-${device}-${counter}`, model: MODEL, version: VERSION, sha256, windowEnd: new Date(at(hour, 20)).toISOString() };
      await (clients[device] as MqttClient).publishAsync(statsTopic(device), JSON.stringify(window), { qos: 1 });
    }
    await expect.poll(received).toBe(before + DEVICES.length);
  };

  beforeAll(async () => {
    webhook = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        if (failNext > 0) {
          failNext--;
          res.writeHead(503).end();
          return;
        }
        deliveries.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
    dir = await makeTempDir();
    hub = await testHub(dir.path, { now: () => new Date(clock), alertWebhookUrl: `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/hooks?token=abc`, alertWebhookSecret: SECRET });
    const dataset = await api<{ id: string }>(hub, 'POST', '/api/v1/datasets?name=alert-synth', { bytes: syntheticCsv(600) });
    expect(dataset.status).toBe(201);
    const run = await api<{ id: string }>(hub, 'POST', '/api/v1/training-runs', { json: { dataset: dataset.body.id, target: 'y', task: 'classification', trainer: 'linear', features: ['x1', 'x2'], model: MODEL, version: VERSION } });
    expect(run.status, JSON.stringify(run.body)).toBe(202);
    await waitForRun(run.body.id);
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
    await new Promise((resolve) => webhook?.close(resolve));
  });

  it('lists the scheduled jobs with their cron schedules', async () => {
    const { body } = await api<{ jobs: { name: string; schedule: string; nextRunAt: string | null }[] }>(hub, 'GET', '/api/v1/jobs');
    expect(body.jobs.map((j) => j.name).sort()).toEqual(['artifact-integrity', 'continuous-training', 'drift-evaluation', 'refresh-deployment-docs', 'rollout-controller', 'webhook-delivery']);
    expect(body.jobs.find((j) => j.name === 'drift-evaluation')?.schedule).toBe('5 * * * *');
    expect((await api(hub, 'POST', '/api/v1/jobs/no-such-job/run')).status).toBe(404);
    expect((await api(hub, 'POST', '/api/v1/jobs/Bad_Name/run')).status).toBe(400);
  });

  it('evaluates only complete hours: a version with data in the current hour only is not evaluated yet', async () => {
    await publishHour(0, 1.5);
    clock = at(0, 55);
    const { result } = await runJob('drift-evaluation');
    expect((result as { versions: VersionEvaluation[] }).versions.filter((v) => v.model === MODEL)).toEqual([]);
  });

  it('opens a drift alert naming the shifted feature once it persists, and posts it signed to the webhook after a retry', async () => {
    await publishHour(1, 1.5);
    clock = at(2, 5);
    const evaluation = await evaluate();
    expect(evaluation.severity).toBe('drift');
    expect(evaluation.signals.map((s) => s.name)).toEqual(['x1']);
    expect(evaluation.signals[0]?.devices).toEqual(DEVICES);
    expect(evaluation.alert).toMatchObject({ action: 'open', status: 'open' });

    const { body } = await api<{ alerts: Alert[] }>(hub, 'GET', `/api/v1/alerts?status=open&model=${MODEL}`);
    expect(body.alerts).toHaveLength(1);
    expect(body.alerts[0]).toMatchObject({ id: evaluation.alert?.id, severity: 'drift', signals: ['x1'], alarmingEvaluations: 1 });
    expect((await api<Alert>(hub, 'GET', `/api/v1/alerts/${evaluation.alert?.id}`)).body.evidence.signals.map((s) => s.name)).toEqual(['x1']);

    // The receiver answered 503 to the first attempt: the notification waits for its retry.
    await expect.poll(async () => (await notifications()).find((n) => n.kind === 'alert.opened')?.attempts).toBe(1);
    expect((await notifications()).find((n) => n.kind === 'alert.opened')).toMatchObject({ status: 'pending', lastError: 'HTTP 503' });
    expect((await runJob('webhook-delivery')).result).toEqual({ delivered: 0, retrying: 0, failed: 0 });
    clock = at(2, 7);
    expect((await runJob('webhook-delivery')).result).toEqual({ delivered: 1, retrying: 0, failed: 0 });
    const [delivery] = deliveries;
    if (!delivery) throw new Error('no delivery');
    expect(delivery.headers['x-edgefleet-event']).toBe('alert.opened');
    expect(delivery.headers['x-edgefleet-signature']).toBe(`sha256=${createHmac('sha256', SECRET).update(delivery.body).digest('hex')}`);
    expect(JSON.parse(delivery.body)).toMatchObject({ kind: 'alert.opened', data: { alert: evaluation.alert?.id, model: MODEL, version: VERSION, severity: 'drift', signals: ['x1'] } });
  });

  it('updates the open alert on the next evaluation without notifying again', async () => {
    const evaluation = await evaluate();
    expect(evaluation.alert).toMatchObject({ action: 'update', status: 'open' });
    const { body } = await api<{ alerts: Alert[] }>(hub, 'GET', `/api/v1/alerts?model=${MODEL}`);
    expect(body.alerts).toHaveLength(1);
    expect(body.alerts[0]?.alarmingEvaluations).toBe(2);
    expect((await notifications()).filter((n) => n.kind.startsWith('alert.'))).toHaveLength(1);
  });

  it('retrains with the original recipe once newer labelled data exist, registers a candidate and deploys nothing', async () => {
    const waiting = (await runJob('continuous-training')).result as { skipped?: string; run?: string }[];
    expect(waiting).toEqual([expect.objectContaining({ skipped: expect.stringContaining('no labelled data newer') })]);

    const newer = await api<{ id: string }>(hub, 'POST', '/api/v1/datasets?name=alert-synth', { bytes: syntheticCsv(600, 9) });
    expect(newer.status).toBe(201);
    const started = (await runJob('continuous-training')).result as { run?: string; dataset?: string }[];
    expect(started).toHaveLength(1);
    expect(started[0]?.dataset).toBe(newer.body.id);
    const run = await waitForRun(started[0]?.run ?? '');
    expect(run.trigger).toMatchObject({ kind: 'drift', version: `${MODEL}@${VERSION}` });
    if (!run.resultVersion) throw new Error('the retrain registered nothing');
    const candidate = await api<{ manifest: ReleaseManifest }>(hub, 'GET', `/api/v1/models/${MODEL}/versions/${run.resultVersion.version}`);
    expect(candidate.body.manifest.lineage).toMatchObject({ parent: `${MODEL}@${VERSION}`, dataset: newer.body.id, source: `training-run:${run.id}` });
    // Never deployed: no device was assigned the candidate (or anything).
    for (const id of DEVICES) expect((await api<{ assignment: unknown }>(hub, 'GET', `/api/v1/devices/${id}`)).body.assignment ?? null).toBeNull();
    // Once per dataset.
    expect((await runJob('continuous-training')).result).toEqual([expect.objectContaining({ skipped: expect.stringContaining('already retrained') })]);
    await expect.poll(() => deliveries.map((d) => d.headers['x-edgefleet-event'])).toContain('training.triggered');
  }, 90_000);

  it('resolves the alert after three quiet evaluations and says so on the webhook', async () => {
    for (const hour of [2, 3, 4]) await publishHour(hour, 0);
    clock = at(5, 5);
    expect((await evaluate()).alert).toMatchObject({ action: 'update' });
    clock = at(6, 5);
    expect((await evaluate()).alert).toMatchObject({ action: 'update' });
    clock = at(7, 5);
    // Hour 4 is the latest with data; hours 2-4 are quiet.
    expect((await evaluate()).alert).toMatchObject({ action: 'resolve', status: 'resolved' });
    const { body } = await api<{ alerts: Alert[] }>(hub, 'GET', `/api/v1/alerts?status=resolved&model=${MODEL}`);
    expect(body.alerts).toHaveLength(1);
    await expect.poll(() => deliveries.map((d) => d.headers['x-edgefleet-event'])).toContain('alert.resolved');
    expect((await evaluate()).alert).toBeNull();
  });

  it('skips a deleted version: its last windows open no alert', async () => {
    // Drifted windows again, then the version goes: devices decommissioned first (they held it).
    for (const hour of [8, 9]) await publishHour(hour, 4);
    for (const device of DEVICES) expect((await api(hub, 'DELETE', `/api/v1/devices/${device}`)).status).toBe(200);
    const deleted = await api(hub, 'DELETE', `/api/v1/models/${MODEL}/versions/${VERSION}`);
    expect(deleted.status, JSON.stringify(deleted.body)).toBe(200);
    clock = at(10, 5);
    const { result } = await runJob('drift-evaluation');
    const mine = (result as { versions: Array<{ model: string; version: string; skipped?: string }> }).versions.find((v) => v.model === MODEL && v.version === VERSION);
    expect(mine).toMatchObject({ skipped: 'deleted' });
    const { body } = await api<{ alerts: Alert[] }>(hub, 'GET', `/api/v1/alerts?status=open&model=${MODEL}`);
    expect(body.alerts).toEqual([]);
  });
});
