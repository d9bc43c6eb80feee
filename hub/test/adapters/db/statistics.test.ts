/**
 * Statistics, shadow and feedback repositories (issue 12), one contract on SQLite and on a real
 * PostgreSQL 15: msgId claims, guarded bucket upserts, the bucket and label queries with their
 * filters, pruning, and the concurrency guarantees several hub replicas rely on: a window merged
 * from two transactions at once is counted once, a merge computed from a stale read is refused
 * instead of overwriting, a label posted twice at once is stored once, and the ingest's device
 * lock makes a second replica wait.
 */
import { describe, expect, it } from 'vitest';
import { stateTopic, statsTopic, type ShadowStats, type StatsWindow } from '@edgefleet/protocol';
import type { Db } from '../../../src/adapters/db/db';
import { nextId } from '../../../src/adapters/db/dialect';
import { classCells, errorSums, getFeedbackLabel, getStatsMessage, upsertFeedbackLabel, type FeedbackLabelRow } from '../../../src/adapters/db/feedback';
import { devices, modelVersions, models } from '../../../src/adapters/db/schema';
import { getShadowBucket, listShadowBuckets, pruneShadowBuckets, upsertShadowBucket, type ShadowBucketRow } from '../../../src/adapters/db/shadow-stats';
import {
  claimStatsMessage,
  devicesReportingSince,
  getStatsBucket,
  getStatsBucketHead,
  listStatsBuckets,
  pruneStatsBuckets,
  pruneStatsMessages,
  statsHourSignatures,
  upsertStatsBucket,
  type StatsBucketRow,
} from '../../../src/adapters/db/stats';
import { getDevice } from '../../../src/adapters/db/devices';
import { RejectionTracker } from '../../../src/core/rejection-tracker';
import type { HubContext } from '../../../src/services/context';
import { applyIngestBatch, type IngestItem } from '../../../src/services/statistics/ingest';
import { ingestStatsWindows, StaleBucketError } from '../../../src/services/statistics/stats-ingest';
import { report, silentLogger } from '../../support';
import { UNSIGNED_RELEASE_SHA, unsignedReleaseEnvelope, unsignedReleaseWindow } from '../../fixtures/unsigned-release';
import { ENGINES, gate, useBothDatabases, waitUntilBlockedOnLock } from './both-databases';

const databases = useBothDatabases();

const NOW = new Date('2026-12-03T12:30:00.000Z');
const HOUR = '2026-12-03T12:00:00.000Z';
const SHA = UNSIGNED_RELEASE_SHA;

const binned = (counts: number[], sum = 0): StatsWindow['latencyMs'] => ({ counts, underflow: 0, overflow: 0, missing: 0, sum, sumSq: 0, min: null, max: null });

function window(device: string, msgId: string, n: number, model = 'm'): StatsWindow {
  return unsignedReleaseWindow({ device, msgId, n, model, windowStart: new Date(NOW.getTime() - 10 * 60_000).toISOString(), windowEnd: NOW.toISOString() });
}

const shadowSection = (n: number, agree: number): ShadowStats => ({ model: 'm', version: '2', sha256: 'b'.repeat(64), n, agree, errors: {}, latencyMs: binned([n]), dropped: 0 });

async function addDevice(db: Db, id: string, ring = 'default', tags: Record<string, string> = {}): Promise<void> {
  await db.insert(devices).values({ id, secretHash: 'x', ring, tags, createdAt: NOW.toISOString() });
}

/** A registered version whose manifest has no reference profile (windows are checked against its artifact only). */
async function addVersion(db: Db, model: string): Promise<void> {
  const envelope = unsignedReleaseEnvelope(model, NOW.toISOString());
  await db.insert(models).values({ name: model, createdAt: NOW.toISOString() });
  await db.insert(modelVersions).values({ id: nextId(db.engine), model, version: '1', releaseCounter: 1, sha256: SHA, size: 10, io: {}, probe: {}, manifest: envelope, createdAt: NOW.toISOString() });
}

const bucketRow = (deviceId: string, model: string, windows: number, n: number, hour = HOUR): StatsBucketRow => ({ deviceId, model, version: '1', hour, sha256: SHA, windows, merged: window(deviceId, `merged-${deviceId}`, n, model), updatedAt: NOW.toISOString() });



