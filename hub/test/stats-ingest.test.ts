/**
 * Statistics windows end to end: real device MQTT clients publish windows for a version trained
 * through the API; the hub dedupes, refuses and merges them, and the stats and drift routes read
 * the merged buckets.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { statsTopic, type ReferenceProfile, type ReleaseManifest, type StatsWindow } from '@edgefleet/protocol';
import type { Hub } from '../src/index';
import { windowOf } from '../src/core/drift';
import { createRandom } from '../src/core/training/random';
import { api, closed, connectDevice, enrol, makeTempDir, testHub } from './support';
import { syntheticCsv } from './training/synthetic';

type BrokerStats = { ingest: { received: Record<string, number>; rejected: Record<string, number> } };
type StatsReply = { devices: number; windows: number; merged: StatsWindow | null };
type DriftReply = { verdict: string; devices: number; windows: number; report: { verdict: string; drifting: string[]; n: number } | null };
type ErrorReply = { error: { code: string; message: string } };

const MODEL = 'stats-cls';
const VERSION = '1.0.0';
const BASE = `/api/v1/models/${MODEL}/versions/${VERSION}`;

describe('statistics ingestion, merged views and drift', () => {
  let dir: Awaited<ReturnType<typeof makeTempDir>>;
  let hub: Hub;
  let reference: ReferenceProfile;
  let sha256 = '';
  const clients: Record<string, MqttClient> = {};
  let counter = 0;

  const brokerStats = async (): Promise<BrokerStats> => (await api<BrokerStats>(hub, 'GET', '/api/v1/broker/stats')).body;
  const statsView = async (query = ''): Promise<StatsReply> => {
    const reply = await api<StatsReply>(hub, 'GET', `${BASE}/stats${query}`);
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    return reply.body;
  };
  const received = async (): Promise<number> => (await brokerStats()).ingest.received.stats ?? 0;
  const rejected = async (code: string): Promise<number> => (await brokerStats()).ingest.rejected[code] ?? 0;

  /** A window counted on the reference's bins from `rows` gaussian rows, x1 shifted by `shift` sd. */
  const windowFor = (device: string, rows: number, seed: number, shift = 0, overrides: Partial<StatsWindow> = {}): StatsWindow => {
    const random = createRandom(seed);
    // Like the training CSV: x1 (feature 0) is missing in every 17th row.
    const numeric = reference.features.map((_, i) => Array.from({ length: rows }, (_v, row) => (i === 0 && row % 17 === 0 ? Number.NaN : random.gaussian() + (i === 0 ? shift : 0))));
    const start = new Date(Date.now() - 10 * 60_000).toISOString();
    return { ...windowOf(reference, { device, numeric, windowStart: start }), msgId: `msg-${device}-${++counter}-${seed}`, model: MODEL, version: VERSION, sha256, windowEnd: new Date().toISOString(), ...overrides };
  };
  const publish = async (device: string, window: StatsWindow, topicDevice = device): Promise<void> => {
    const client = clients[device];
    if (!client) throw new Error(`no client for ${device}`);
    await client.publishAsync(statsTopic(topicDevice), JSON.stringify(window), { qos: 1 });
  };

  beforeAll(async () => {
    dir = await makeTempDir();
    hub = await testHub(dir.path);
    const dataset = await api<{ id: string }>(hub, 'POST', '/api/v1/datasets?name=stats-synth', { bytes: syntheticCsv(600) });
    expect(dataset.status).toBe(201);
    const run = await api<{ id: string }>(hub, 'POST', '/api/v1/training-runs', {
      json: { dataset: dataset.body.id, target: 'y', task: 'classification', trainer: 'linear', features: ['x1', 'x2'], model: MODEL, version: VERSION },
    });
    expect(run.status, JSON.stringify(run.body)).toBe(202);
    for (let status = 'queued'; status !== 'succeeded'; ) {
      status = (await api<{ status: string }>(hub, 'GET', `/api/v1/training-runs/${run.body.id}`)).body.status;
      if (status === 'failed' || status === 'cancelled') throw new Error(`training run ${status}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const version = await api<{ sha256: string; manifest: ReleaseManifest }>(hub, 'GET', BASE);
    sha256 = version.body.sha256;
    if (!version.body.manifest.reference) throw new Error('trained version has no reference profile');
    reference = version.body.manifest.reference;
    for (const id of ['st-a', 'st-b', 'st-c']) clients[id] = await connectDevice(hub, id, await enrol(hub, id));
  }, 90_000);

  afterAll(async () => {
    for (const client of Object.values(clients)) client.end(true);
    await hub?.close();
    await dir?.remove();
  });

  it('the OpenAPI document lists the stats and drift routes', async () => {
    const doc = await api<{ paths: Record<string, Record<string, unknown>> }>(hub, 'GET', '/api/v1/openapi.json', { token: null });
    expect(doc.body.paths[`/api/v1/models/{model}/versions/{version}/stats`]).toHaveProperty('get');
    expect(doc.body.paths[`/api/v1/models/{model}/versions/{version}/drift`]).toHaveProperty('get');
  });

  it('drift without data is insufficient-data, for a version with a reference', async () => {
    const reply = await api<DriftReply>(hub, 'GET', `${BASE}/drift`);
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(reply.body).toMatchObject({ verdict: 'insufficient-data', report: null, windows: 0 });
    expect((await api<ErrorReply>(hub, 'GET', `/api/v1/models/${MODEL}/versions/9.9.9/drift`)).status).toBe(404);
    expect((await api<ErrorReply>(hub, 'GET', `${BASE}/stats?from=yesterday`)).status).toBe(400);
  });

  it('a window published twice is stored once; the duplicate is counted', async () => {
    const window = windowFor('st-c', 50, 1);
    const before = await received();
    await publish('st-c', window);
    await expect.poll(received).toBe(before + 1);
    const duplicatesBefore = await rejected('E_DUPLICATE');
    await publish('st-c', window);
    await expect.poll(() => rejected('E_DUPLICATE')).toBe(duplicatesBefore + 1);
    expect(await received()).toBe(before + 1);
    const view = await statsView('?device=st-c');
    expect(view).toMatchObject({ devices: 1, windows: 1, merged: { n: 50 } });
  });

  it("a window on another device's topic is refused by the ACL and stores nothing", async () => {
    const before = await statsView('?device=st-b');
    // A device publishing on st-b's topic is refused by the broker's ACL with a disconnect.
    const intruder = await connectDevice(hub, 'st-x', await enrol(hub, 'st-x'));
    const gone = closed(intruder);
    intruder.publish(statsTopic('st-b'), JSON.stringify(windowFor('st-b', 30, 2)), { qos: 1 });
    await gone;
    // A window naming another device on the publisher's own topic is refused by ingestion.
    const mismatched = await rejected('E_NOT_FOR_DEVICE');
    await publish('st-a', windowFor('st-b', 30, 3), 'st-a');
    await expect.poll(() => rejected('E_NOT_FOR_DEVICE')).toBe(mismatched + 1);
    expect(await statsView('?device=st-b')).toMatchObject({ devices: before.devices, windows: before.windows, merged: before.merged });
  });

  it('a window for an unknown version or a different artifact is counted and ignored; a stale one too', async () => {
    const unknown = await rejected('E_UNKNOWN_VERSION');
    await publish('st-a', windowFor('st-a', 30, 4, 0, { version: '7.7.7' }));
    await publish('st-a', windowFor('st-a', 30, 5, 0, { sha256: 'a'.repeat(64) }));
    await expect.poll(() => rejected('E_UNKNOWN_VERSION')).toBe(unknown + 2);
    const stale = await rejected('E_STALE');
    await publish('st-a', windowFor('st-a', 30, 6, 0, { windowStart: '2000-01-01T00:00:00.000Z', windowEnd: '2000-01-01T01:00:00.000Z' }));
    await expect.poll(() => rejected('E_STALE')).toBe(stale + 1);
    const shape = await rejected('E_STATS_SHAPE');
    const wrong = windowFor('st-a', 30, 7);
    await publish('st-a', { ...wrong, features: wrong.features.slice(1) });
    await expect.poll(() => rejected('E_STATS_SHAPE')).toBe(shape + 1);
    expect(await statsView('?device=st-a')).toMatchObject({ devices: 0, windows: 0, merged: null });
  });

  it('a class output counted on other confidence bins is refused (E_STATS_SHAPE) and counted, even as the first window of its bucket', async () => {
    const output = reference.outputs[0];
    if (output?.kind !== 'class' || !output.confidence) throw new Error('the trained classifier has a class output with confidence bins');
    const good = windowFor('st-a', 30, 11);
    const cls = good.outputs[0];
    if (cls?.kind !== 'class') throw new Error('class output expected');
    expect(cls.confidence.counts).toHaveLength(output.confidence.counts.length);
    const shape = await rejected('E_STATS_SHAPE');
    // Stored, it would have made every later merge of the bucket (and the drift job's sums) throw.
    const malformed = { ...good, outputs: [{ ...cls, confidence: { ...cls.confidence, counts: [...cls.confidence.counts, 0] } }] };
    await publish('st-a', malformed);
    await expect.poll(() => rejected('E_STATS_SHAPE')).toBe(shape + 1);
    expect(await statsView('?device=st-a')).toMatchObject({ devices: 0, windows: 0, merged: null });
  });

  it('a window with more OOD exceedances than scored rows is refused (E_STATS_SHAPE) and stores nothing', async () => {
    const good = windowFor('st-a', 30, 12);
    if (!good.ood) throw new Error('the trained classifier has an OOD reference');
    const scored = good.ood.score.counts.reduce((a, b) => a + b, 0) + good.ood.score.underflow + good.ood.score.overflow;
    const shape = await rejected('E_STATS_SHAPE');
    // Stored, it would give OOD p-values of 0 in every merge it joins.
    await publish('st-a', { ...good, ood: { ...good.ood, aboveP95: scored + 5, aboveP99: 0 } });
    await publish('st-a', { ...windowFor('st-a', 30, 13), ood: { ...good.ood, aboveP95: 0, aboveP99: 1 } });
    await expect.poll(() => rejected('E_STATS_SHAPE')).toBe(shape + 2);
    expect(await statsView('?device=st-a')).toMatchObject({ devices: 0, windows: 0, merged: null });
  });

  it('windows from two devices merge in the stats view with the sum of counts', async () => {
    const a = windowFor('st-a', 400, 8);
    const b = windowFor('st-b', 600, 9);
    const before = await received();
    await publish('st-a', a);
    await publish('st-b', b);
    await expect.poll(received).toBe(before + 2);
    const view = await statsView('?ring=default');
    // st-c's earlier 50-row window is in the same range and ring (st-x never stored anything).
    expect(view.devices).toBe(3);
    expect(view.windows).toBe(3);
    expect(view.merged?.n).toBe(400 + 600 + 50);
    const perDevice = await Promise.all(['st-a', 'st-b', 'st-c'].map((id) => statsView(`?device=${id}`)));
    const counts = (w: StatsWindow | null | undefined, i: number): number[] => {
      const feature = w?.features[i];
      return feature?.kind === 'numeric' ? [...feature.counts, feature.underflow, feature.overflow, feature.missing] : [];
    };
    expect(counts(perDevice[0]?.merged, 0)).toEqual(counts(a, 0));
    for (const i of [0, 1]) {
      const summed = counts(perDevice[0]?.merged, i).map((c, bin) => c + (counts(perDevice[1]?.merged, i)[bin] ?? 0) + (counts(perDevice[2]?.merged, i)[bin] ?? 0));
      expect(counts(view.merged, i)).toEqual(summed);
    }
    const earlier = new Date(Date.now() - 2 * 3_600_000).toISOString();
    expect((await statsView(`?ring=default&to=${encodeURIComponent(earlier)}`)).merged).toBeNull();
    expect((await statsView('?ring=nowhere')).merged).toBeNull();
    // The same sums per tag: only st-a carries site=lab (tags can be set after enrolment).
    expect((await api(hub, 'PATCH', '/api/v1/devices/st-a', { json: { tags: { site: 'lab' } } })).status).toBe(200);
    expect(await statsView('?tag=site:lab')).toMatchObject({ devices: 1, windows: 1, merged: { n: 400 } });
    expect((await statsView('?tag=site:plant')).merged).toBeNull();
    expect((await api<ErrorReply>(hub, 'GET', `${BASE}/stats?tag=site`)).body.error.message).toContain('tag');
  });

  it('drift is ok for reference-like windows and names the shifted feature for shifted ones', async () => {
    const ok = await api<DriftReply>(hub, 'GET', `${BASE}/drift`);
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body.verdict, JSON.stringify(ok.body.report)).toBe('ok');
    expect(ok.body.report?.n).toBe(1050);

    const before = await received();
    await publish('st-c', windowFor('st-c', 3_000, 10, 1));
    await expect.poll(received).toBe(before + 1);
    const drift = await api<DriftReply>(hub, 'GET', `${BASE}/drift?device=st-c`);
    expect(drift.body.verdict, JSON.stringify(drift.body.report)).toBe('drift');
    expect(drift.body.report?.drifting).toContain(reference.features[0]?.name);
    expect(drift.body.report?.drifting).not.toContain(reference.features[1]?.name);
  });
});
