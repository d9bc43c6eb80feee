/**
 * Batched ingestion on a real hub (embedded broker, its registry database: SQLite, or PostgreSQL
 * when the suite runs on it) with real mqtt.js devices: many
 * devices' windows arriving together are committed together, each exactly once; a second copy
 * of a msgId in the same burst is a duplicate; state reports keep the stale rule and the last
 * one wins; `online` messages and connections leave the last word.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import type { MqttClient } from 'mqtt';
import { onlineTopic, stateTopic, statsTopic, type ReferenceProfile, type ReleaseManifest, type StatsWindow } from '@edgefleet/protocol';
import type { Hub } from '../src/index';
import { openDatabase, type OpenedDb } from '../src/adapters/db/open';
import { testDatabase } from '../../test/support/test-database';
import { windowOf } from '../src/core/drift';
import { createRandom } from '../src/core/training/random';
import { api, closed, connectDevice, enrol, makeTempDir, report, testHub, type TempDir } from './support';
import { syntheticCsv } from './training/synthetic';

type Counters = { ingest: { received: Record<string, number>; rejected: Record<string, number> } };
type DeviceReply = { online: boolean; state: { seq: number; phase: string } | null };
type AuditReply = { entries: Array<{ action: string; details: Record<string, unknown> }> };

const MODEL = 'batch-cls';
const VERSION = '1';
const DEVICES = 24;

describe('batched ingestion', () => {
  let dir: TempDir;
  let hub: Hub;
  let reference: ReferenceProfile;
  let sha256 = '';
  let store: OpenedDb;
  const clients = new Map<string, MqttClient>();
  const secrets = new Map<string, string>();
  let counter = 0;

  const counters = async (): Promise<Counters> => (await api<Counters>(hub, 'GET', '/api/v1/broker/stats')).body;
  const received = async (kind: string): Promise<number> => (await counters()).ingest.received[kind] ?? 0;
  const rejected = async (code: string): Promise<number> => (await counters()).ingest.rejected[code] ?? 0;
  const client = (id: string): MqttClient => {
    const found = clients.get(id);
    if (!found) throw new Error(`no client ${id}`);
    return found;
  };
  const windowFor = (device: string, rows: number): StatsWindow => {
    const random = createRandom(++counter);
    const numeric = reference.features.map(() => Array.from({ length: rows }, () => random.gaussian()));
    const start = new Date(Date.now() - 10 * 60_000).toISOString();
    return { ...windowOf(reference, { device, numeric, windowStart: start }), msgId: `batch-${device}-${counter}`, model: MODEL, version: VERSION, sha256, windowEnd: new Date().toISOString() };
  };
  /** QoS 1 publish; resolves on the PUBACK, with what the database held at that moment (asked in the PUBACK's callback). */
  const publish = (device: string, topic: string, payload: string, committedNow?: () => Promise<boolean>): Promise<boolean | null> =>
    new Promise((resolve, reject) => {
      client(device).publish(topic, payload, { qos: 1 }, (error) => (error ? reject(error) : resolve(committedNow ? committedNow() : null)));
    });
  const isStored = async (msgId: string): Promise<boolean> => (await store.db.rows(sql`SELECT 1 AS one FROM stats_messages WHERE msg_id = ${msgId}`)).length > 0;
  const storedWindows = async (): Promise<number> => Number((await store.db.rows<{ n: number }>(sql`SELECT COALESCE(SUM(windows), 0) AS n FROM stats_buckets WHERE model = ${MODEL} AND version = ${VERSION}`))[0]?.n ?? 0);
  /** Makes every claim of a msgId fail (as a full disk would), or lifts that. */
  const refuseClaims = async (refuse: boolean): Promise<void> => {
    if (store.engine === 'postgres') {
      if (!refuse) return void (await store.db.execute(sql.raw('DROP TRIGGER refuse_claims ON stats_messages')));
      await store.db.execute(sql.raw(`CREATE OR REPLACE FUNCTION refuse_claims() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$`));
      await store.db.execute(sql.raw('CREATE TRIGGER refuse_claims BEFORE INSERT ON stats_messages FOR EACH ROW EXECUTE FUNCTION refuse_claims()'));
    } else {
      await store.db.execute(sql.raw(refuse ? `CREATE TRIGGER refuse_claims BEFORE INSERT ON stats_messages BEGIN SELECT RAISE(ABORT, 'refused'); END` : 'DROP TRIGGER refuse_claims'));
    }
  };

  beforeAll(async () => {
    dir = await makeTempDir();
    hub = await testHub(dir.path);
    const dataset = await api<{ id: string }>(hub, 'POST', '/api/v1/datasets?name=batch-synth', { bytes: syntheticCsv(400) });
    expect(dataset.status).toBe(201);
    const run = await api<{ id: string }>(hub, 'POST', '/api/v1/training-runs', { json: { dataset: dataset.body.id, target: 'y', task: 'classification', trainer: 'linear', features: ['x1', 'x2'], model: MODEL, version: VERSION } });
    expect(run.status, JSON.stringify(run.body)).toBe(202);
    // The training run ends in a worker thread: its status is polled, with a deadline.
    for (const deadline = Date.now() + 60_000; ; ) {
      const { status } = (await api<{ status: string }>(hub, 'GET', `/api/v1/training-runs/${run.body.id}`)).body;
      if (status === 'succeeded') break;
      if (status === 'failed' || status === 'cancelled' || Date.now() > deadline) throw new Error(`training run ${status}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const version = await api<{ sha256: string; manifest: ReleaseManifest }>(hub, 'GET', `/api/v1/models/${MODEL}/versions/${VERSION}`);
    sha256 = version.body.sha256;
    if (!version.body.manifest.reference) throw new Error('the trained version has no reference profile');
    reference = version.body.manifest.reference;
    for (let i = 0; i < DEVICES; i++) {
      const id = `bt-${String(i).padStart(2, '0')}`;
      secrets.set(id, await enrol(hub, id));
      clients.set(id, await connectDevice(hub, id, secrets.get(id) ?? ''));
    }
    // A second connection to the hub's database: what is committed, when.
    const { databaseUrl } = await testDatabase(dir.path);
    store = await openDatabase(databaseUrl === undefined ? { path: join(dir.path, 'edgefleet.db') } : { url: databaseUrl });
  }, 120_000);

  afterAll(async () => {
    for (const c of clients.values()) c.end(true);
    await hub?.close();
    await store?.close();
    await dir?.remove();
  });

  it('windows from many devices arriving together are stored exactly once each; a second copy of a msgId in the burst is a duplicate', async () => {
    const before = { stats: await received('stats'), duplicates: await rejected('E_DUPLICATE'), stored: await storedWindows() };
    const windows = [...clients.keys()].flatMap((id) => [windowFor(id, 40), windowFor(id, 60), windowFor(id, 80)]);
    const again = windows.filter((_, i) => i % 9 === 0);
    // All in flight at once: every device's three windows, and some of them twice, in one burst.
    await Promise.all([...windows, ...again].map((w) => publish(w.device, statsTopic(w.device), JSON.stringify(w))));
    await expect.poll(async () => (await received('stats')) - before.stats, { timeout: 20_000 }).toBe(windows.length);
    await expect.poll(async () => (await rejected('E_DUPLICATE')) - before.duplicates, { timeout: 20_000 }).toBe(again.length);
    expect((await storedWindows()) - before.stored).toBe(windows.length);
    for (const w of windows) expect(await isStored(w.msgId)).toBe(true);
    // The sums hold every window once: merged in memory per device and hour, then written once.
    const view = await api<{ windows: number; merged: StatsWindow | null }>(hub, 'GET', `/api/v1/models/${MODEL}/versions/${VERSION}/stats`);
    expect(view.body.windows).toBe(await storedWindows());
    expect(view.body.merged?.n).toBe(windows.length * 60);
  });

  // aedes writes a QoS 1 PUBACK before it delivers to subscribers; the embedded broker hands a
  // device's publish to the hub from authorizePublish, which aedes waits on (embedded.ts).
  it('each PUBACK comes after the window it acknowledges was committed', async () => {
    const windows = [...clients.keys()].flatMap((id) => [windowFor(id, 30), windowFor(id, 30)]);
    const committedAtAck = await Promise.all(windows.map((w) => publish(w.device, statsTopic(w.device), JSON.stringify(w), () => isStored(w.msgId))));
    expect(committedAtAck.filter((committed) => committed !== true)).toEqual([]);
  });

  it('a window the hub could not store is never acknowledged: the connection ends, and the device sends it again after reconnecting', async () => {
    const id = 'bt-23';
    // Every claim of a msgId fails: the window's batch, and then the window alone, cannot commit.
    await refuseClaims(true);
    const device = await connectDevice(hub, id, secrets.get(id) ?? '', { reconnectPeriod: 200 });
    clients.get(id)?.end(true);
    clients.set(id, device);
    let refusing = true;
    try {
      const w = windowFor(id, 25);
      let acknowledged = false;
      const ended = closed(device);
      const sent = publish(id, statsTopic(id), JSON.stringify(w)).then(() => (acknowledged = true));
      await ended;
      expect(acknowledged).toBe(false);
      expect(await isStored(w.msgId)).toBe(false);
      await refuseClaims(false);
      refusing = false;
      // mqtt.js keeps an unacknowledged QoS 1 publish and sends it again on its next connection.
      await sent;
      expect(await isStored(w.msgId)).toBe(true);
    } finally {
      if (refusing) await refuseClaims(false);
    }
  });

  it('state reports in one burst keep the stale rule, and the last one wins', async () => {
    const id = 'bt-00';
    const before = { state: await received('state'), stale: await rejected('E_STALE') };
    const at = (s: number): string => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
    const reports = [report(id, { seq: 2, phase: 'downloading', at: at(2) }), report(id, { seq: 1, phase: 'idle', at: at(1) }), report(id, { seq: 3, phase: 'verifying', at: at(3) }), report(id, { seq: 3, phase: 'idle', at: at(0) })];
    await Promise.all(reports.map((r) => publish(id, stateTopic(id), JSON.stringify(r))));
    await expect.poll(async () => (await received('state')) - before.state, { timeout: 10_000 }).toBe(2);
    await expect.poll(async () => (await rejected('E_STALE')) - before.stale).toBe(2);
    const device = await api<DeviceReply>(hub, 'GET', `/api/v1/devices/${id}`);
    expect(device.body.state).toMatchObject({ seq: 3, phase: 'verifying' });
    // Each accepted report is compared with the one before it, stored or earlier in the burst.
    const audit = await api<AuditReply>(hub, 'GET', `/api/v1/audit?subject=${encodeURIComponent(`device:${id}`)}&limit=20`);
    const phases = audit.body.entries.filter((e) => e.action === 'device.state.changed').map((e) => e.details.phase);
    expect(phases.slice(0, 2)).toEqual(['verifying', 'downloading']);
  });

  it('online messages and connections: the last word per device wins', async () => {
    const id = 'bt-01';
    const before = await received('online');
    await Promise.all([false, true, false].map((online) => publish(id, onlineTopic(id), JSON.stringify({ online }))));
    await expect.poll(async () => (await received('online')) - before).toBe(3);
    expect((await api<DeviceReply>(hub, 'GET', `/api/v1/devices/${id}`)).body.online).toBe(false);
    await publish(id, onlineTopic(id), JSON.stringify({ online: true }));
    await expect.poll(async () => (await api<DeviceReply>(hub, 'GET', `/api/v1/devices/${id}`)).body.online).toBe(true);

    // A connection that closes and opens again: the device ends up online.
    const gone = closed(client(id));
    client(id).end(true);
    await gone;
    await expect.poll(async () => (await api<DeviceReply>(hub, 'GET', `/api/v1/devices/${id}`)).body.online).toBe(false);
    clients.set(id, await connectDevice(hub, id, secrets.get(id) ?? ''));
    await expect.poll(async () => (await api<DeviceReply>(hub, 'GET', `/api/v1/devices/${id}`)).body.online).toBe(true);
  });
});
