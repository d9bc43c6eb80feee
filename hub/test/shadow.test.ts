/**
 * Shadow mode on the hub: an assignment names a shadow version (signed into the device's doc),
 * stats windows carrying a shadow section are stored per candidate beside the serving version's
 * buckets, and the shadow route and shadowAgreement (the rollout gate's input) sum them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { countIntoBins, desiredTopic, fromBase64, isReleaseRef, LATENCY_EDGES_MS, openReleaseRef, statsTopic, utf8Decode, type BinnedStats, type DeploymentDoc, type Envelope, type ReleaseManifest, type ReleaseSource, type ShadowStats, type StatsWindow } from '@edgefleet/protocol';
import type { Hub } from '../src/index';
import { openDatabase } from '../src/adapters/db/open';
import { testDatabase } from '../../test/support/test-database';
import { shadowAgreement } from '../src/services/statistics/shadow-stats';
import { sameDesiredState } from '../src/services/devices/deployments';
import { SILERO_PROBE, SILERO_V5, api, connectDevice, enrol, makeTempDir, nextMessage, testHub } from './support';
import { SILERO_V6 } from '../../test/fixtures/silero';

type BrokerStats = { ingest: { received: Record<string, number>; rejected: Record<string, number> } };
interface ShadowReply {
  shadow: { n: number; agree: number; agreement: number | null; errors: Record<string, number>; dropped: number; latencyMs: BinnedStats; latencyP95Ms: number | null; devices: number; windows: number } | null;
  against: Array<{ model: string; version: string; n: number; agree: number }>;
}

const open = <T>(envelope: Envelope): T => JSON.parse(utf8Decode(fromBase64(envelope.payload) as Uint8Array)) as T;

/** A latency histogram on the shared edges from raw values (ms). */
function latencyOf(values: number[]): BinnedStats {
  const binned = countIntoBins(LATENCY_EDGES_MS, values);
  return { ...binned, sum: values.reduce((a, b) => a + b, 0), sumSq: values.reduce((a, b) => a + b * b, 0), min: values.length ? Math.min(...values) : null, max: values.length ? Math.max(...values) : null };
}