describe.each(ENGINES)('statistics repositories on %s', (engine) => {
  const make = () => databases[engine]();

  it('claims a msgId once, reads it back, and prunes claims older than the horizon', async () => {
    const db = make();
    const claim = { msgId: 'claim-0001', deviceId: 'c-1', model: 'm', version: '1', windowStart: '2026-12-03T12:00:00.000Z', receivedAt: NOW.toISOString() };
    expect(await claimStatsMessage(db, claim)).toBe(true);
    expect(await claimStatsMessage(db, { ...claim, receivedAt: 'later' })).toBe(false);
    expect(await claimStatsMessage(db, { msgId: 'claim-0002', deviceId: 'c-1', windowStart: '2026-11-01T00:00:00.000Z', receivedAt: NOW.toISOString() })).toBe(true);
    expect(await getStatsMessage(db, 'claim-0001')).toEqual(claim);
    expect(await getStatsMessage(db, 'claim-0002')).toMatchObject({ model: null, version: null });
    expect(await getStatsMessage(db, 'nobody')).toBeUndefined();
    expect(await pruneStatsMessages(db, '2026-12-01T00:00:00.000Z')).toBe(1);
    expect(await getStatsMessage(db, 'claim-0002')).toBeUndefined();
    // The device reported since the step began, exactly: by window start, among the devices asked about.
    expect([...(await devicesReportingSince(db, 'm', '1', '2026-12-03T11:00:00.000Z', ['c-1', 'c-2']))]).toEqual(['c-1']);
    expect((await devicesReportingSince(db, 'm', '1', '2026-12-03T12:00:00.001Z', ['c-1'])).size).toBe(0);
    expect((await devicesReportingSince(db, 'm', '1', '2026-12-03T11:00:00.000Z', [])).size).toBe(0);
  });

  it('writes a bucket only while it holds the window count its writer read', async () => {
    const db = make();
    const key = { deviceId: 'b-1', model: 'mb', version: '1', hour: HOUR };
    expect(await upsertStatsBucket(db, bucketRow('b-1', 'mb', 1, 10), 0)).toBe(true);
    // Written from a read that saw no bucket, or a count it no longer holds: refused, nothing changes.
    expect(await upsertStatsBucket(db, bucketRow('b-1', 'mb', 1, 99), 0)).toBe(false);
    expect(await upsertStatsBucket(db, bucketRow('b-1', 'mb', 3, 99), 2)).toBe(false);
    expect(await getStatsBucketHead(db, key)).toEqual({ windows: 1, updatedAt: NOW.toISOString() });
    expect(await upsertStatsBucket(db, { ...bucketRow('b-1', 'mb', 2, 30), updatedAt: 'later' }, 1)).toBe(true);
    const stored = await getStatsBucket(db, key);
    expect(stored).toMatchObject({ ...key, windows: 2, sha256: SHA, updatedAt: 'later' });
    expect((stored?.merged as StatsWindow).n).toBe(30);
    expect(await getStatsBucket(db, { ...key, hour: '2026-12-03T13:00:00.000Z' })).toBeUndefined();
  });

  it('lists buckets by range, device, devices, ring and tag (a key with a dot), summarises hours, and prunes', async () => {
    const db = make();
    await addDevice(db, 'l-1', 'canary', { 'site.name': 'lab', zone: 'a' });
    await addDevice(db, 'l-2', 'default', { 'site.name': "o'hare" });
    await addDevice(db, 'l-3', 'default', {});
    const earlier = '2026-12-03T10:00:00.000Z';
    for (const [device, hour] of [['l-1', HOUR], ['l-2', HOUR], ['l-3', HOUR], ['l-1', earlier]] as const) await upsertStatsBucket(db, bucketRow(device, 'ml', 1, 5, hour), 0);
    const range = { model: 'ml', version: '1', fromHour: '2026-12-03T00:00:00.000Z', to: '2026-12-04T00:00:00.000Z' };
    const list = async (extra: object = {}): Promise<string[]> => (await listStatsBuckets(db, { ...range, ...extra })).map((row) => `${row.deviceId}@${row.hour.slice(11, 13)}`);
    expect(await list()).toEqual(['l-1@10', 'l-1@12', 'l-2@12', 'l-3@12']);
    expect(await list({ fromHour: '2026-12-03T11:00:00.000Z' })).toEqual(['l-1@12', 'l-2@12', 'l-3@12']);
    expect(await list({ to: HOUR })).toEqual(['l-1@10']);
    expect(await list({ device: 'l-2' })).toEqual(['l-2@12']);
    expect(await list({ devices: ['l-2', 'l-3', 'nobody'] })).toEqual(['l-2@12', 'l-3@12']);
    expect(await list({ devices: [] })).toEqual([]);
    expect(await list({ ring: 'canary' })).toEqual(['l-1@10', 'l-1@12']);
    expect(await list({ tag: { key: 'site.name', value: "o'hare" } })).toEqual(['l-2@12']);
    expect(await list({ tag: { key: 'zone', value: 'a' }, ring: 'canary', fromHour: HOUR })).toEqual(['l-1@12']);
    expect(await list({ tag: { key: 'site', value: 'lab' } })).toEqual([]);
    expect(await statsHourSignatures(db, 'ml', '1', range.fromHour, range.to)).toEqual([
      { hour: earlier, buckets: 1, updatedAt: NOW.toISOString() },
      { hour: HOUR, buckets: 3, updatedAt: NOW.toISOString() },
    ]);
    expect(await pruneStatsBuckets(db, '2026-12-03T11:00:00.000Z')).toBe(1);
    expect(await list()).toEqual(['l-1@12', 'l-2@12', 'l-3@12']);
  });

  it('keeps shadow buckets per candidate, guarded like the statistics buckets, with their filters and pruning', async () => {
    const db = make();
    await addDevice(db, 's-1', 'canary');
    await addDevice(db, 's-2', 'default');
    const row = (deviceId: string, windows: number, n: number, hour = HOUR): ShadowBucketRow => ({
      deviceId,
      model: 'm',
      version: '1',
      hour,
      shadowModel: 'ms',
      shadowVersion: '2',
      shadowSha256: 'b'.repeat(64),
      windows,
      merged: shadowSection(n, n),
      updatedAt: NOW.toISOString(),
    });
    expect(await upsertShadowBucket(db, row('s-1', 1, 4), 0)).toBe(true);
    expect(await upsertShadowBucket(db, row('s-1', 1, 7), 0)).toBe(false);
    expect(await upsertShadowBucket(db, row('s-1', 2, 9), 1)).toBe(true);
    expect(await upsertShadowBucket(db, row('s-2', 1, 3), 0)).toBe(true);
    expect(await upsertShadowBucket(db, row('s-2', 1, 3, '2026-12-02T00:00:00.000Z'), 0)).toBe(true);
    const { windows: _w, merged: _m, updatedAt: _u, ...key } = row('s-1', 0, 0);
    expect(await getShadowBucket(db, key)).toMatchObject({ windows: 2, merged: { n: 9 } });
    expect(await getShadowBucket(db, { ...key, shadowVersion: '3' })).toBeUndefined();
    const query = { shadowModel: 'ms', shadowVersion: '2', fromHour: '2026-12-03T00:00:00.000Z', to: '2026-12-04T00:00:00.000Z' };
    const ids = async (extra: object = {}): Promise<string[]> => (await listShadowBuckets(db, { ...query, ...extra })).map((r) => r.deviceId);
    expect(await ids()).toEqual(['s-1', 's-2']);
    expect(await ids({ device: 's-2' })).toEqual(['s-2']);
    expect(await ids({ devices: ['s-2'] })).toEqual(['s-2']);
    expect(await ids({ ring: 'canary' })).toEqual(['s-1']);
    expect(await ids({ shadowVersion: '9' })).toEqual([]);
    expect(await pruneShadowBuckets(db, '2026-12-03T00:00:00.000Z')).toBe(1);
    expect(await ids({ fromHour: '2026-12-01T00:00:00.000Z' })).toEqual(['s-1', 's-2']);
  });

  it('stores a label, refuses an identical re-post, replaces a corrected one, and sums labels per device', async () => {
    const db = make();
    await addDevice(db, 'f-1', 'canary');
    await addDevice(db, 'f-2', 'default');
    const label = (key: string, deviceId: string, predicted: string, value: string, count = 1, predictedAt = '2026-12-03T12:00:00.000Z'): FeedbackLabelRow => ({ key, model: 'mf', version: '1', deviceId, predictedAt, predicted, label: value, count, receivedAt: NOW.toISOString() });
    expect(await upsertFeedbackLabel(db, label('p:1', 'f-1', 'cat', 'cat'))).toBe(true);
    expect(await upsertFeedbackLabel(db, { ...label('p:1', 'f-1', 'cat', 'cat'), receivedAt: 'later' })).toBe(false);
    expect(await getFeedbackLabel(db, 'p:1')).toMatchObject({ label: 'cat', receivedAt: NOW.toISOString() });
    expect(await upsertFeedbackLabel(db, { ...label('p:1', 'f-1', 'cat', 'dog'), receivedAt: 'later' })).toBe(true);
    expect(await getFeedbackLabel(db, 'p:1')).toMatchObject({ label: 'dog', receivedAt: 'later' });
    expect(await upsertFeedbackLabel(db, label('w:a:cat:cat', 'f-1', 'cat', 'cat', 3))).toBe(true);
    expect(await upsertFeedbackLabel(db, label('w:a:cat:cat', 'f-1', 'cat', 'cat', 4))).toBe(true);
    expect(await upsertFeedbackLabel(db, label('w:b:cat:cat', 'f-2', 'cat', 'cat', 2, '2026-12-01T00:00:00.000Z'))).toBe(true);
    expect(await getFeedbackLabel(db, 'nothing')).toBeUndefined();
    const cells = async (extra: object = {}) => (await classCells(db, { model: 'mf', version: '1', ...extra })).sort((a, b) => `${a.deviceId}${a.label}`.localeCompare(`${b.deviceId}${b.label}`));
    expect(await cells()).toEqual([
      { deviceId: 'f-1', predicted: 'cat', label: 'cat', count: 4 },
      { deviceId: 'f-1', predicted: 'cat', label: 'dog', count: 1 },
      { deviceId: 'f-2', predicted: 'cat', label: 'cat', count: 2 },
    ]);
    expect(await cells({ ring: 'default' })).toEqual([{ deviceId: 'f-2', predicted: 'cat', label: 'cat', count: 2 }]);
    expect(await cells({ device: 'f-1', from: '2026-12-03T12:00:00.000Z', to: '2026-12-03T12:00:00.001Z' })).toHaveLength(2);
    expect(await cells({ to: '2026-12-02T00:00:00.000Z' })).toEqual([{ deviceId: 'f-2', predicted: 'cat', label: 'cat', count: 2 }]);
    // A regressor's errors, summed as doubles (0.1 would not survive a 4-byte float).
    await upsertFeedbackLabel(db, { ...label('p:r1', 'f-1', '2.5', '2.4', 1), model: 'mr' });
    await upsertFeedbackLabel(db, { ...label('p:r2', 'f-1', '1', '3', 2), model: 'mr' });
    const [sums] = await errorSums(db, { model: 'mr', version: '1' });
    expect(sums?.deviceId).toBe('f-1');
    expect(sums?.count).toBe(3);
    expect(sums?.absError).toBeCloseTo(0.1 + 4, 12);
    expect(sums?.sqError).toBeCloseTo(0.01 + 8, 12);
    expect(await errorSums(db, { model: 'mr', version: '1', ring: 'default' })).toEqual([]);
  });

  it('counts a window once when it is merged from two transactions at once', async () => {
    const db = make();
    const w = window('cc-1', 'concurrent-0001', 10, 'mc');
    const key = { deviceId: 'cc-1', model: 'mc', version: '1', hour: HOUR };
    const claimed = gate();
    const release = gate();
    /** What ingestion does with one window: claim its msgId, then merge it into the bucket it read. */
    const merge = (tx: Db, onClaimed?: () => Promise<void>) =>
      (async () => {
        const mine = await claimStatsMessage(tx, { msgId: w.msgId, deviceId: 'cc-1', model: 'mc', version: '1', windowStart: w.windowStart, receivedAt: NOW.toISOString() });
        if (!mine) return false;
        await onClaimed?.();
        const stored = await getStatsBucket(tx, key);
        const windows = stored?.windows ?? 0;
        if (!(await upsertStatsBucket(tx, { ...key, sha256: SHA, windows: windows + 1, merged: w, updatedAt: NOW.toISOString() }, windows))) throw new Error('stale');
        return true;
      })();
    const first = db.transaction((tx) =>
      merge(tx, async () => {
        claimed.open();
        await release.opened;
      }),
    );
    await claimed.opened;
    // The second claim of the same msgId, on another connection, while the first is not committed.
    const second = db.transaction((tx) => merge(tx));
    if (engine === 'postgres') await waitUntilBlockedOnLock(db);
    release.open();
    expect([await first, await second]).toEqual([true, false]);
    expect(await getStatsBucketHead(db, key)).toMatchObject({ windows: 1 });
  });

  it('refuses a merge computed from a read another transaction overtook, and the ingest applied again counts both windows', async () => {
    const db = make();
    await addDevice(db, 'st-1');
    await addVersion(db, 'ms');
    const key = { deviceId: 'st-1', model: 'ms', version: '1', hour: HOUR };
    const deps = { db };
    const ingest = (tx: Db, msgId: string, n: number) => ingestStatsWindows(deps, tx, [{ deviceId: 'st-1', window: window('st-1', msgId, n, 'ms') }], NOW);
    if (engine === 'postgres') {
      // Two replicas without the device lock: both read no bucket; the later write must not overwrite the first.
      const read = gate();
      const release = gate();
      const first = db.transaction(async (tx) => {
        const result = await ingest(tx, 'stale-0001', 10);
        read.open();
        await release.opened;
        return result.outcomes;
      });
      await read.opened;
      const second = db.transaction((tx) => ingest(tx, 'stale-0002', 20));
      // Handled from the start: it may reject while the test still awaits `first`.
      const secondRefused = expect(second).rejects.toBeInstanceOf(StaleBucketError);
      await waitUntilBlockedOnLock(db);
      release.open();
      expect(await first).toEqual([{ stored: true, duplicate: false }]);
      await secondRefused;
      // Rolled back whole: its msgId was not claimed, so applying it again stores it.
      expect(await getStatsMessage(db, 'stale-0002')).toBeUndefined();
    } else {
      await db.transaction((tx) => ingest(tx, 'stale-0001', 10));
    }
    const again = await db.transaction((tx) => ingest(tx, 'stale-0002', 20));
    again.committed();
    expect(again.outcomes).toEqual([{ stored: true, duplicate: false }]);
    const bucket = await getStatsBucket(db, key);
    expect(bucket?.windows).toBe(2);
    expect((bucket?.merged as StatsWindow).n).toBe(30);
    // A redelivery of either changes nothing.
    const redelivered = await db.transaction((tx) => ingest(tx, 'stale-0001', 10));
    expect(redelivered.outcomes).toEqual([{ stored: true, duplicate: true }]);
    expect((await getStatsBucket(db, key))?.windows).toBe(2);
  });

  it('ingests on two replicas at once: each window counted once, the newest report kept, nothing overwritten', async () => {
    const db = make();
    await addVersion(db, 'mr');
    for (const id of ['rp-1', 'rp-2']) await addDevice(db, id);
    /** A replica: its own hub context (counters, caches) on the shared database. */
    const replica = () => ({ db, now: () => NOW, logger: silentLogger, ingest: { received: { state: 0, events: 0, online: 0, stats: 0 }, rejected: new RejectionTracker(3_600_000) }, jobs: { has: () => false } }) as unknown as HubContext;
    const stats = (w: StatsWindow): IngestItem => ({ kind: 'message', message: { topic: statsTopic(w.device), payload: Buffer.from(JSON.stringify(w)), clientId: w.device } });
    const state = (device: string, seq: number): IngestItem => ({ kind: 'message', message: { topic: stateTopic(device), payload: Buffer.from(JSON.stringify(report(device, { seq, at: new Date(NOW.getTime() + seq * 1000).toISOString() }))), clientId: device } });
    const w = (device: string, i: number, n: number) => window(device, `replica-${device}-${i}`, n, 'mr');
    // A redelivery of rp-1's window 3 reaches both; each replica also has windows of its own for both devices.
    const [a, b] = [replica(), replica()];
    await Promise.all([
      applyIngestBatch(a, [stats(w('rp-1', 1, 1)), stats(w('rp-2', 1, 10)), stats(w('rp-1', 3, 100)), state('rp-1', 5)]),
      applyIngestBatch(b, [stats(w('rp-1', 3, 100)), stats(w('rp-2', 2, 20)), stats(w('rp-1', 4, 1000)), state('rp-1', 4)]),
    ]);
    const bucket = async (deviceId: string) => getStatsBucket(db, { deviceId, model: 'mr', version: '1', hour: HOUR });
    expect([(await bucket('rp-1'))?.windows, ((await bucket('rp-1'))?.merged as StatsWindow).n]).toEqual([3, 1101]);
    expect([(await bucket('rp-2'))?.windows, ((await bucket('rp-2'))?.merged as StatsWindow).n]).toEqual([2, 30]);
    expect(a.ingest.received.stats + b.ingest.received.stats).toBe(5);
    expect((a.ingest.rejected.counts()['E_DUPLICATE'] ?? 0) + (b.ingest.rejected.counts()['E_DUPLICATE'] ?? 0)).toBe(1);
    // Whichever replica went second read what the first stored: seq 4 never replaces seq 5.
    expect(((await getDevice(db, 'rp-1'))?.reportedState as { seq: number }).seq).toBe(5);
  });
});
