/**
 * Ground-truth labels end to end over real HTTP: versions trained through the API (a classifier
 * and a regressor, so both carry a reference profile), prediction ids as agents write them,
 * statistics windows a real MQTT device client published, and the accuracy they add up to.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { encodePredictionId, statsTopic, type PredictionRef, type ReleaseManifest, type StatsWindow } from '@edgefleet/protocol';
import type { Hub } from '../src/index';
import { windowOf } from '../src/core/drift';
import { until } from '../../test/support/process';
import { api, connectDevice, enrol, useTestHub } from './support';
import { syntheticCsv } from './training/synthetic';

type Rejected = Array<{ index: number; code: string; message: string }>;
type PostReply = { accepted: number; duplicates: number; rejected: Rejected };
type DeviceRow = { device: string; labelled: number; correct: number | null; accuracy: number | null; mae: number | null; rmse: number | null };
type AccuracyReply = {
  task: string;
  classes: string[] | null;
  labelled: number;
  correct: number | null;
  accuracy: number | null;
  mae: number | null;
  rmse: number | null;
  devices: DeviceRow[];
  confusion: Array<{ predicted: string; label: string; count: number }> | null;
};
type ErrorReply = { error: { code: string; message: string; details?: Array<{ path: string }> } };

const CLS = '/api/v1/models/fb-cls/versions/1';
const REG = '/api/v1/models/fb-reg/versions/1';
/** A fixed time an hour ago, so from/to filters have something on each side. */
const AT = Date.now() - 3_600_000;

let nonce = 0;
/** A prediction id as an agent writes it (device-core/src/predictions/prediction-summary.ts). */
const idOf = (over: Partial<PredictionRef> = {}): string => encodePredictionId({ device: 'fb-a', model: 'fb-cls', version: '1', at: AT, nonce: `n${++nonce}`, row: 0, predicted: 'high', ...over });