describe('shadow mode on the hub', () => {
  let dir: Awaited<ReturnType<typeof makeTempDir>>;
  let hub: Hub;
  const sha: Record<string, string> = {};
  const clients: Record<string, MqttClient> = {};
  let counter = 0;

  const rejected = async (code: string): Promise<number> => (await api<BrokerStats>(hub, 'GET', '/api/v1/broker/stats')).body.ingest.rejected[code] ?? 0;
  const received = async (): Promise<number> => (await api<BrokerStats>(hub, 'GET', '/api/v1/broker/stats')).body.ingest.received.stats ?? 0;
  const shadowOf = async (version: string, query = ''): Promise<ShadowReply> => {
    const reply = await api<ShadowReply>(hub, 'GET', `/api/v1/models/vad/versions/${version}/shadow${query}`);
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    return reply.body;
  };
  /** A window of vad@1 (no reference: no features or outputs), with a shadow section if given. */
  const windowOf = (device: string, n: number, shadow?: Omit<ShadowStats, 'sha256' | 'model'> & { model?: string; sha256?: string }): StatsWindow => ({
    msgId: `shadow-test-${device}-${++counter}`,
    device,
    model: 'vad',
    version: '1',
    sha256: sha['1'] as string,
    windowStart: new Date(Date.now() - 5 * 60_000).toISOString(),
    windowEnd: new Date().toISOString(),
    n,
    errors: {},
    latencyMs: latencyOf(Array.from({ length: n }, () => 0.8)),
    features: [],
    outputs: [],
    ood: null,
    ...(shadow ? { shadow: { model: 'vad', sha256: sha[shadow.version] ?? 'f'.repeat(64), ...shadow } } : {}),
  });
  const publish = async (device: string, window: StatsWindow): Promise<void> => {
    await clients[device]?.publishAsync(statsTopic(device), JSON.stringify(window), { qos: 1 });
  };

  beforeAll(async () => {
    dir = await makeTempDir();
    hub = await testHub(dir.path);
    for (const [version, file] of [['1', SILERO_V5], ['2', SILERO_V6]] as const) {
      const reply = await api<{ sha256: string }>(hub, 'POST', `/api/v1/models/vad/versions?version=${version}&probe=${SILERO_PROBE}`, { bytes: new Uint8Array(await readFile(file)) });
      expect(reply.status, JSON.stringify(reply.body)).toBe(201);
      sha[version] = reply.body.sha256;
    }
    for (const id of ['sh-a', 'sh-b']) clients[id] = await connectDevice(hub, id, await enrol(hub, id));
  }, 60_000);

  afterAll(async () => {
    for (const client of Object.values(clients)) client.end(true);
    await hub?.close();
    await dir?.remove();
  });

  /** A release the doc names, by reference as the hub sends it: fetched from the hub and checked against its hash. */
  const manifestOf = async (source: ReleaseSource): Promise<ReleaseManifest> => {
    if (!isReleaseRef(source)) return open<ReleaseManifest>(source);
    const response = await fetch(`${hub.httpUrl}/device/v1/releases/${source.sha256}`, { headers: { authorization: `Bearer ${hub.adminToken}` } });
    return open<ReleaseManifest>(await openReleaseRef(source, new Uint8Array(await response.arrayBuffer())));
  };

  it('an assignment may name a shadow: its signed manifest is named in the doc; unknown is 404, malformed 400, absent none', async () => {
    const reply = await api(hub, 'PUT', '/api/v1/devices/sh-a/assignment', { json: { model: 'vad', version: '1', shadow: { model: 'vad', version: '2' } } });
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(reply.body).toMatchObject({ device: 'sh-a', model: 'vad', version: '1', shadow: { model: 'vad', version: '2' } });
    const client = clients['sh-a'] as MqttClient;
    const retained = nextMessage(client, desiredTopic('sh-a'));
    await client.subscribeAsync(desiredTopic('sh-a'), { qos: 1 });
    const doc = open<DeploymentDoc>(JSON.parse((await retained).toString()) as Envelope);
    expect(doc.shadow && (await manifestOf(doc.shadow))).toMatchObject({ type: 'release', model: 'vad', version: '2', artifact: { sha256: sha['2'] } });
    expect((await manifestOf(doc.active)).version).toBe('1');
    const device = await api<{ assignment: { shadow: unknown } }>(hub, 'GET', '/api/v1/devices/sh-a');
    expect(device.body.assignment.shadow).toEqual({ model: 'vad', version: '2' });

    expect((await api(hub, 'PUT', '/api/v1/devices/sh-a/assignment', { json: { model: 'vad', version: '1', shadow: { model: 'vad', version: '9' } } })).status).toBe(404);
    expect((await api(hub, 'PUT', '/api/v1/devices/sh-a/assignment', { json: { model: 'vad', version: '1', shadow: { model: 'vad' } } })).status).toBe(400);
    const plain = await api(hub, 'PUT', '/api/v1/devices/sh-b/assignment', { json: { model: 'vad', version: '1' } });
    expect(plain.body).toMatchObject({ shadow: null });
    expect((await api<{ assignment: { shadow: unknown } }>(hub, 'GET', '/api/v1/devices/sh-b')).body.assignment.shadow).toBeNull();
  });

  it('an assignment may let the shadow answer a share of the requests (ramp-up): signed into the doc, kept when the doc is issued again, refused without a shadow', async () => {
    const client = clients['sh-a'] as MqttClient;
    const docs: DeploymentDoc[] = [];
    client.on('message', (topic, payload) => {
      if (topic === desiredTopic('sh-a')) docs.push(open<DeploymentDoc>(JSON.parse(payload.toString()) as Envelope));
    });
    await client.subscribeAsync(desiredTopic('sh-a'), { qos: 1 });
    /** the doc of seq `seq`, once the broker delivered it */
    const docOf = async (seq: number): Promise<DeploymentDoc> => {
      await expect.poll(() => docs.some((d) => d.seq === seq), { timeout: 5_000, interval: 20 }).toBe(true);
      return docs.find((d) => d.seq === seq) as DeploymentDoc;
    };
    const reply = await api<{ seq: number }>(hub, 'PUT', '/api/v1/devices/sh-a/assignment', { json: { model: 'vad', version: '1', shadow: { model: 'vad', version: '2' }, trafficShare: 0.25 } });
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    const doc = await docOf(reply.body.seq);
    expect(doc.trafficShare).toBe(0.25);
    expect(doc.shadow && (await manifestOf(doc.shadow))).toMatchObject({ version: '2' });
    // Expiry refreshes and key rotations issue the same desired state again: the share with it.
    expect(sameDesiredState({ model: 'vad', version: '1', shadowModel: 'vad', shadowVersion: '2' }, doc)).toEqual({ model: 'vad', version: '1', shadow: { model: 'vad', version: '2' }, trafficShare: 0.25 });

    const alone = await api<{ error: { message: string } }>(hub, 'PUT', '/api/v1/devices/sh-a/assignment', { json: { model: 'vad', version: '1', trafficShare: 0.5 } });
    expect(alone.status).toBe(400);
    expect(alone.body.error.message).toMatch(/trafficShare/);
    expect((await api(hub, 'PUT', '/api/v1/devices/sh-a/assignment', { json: { model: 'vad', version: '1', shadow: { model: 'vad', version: '2' }, trafficShare: 1 } })).status).toBe(400);
    const beside = await api<{ seq: number }>(hub, 'PUT', '/api/v1/devices/sh-a/assignment', { json: { model: 'vad', version: '1', shadow: { model: 'vad', version: '2' } } });
    expect(beside.status).toBe(200);
    expect((await docOf(beside.body.seq)).trafficShare).toBeUndefined();
  });

  it('windows with a shadow section: the serving version merges as before, each candidate is summed on its own', async () => {
    const before = await received();
    const fast = latencyOf([0.3, 0.4, 0.7, 3]);
    await publish('sh-a', windowOf('sh-a', 10, { version: '2', n: 10, agree: 8, errors: { E_INFERENCE: 1 }, latencyMs: fast, dropped: 2 }));
    // the same hour, another candidate (vad@1 beside itself), then vad@2 again
    await publish('sh-a', windowOf('sh-a', 4, { version: '1', n: 4, agree: 4, errors: {}, latencyMs: latencyOf([0.2]), dropped: 0 }));
    await publish('sh-a', windowOf('sh-a', 5, { version: '2', n: 5, agree: 5, errors: {}, latencyMs: latencyOf([0.4]), dropped: 0 }));
    await publish('sh-b', windowOf('sh-b', 6, { version: '2', n: 6, agree: 3, errors: {}, latencyMs: latencyOf([40, 0.3]), dropped: 0 }));
    await publish('sh-b', windowOf('sh-b', 7)); // no shadow ran
    await expect.poll(received).toBe(before + 5);

    const v2 = await shadowOf('2');
    expect(v2.shadow).toMatchObject({ n: 21, agree: 16, errors: { E_INFERENCE: 1 }, dropped: 2, devices: 2, windows: 3 });
    expect(v2.shadow?.agreement).toBeCloseTo(16 / 21, 12);
    // 7 runs: 0.3, 0.4, 0.7, 3, 0.4, 40, 0.3 -> the 95th percentile is in the 25-50 ms bin
    expect(v2.shadow?.latencyP95Ms).toBe(50);
    expect(v2.against).toEqual([{ model: 'vad', version: '1', n: 21, agree: 16, agreement: 16 / 21 }]);
    expect((await shadowOf('1')).shadow).toMatchObject({ n: 4, agree: 4, devices: 1, windows: 1 });
    expect((await shadowOf('2', '?device=sh-b')).shadow).toMatchObject({ n: 6, agree: 3, devices: 1 });
    expect((await shadowOf('2', '?ring=nowhere')).shadow).toBeNull();
    expect((await shadowOf('2', `?to=${encodeURIComponent(new Date(Date.now() - 2 * 3_600_000).toISOString())}`)).shadow).toBeNull();

    // The serving version's statistics hold every window and no shadow section.
    const stats = await api<{ windows: number; merged: StatsWindow | null }>(hub, 'GET', '/api/v1/models/vad/versions/1/stats');
    expect(stats.body.windows).toBe(5);
    expect(stats.body.merged?.n).toBe(32);
    expect(stats.body.merged).not.toHaveProperty('shadow');

    // What the rollout gate `shadow-agreement` reads, optionally over a rollout's devices only.
    const { databaseUrl } = await testDatabase(dir.path);
    const opened = await openDatabase(databaseUrl === undefined ? { path: join(dir.path, 'edgefleet.db') } : { url: databaseUrl });
    try {
      const range = { fromHour: new Date(Date.now() - 3 * 3_600_000).toISOString(), to: new Date(Date.now() + 3_600_000).toISOString() };
      expect(await shadowAgreement({ db: opened.db }, { model: 'vad', version: '2', ...range })).toMatchObject({ n: 21, agree: 16 });
      expect(await shadowAgreement({ db: opened.db }, { model: 'vad', version: '2', devices: ['sh-b'], ...range })).toMatchObject({ n: 6, agree: 3 });
      expect(await shadowAgreement({ db: opened.db }, { model: 'vad', version: '2', devices: [], ...range })).toBeNull();
      expect(await shadowAgreement({ db: opened.db }, { model: 'vad', version: '2', ...range, to: range.fromHour })).toBeNull();
    } finally {
      await opened.close();
    }
  });

  it('refuses a window whose shadow names an unknown version or counts latency on other bins, and stores nothing', async () => {
    const before = (await shadowOf('2')).shadow;
    const unknown = await rejected('E_UNKNOWN_VERSION');
    await publish('sh-b', windowOf('sh-b', 3, { version: '7', n: 3, agree: 3, errors: {}, latencyMs: latencyOf([1]), dropped: 0 }));
    await publish('sh-b', windowOf('sh-b', 3, { version: '2', sha256: 'e'.repeat(64), n: 3, agree: 3, errors: {}, latencyMs: latencyOf([1]), dropped: 0 }));
    await expect.poll(() => rejected('E_UNKNOWN_VERSION')).toBe(unknown + 2);
    const shape = await rejected('E_STATS_SHAPE');
    await publish('sh-b', windowOf('sh-b', 3, { version: '2', n: 3, agree: 3, errors: {}, latencyMs: { ...latencyOf([1]), counts: [1] }, dropped: 0 }));
    await expect.poll(() => rejected('E_STATS_SHAPE')).toBe(shape + 1);
    expect((await shadowOf('2')).shadow).toEqual(before);
    expect((await api<{ windows: number }>(hub, 'GET', '/api/v1/models/vad/versions/1/stats')).body.windows).toBe(5);
  });

  it('the route is in the OpenAPI document; an unknown version is 404, a bad range 400', async () => {
    const doc = await api<{ paths: Record<string, Record<string, unknown>> }>(hub, 'GET', '/api/v1/openapi.json', { token: null });
    expect(doc.body.paths['/api/v1/models/{model}/versions/{version}/shadow']).toHaveProperty('get');
    expect((await api(hub, 'GET', '/api/v1/models/vad/versions/9/shadow')).status).toBe(404);
    expect((await api(hub, 'GET', '/api/v1/models/vad/versions/2/shadow?from=yesterday')).status).toBe(400);
  });
});