describe('feedback: labels arriving later, and the accuracy they measure', () => {
  let hub: Hub;
  let device: MqttClient;
  let classifier: ReleaseManifest;
  useTestHub((started) => (hub = started.hub));

  const post = async (labels: unknown[]): Promise<PostReply> => {
    const reply = await api<PostReply>(hub, 'POST', '/api/v1/feedback', { json: { labels } });
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    return reply.body;
  };
  const accuracy = async (base: string, query = ''): Promise<AccuracyReply> => {
    const reply = await api<AccuracyReply>(hub, 'GET', `${base}/accuracy${query}`);
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    return reply.body;
  };
  const train = async (dataset: string, json: Record<string, unknown>): Promise<ReleaseManifest> => {
    const run = await api<{ id: string }>(hub, 'POST', '/api/v1/training-runs', { json: { dataset, trainer: 'linear', features: ['x1', 'x2'], version: '1', ...json } });
    expect(run.status, JSON.stringify(run.body)).toBe(202);
    const finished = async (): Promise<string | undefined> => {
      const { status } = (await api<{ status: string }>(hub, 'GET', `/api/v1/training-runs/${run.body.id}`)).body;
      return ['succeeded', 'failed', 'cancelled'].includes(status) ? status : undefined;
    };
    expect(await until(finished, `training run ${run.body.id}`, 60_000)).toBe('succeeded');
    return (await api<{ manifest: ReleaseManifest }>(hub, 'GET', `/api/v1/models/${String(json.model)}/versions/1`)).body.manifest;
  };

  beforeAll(async () => {
    const dataset = await api<{ id: string }>(hub, 'POST', '/api/v1/datasets?name=fb-synth', { bytes: syntheticCsv(400) });
    expect(dataset.status).toBe(201);
    classifier = await train(dataset.body.id, { target: 'y', task: 'classification', model: 'fb-cls' });
    await train(dataset.body.id, { target: 'value', task: 'regression', model: 'fb-reg' });
    device = await connectDevice(hub, 'fb-a', await enrol(hub, 'fb-a'));
    const canary = await api(hub, 'POST', '/api/v1/devices', { json: { id: 'fb-b', ring: 'canary' } });
    expect(canary.status).toBe(201);
  }, 120_000);

  afterAll(() => {
    device?.end(true);
  });

  it('the OpenAPI document lists the feedback and accuracy routes', async () => {
    const doc = await api<{ paths: Record<string, Record<string, unknown>> }>(hub, 'GET', '/api/v1/openapi.json', { token: null });
    expect(doc.body.paths['/api/v1/feedback']).toHaveProperty('post');
    expect(doc.body.paths['/api/v1/models/{model}/versions/{version}/accuracy']).toHaveProperty('get');
  });

  it('a version without labels has no accuracy yet', async () => {
    const view = await accuracy(CLS);
    expect(view).toMatchObject({ task: 'classification', labelled: 0, correct: 0, accuracy: null, mae: null, devices: [], confusion: [] });
    expect(view.classes).toEqual(expect.arrayContaining(['high', 'low', 'mid']));
    expect(await accuracy(REG)).toMatchObject({ task: 'regression', classes: null, labelled: 0, mae: null, confusion: null });
  });

  it('files labels by prediction id; each bad item is rejected by index without blocking the rest', async () => {
    const labels = [
      { predictionId: idOf({ predicted: 'high' }), label: 'high' },
      { predictionId: idOf({ predicted: 'high' }), label: 'low' },
      { predictionId: idOf({ predicted: 'low' }), label: 'low' },
      { predictionId: idOf({ device: 'fb-b', predicted: 'mid' }), label: 'mid' },
      { predictionId: idOf({ version: '9' }), label: 'high' },
      { predictionId: 'not-an-id!', label: 'high' },
      { predictionId: idOf({ predicted: 'purple' }), label: 'high' },
      { predictionId: idOf({ predicted: undefined }), label: 'high' },
      { predictionId: idOf() },
      { something: 'else' },
      { predictionId: idOf({ device: 'fb-b', predicted: 'mid' }), label: 'low' },
    ];
    const reply = await post(labels);
    expect(reply.accepted).toBe(5);
    expect(reply.duplicates).toBe(0);
    expect(reply.rejected.map((r) => [r.index, r.code])).toEqual([
      [4, 'E_UNKNOWN_VERSION'],
      [5, 'E_BAD_PREDICTION_ID'],
      [6, 'E_UNKNOWN_CLASS'],
      [7, 'E_NO_PREDICTION'],
      [8, 'E_VALIDATION'],
      [9, 'E_VALIDATION'],
    ]);
    expect(reply.rejected[2]?.message).toMatch(/predicted: "purple"/);
    expect(reply.rejected[4]?.message).toMatch(/labels\.8\.label/);

    const view = await accuracy(CLS);
    expect(view).toMatchObject({ labelled: 5, correct: 3, accuracy: 3 / 5 });
    expect(view.devices).toEqual([
      { device: 'fb-a', labelled: 3, correct: 2, accuracy: 2 / 3, mae: null, rmse: null },
      { device: 'fb-b', labelled: 2, correct: 1, accuracy: 1 / 2, mae: null, rmse: null },
    ]);
    expect(view.confusion).toEqual(
      expect.arrayContaining([
        { predicted: 'high', label: 'high', count: 1 },
        { predicted: 'high', label: 'low', count: 1 },
        { predicted: 'low', label: 'low', count: 1 },
        { predicted: 'mid', label: 'mid', count: 1 },
        { predicted: 'mid', label: 'low', count: 1 },
      ]),
    );
    expect(view.confusion).toHaveLength(5);
  });

  it('posting the same labels again changes nothing; a corrected label replaces the old one', async () => {
    const id = idOf({ predicted: 'mid' });
    expect(await post([{ predictionId: id, label: 'low' }])).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    const before = await accuracy(CLS);
    // Twice in one batch and once more: all duplicates of what is stored.
    expect(await post([{ predictionId: id, label: 'low' }, { predictionId: id, label: 'low' }])).toEqual({ accepted: 0, duplicates: 2, rejected: [] });
    expect(await accuracy(CLS)).toEqual(before);
    // The same prediction, the truth corrected: still one labelled prediction, now a correct one.
    expect(await post([{ predictionId: id, label: 'mid' }])).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    const after = await accuracy(CLS);
    expect(after.labelled).toBe(before.labelled);
    expect(after.correct).toBe((before.correct ?? 0) + 1);
  });

  it('files tallies per statistics window; a re-posted tally replaces its count', async () => {
    const reference = classifier.reference;
    if (!reference) throw new Error('trained version has no reference');
    const window: StatsWindow = {
      ...windowOf(reference, { device: 'fb-a', numeric: reference.features.map(() => [0.1, 0.2, 0.3]), windowStart: new Date(AT).toISOString() }),
      msgId: 'fb-window-0001',
      model: 'fb-cls',
      version: '1',
      sha256: (await api<{ sha256: string }>(hub, 'GET', CLS)).body.sha256,
      windowEnd: new Date(AT + 60_000).toISOString(),
    };
    await device.publishAsync(statsTopic('fb-a'), JSON.stringify(window), { qos: 1 });
    const tally = (predicted: string, label: string, count?: number) => ({ window: window.msgId, predicted, label, ...(count === undefined ? {} : { count }) });
    // The window is stored once the hub has ingested it: until then it is unknown.
    await expect.poll(async () => (await post([tally('high', 'high', 5)])).accepted, { timeout: 10_000, interval: 50 }).toBe(1);
    const before = await accuracy(CLS, '?device=fb-a');

    const reply = await post([tally('high', 'high', 5), tally('high', 'low', 2), tally('purple', 'high'), { window: 'no-such-window', predicted: 'high', label: 'high' }, tally('low', 'low', -1)]);
    expect(reply.accepted).toBe(1);
    expect(reply.duplicates).toBe(1);
    expect(reply.rejected.map((r) => [r.index, r.code])).toEqual([
      [2, 'E_UNKNOWN_CLASS'],
      [3, 'E_UNKNOWN_WINDOW'],
      [4, 'E_VALIDATION'],
    ]);
    let view = await accuracy(CLS, '?device=fb-a');
    expect(view.labelled).toBe(before.labelled + 2);
    expect(view.correct).toBe(before.correct);

    // Recounted: 3 instead of 2 (replaced, not added).
    expect(await post([tally('high', 'low', 3)])).toMatchObject({ accepted: 1, duplicates: 0 });
    view = await accuracy(CLS, '?device=fb-a');
    expect(view.labelled).toBe(before.labelled + 3);
    expect(view.confusion).toContainEqual({ predicted: 'high', label: 'low', count: 1 + 3 });
  });

  it('narrows accuracy to a device, a ring or a time range', async () => {
    const all = await accuracy(CLS);
    const a = await accuracy(CLS, '?device=fb-a');
    const b = await accuracy(CLS, '?device=fb-b');
    expect(a.labelled + b.labelled).toBe(all.labelled);
    expect(a.devices.map((d) => d.device)).toEqual(['fb-a']);
    expect(await accuracy(CLS, '?ring=canary')).toEqual({ ...b, from: null, to: null });
    expect((await accuracy(CLS, '?ring=nowhere')).labelled).toBe(0);

    const iso = (ms: number): string => encodeURIComponent(new Date(ms).toISOString());
    expect((await accuracy(CLS, `?from=${iso(AT)}&to=${iso(AT + 1)}`)).labelled).toBe(all.labelled);
    expect((await accuracy(CLS, `?from=${iso(AT + 1)}`)).labelled).toBe(0);
    expect((await accuracy(CLS, `?to=${iso(AT)}`)).labelled).toBe(0);
  });

  it('a regressor is judged by its mean absolute error, and takes numeric labels only', async () => {
    const reg = (predicted: number, over: Partial<PredictionRef> = {}) => idOf({ model: 'fb-reg', predicted, ...over });
    const reply = await post([
      { predictionId: reg(1.5), label: 2 },
      { predictionId: reg(-1), label: '-2.5' },
      { predictionId: reg(0, { device: 'fb-b' }), label: 0.5 },
      { predictionId: reg(3), label: 'big' },
      { predictionId: idOf({ model: 'fb-reg', predicted: 'high' }), label: 1 },
    ]);
    expect(reply.accepted).toBe(3);
    expect(reply.rejected.map((r) => [r.index, r.code])).toEqual([
      [3, 'E_NOT_NUMERIC'],
      [4, 'E_NOT_NUMERIC'],
    ]);
    const view = await accuracy(REG);
    expect(view).toMatchObject({ task: 'regression', labelled: 3, correct: null, accuracy: null, confusion: null });
    expect(view.mae).toBeCloseTo((0.5 + 1.5 + 0.5) / 3, 12);
    expect(view.rmse).toBeCloseTo(Math.sqrt((0.25 + 2.25 + 0.25) / 3), 12);
    expect(view.devices.map((d) => [d.device, d.labelled, d.mae])).toEqual([
      ['fb-a', 2, 1],
      ['fb-b', 1, 0.5],
    ]);
  });

  it('refuses bad bodies and queries with 4xx naming the field', async () => {
    const raw = await fetch(`${hub.httpUrl}/api/v1/feedback`, { method: 'POST', headers: { authorization: `Bearer ${hub.adminToken}`, 'content-type': 'application/json' }, body: '{"labels": [' });
    expect(raw.status).toBe(400);
    expect(((await raw.json()) as ErrorReply).error.message).toMatch(/JSON/);

    const cases: Array<[unknown, string]> = [
      [{}, 'labels'],
      [{ labels: [] }, 'labels'],
      [{ labels: 'x' }, 'labels'],
      [{ labels: new Array(10_001).fill({ window: 'w', predicted: 'a', label: 'b' }) }, 'labels'],
      [{ labels: [{ window: 'fb-window-0001', predicted: 'high', label: 'high' }], extra: 1 }, 'extra'],
    ];
    for (const [json, field] of cases) {
      const reply = await api<ErrorReply>(hub, 'POST', '/api/v1/feedback', { json });
      expect(reply.status, JSON.stringify(json).slice(0, 80)).toBe(400);
      expect(reply.body.error.code).toBe('E_VALIDATION');
      expect(reply.body.error.message).toContain(field);
    }
    const unauthorised = await api<ErrorReply>(hub, 'POST', '/api/v1/feedback', { json: { labels: [] }, token: null });
    expect(unauthorised.status).toBe(401);

    const badTime = await api<ErrorReply>(hub, 'GET', `${CLS}/accuracy?from=yesterday`);
    expect(badTime.status).toBe(400);
    expect(badTime.body.error.message).toContain('from');
    const backwards = await api<ErrorReply>(hub, 'GET', `${CLS}/accuracy?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z`);
    expect(backwards.status).toBe(400);
    expect((await api<ErrorReply>(hub, 'GET', '/api/v1/models/fb-cls/versions/9/accuracy')).status).toBe(404);
  });
});
