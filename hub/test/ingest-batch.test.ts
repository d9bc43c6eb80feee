/**
 * One ingestion batch, applied directly on a real SQLite file (no broker): what a batch does with
 * several messages of the same device (duplicates, stale reports, presence), and the batcher's
 * promise, which settles only after the batch committed. Time is a fixed clock and a manual
 * event loop (the batcher's timers).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { onlineTopic, stateTopic, statsTopic, eventsTopic, type StatsWindow } from '@edgefleet/protocol';
import { openDatabase, type OpenedDb } from '../src/adapters/db/open';
import { insertDevice, getDevice } from '../src/adapters/db/devices';
import { insertVersion } from '../src/adapters/db/models';
import { listAudit } from '../src/adapters/db/audit';
import { listStatsBuckets } from '../src/adapters/db/stats';
import { RejectionTracker } from '../src/core/rejection-tracker';
import type { BatchTimers } from '../src/core/batch-queue';
import type { BrokerMessage } from '../src/adapters/broker/broker';
import type { HubContext } from '../src/services/context';
import { applyIngestBatch, type IngestItem } from '../src/services/statistics/ingest';
import { createIngestBatcher } from '../src/services/statistics/ingest-batcher';
import { makeTempDir, report, type TempDir } from './support';
import { UNSIGNED_RELEASE_SHA, unsignedReleaseEnvelope, unsignedReleaseWindow } from './fixtures/unsigned-release';

const NOW = new Date('2026-12-03T12:30:00.000Z');
const SHA = UNSIGNED_RELEASE_SHA;

function window(device: string, msgId: string, n: number, minutesAgo = 10): StatsWindow {
  return unsignedReleaseWindow({ device, msgId, n, windowStart: new Date(NOW.getTime() - minutesAgo * 60_000).toISOString(), windowEnd: NOW.toISOString() });
}

const brokerMessage = (topic: string, body: unknown, clientId: string | null = null): BrokerMessage => ({ topic, payload: Buffer.from(JSON.stringify(body)), clientId });
const message = (topic: string, body: unknown, clientId: string | null = null): IngestItem => ({ kind: 'message', message: brokerMessage(topic, body, clientId) });

/** One real turn of the event loop: a batch's SQLite queries resolve in microtasks, so whatever may run without the manual timers has run. */
const settled = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** setImmediate and setTimeout by hand: `turn()` ends an event-loop turn. */
class ManualTimers implements BatchTimers {
  private immediates: Array<() => void> = [];
  setTimeout = (): unknown => ({});
  clearTimeout = (): void => undefined;
  setImmediate = (fn: () => void): unknown => {
    this.immediates.push(fn);
    return fn;
  };
  clearImmediate = (handle: unknown): void => {
    this.immediates = this.immediates.filter((fn) => fn !== handle);
  };
  turn(): void {
    const due = this.immediates;
    this.immediates = [];
    for (const fn of due) fn();
  }
  /** Turns the loop until `promise` settles (batches are applied a turn after they are cut). */
  async until(promise: Promise<unknown>): Promise<void> {
    let done = false;
    void promise.then(
      () => (done = true),
      () => (done = true),
    );
    for (let i = 0; i < 100 && !done; i++) {
      this.turn();
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (!done) throw new Error('not settled after 100 turns');
  }
}

describe('an ingestion batch', () => {
  let dir: TempDir;
  let opened: OpenedDb;
  let ctx: HubContext;
  const warnings: string[] = [];

  beforeEach(async () => {
    dir = await makeTempDir();
    opened = await openDatabase({ path: join(dir.path, 'edgefleet.db') });
    for (const id of ['d1', 'd2', 'd3']) await insertDevice(opened.db, { id, secretHash: 'x', ring: 'default', tags: {}, createdAt: NOW.toISOString() });
    const envelope = unsignedReleaseEnvelope('m', NOW.toISOString());
    await insertVersion(opened.db, { model: 'm', version: '1', releaseCounter: 1, sha256: SHA, size: 10, io: {}, probe: {}, manifest: envelope, createdAt: NOW.toISOString() }, NOW.toISOString());
    warnings.length = 0;
    // Only what ingestion uses: the database, the clock, the logger, the counters, the scheduler's `has`.
    ctx = {
      db: opened.db,
      now: () => NOW,
      logger: { info: () => undefined, warn: (msg: string) => void warnings.push(msg), error: (msg: string) => void warnings.push(msg) },
      ingest: { received: { state: 0, events: 0, online: 0, stats: 0 }, rejected: new RejectionTracker(3_600_000) },
      jobs: { has: () => false },
    } as unknown as HubContext;
  });
  afterEach(async () => {
    await opened.close();
    await dir.remove();
  });

  it('stores a msgId once when it comes twice in the same batch, and merges a device-hour in memory', async () => {
    const a = window('d1', 'msg-d1-0001', 10);
    const b = window('d1', 'msg-d1-0002', 20, 20);
    const c = window('d2', 'msg-d2-0001', 5);
    await applyIngestBatch(ctx, [message(statsTopic('d1'), a, 'd1'), message(statsTopic('d1'), a, 'd1'), message(statsTopic('d1'), b, 'd1'), message(statsTopic('d2'), c, 'd2'), message(statsTopic('d1'), b, 'd1')]);
    expect(ctx.ingest.received.stats).toBe(3);
    expect(ctx.ingest.rejected.counts()).toEqual({ E_DUPLICATE: 2 });
    const buckets = await listStatsBuckets(opened.db, { model: 'm', version: '1', fromHour: '2026-12-01T00:00:00.000Z', to: '2026-12-04T00:00:00.000Z' });
    expect(buckets.map((row) => [row.deviceId, row.windows])).toEqual([
      ['d1', 2],
      ['d2', 1],
    ]);
    expect((buckets[0]?.merged as StatsWindow).n).toBe(30);
    // The next batch reads the bucket back and goes on adding; an old msgId is still a duplicate.
    await applyIngestBatch(ctx, [message(statsTopic('d1'), window('d1', 'msg-d1-0003', 1), 'd1'), message(statsTopic('d1'), a, 'd1')]);
    const after = await listStatsBuckets(opened.db, { model: 'm', version: '1', fromHour: '2026-12-01T00:00:00.000Z', to: '2026-12-04T00:00:00.000Z', device: 'd1' });
    expect(after.map((row) => [row.windows, (row.merged as StatsWindow).n])).toEqual([[3, 31]]);
    expect(ctx.ingest.rejected.counts()).toEqual({ E_DUPLICATE: 3 });
  });

  it('refuses in a batch what it refuses alone, each counted under its code, without holding back the others', async () => {
    await applyIngestBatch(ctx, [
      message(statsTopic('d1'), window('d1', 'msg-bad-0001', 3), 'd2'),
      message(statsTopic('nobody'), window('nobody', 'msg-bad-0002', 3), 'nobody'),
      message(statsTopic('d1'), { ...window('d1', 'msg-bad-0003', 3), version: '9' }, 'd1'),
      message(statsTopic('d1'), { broken: true }, 'd1'),
      message(statsTopic('d3'), window('d3', 'msg-ok-0001', 3), 'd3'),
    ]);
    expect(ctx.ingest.rejected.counts()).toEqual({ E_NOT_FOR_DEVICE: 1, E_UNKNOWN_DEVICE: 1, E_UNKNOWN_VERSION: 1, E_SCHEMA: 1 });
    expect(ctx.ingest.received.stats).toBe(1);
    // Audited once per device and code, never for an unknown device.
    const audited = (await listAudit(opened.db)).filter((row) => row.action === 'device.message.rejected');
    expect(audited.map((row) => (row.details as { code: string }).code).sort()).toEqual(['E_NOT_FOR_DEVICE', 'E_SCHEMA', 'E_UNKNOWN_VERSION']);
  });

  it('applies the stale rule against the report before it in the same batch; the last accepted one is stored', async () => {
    const at = (s: number): string => new Date(NOW.getTime() + s * 1000).toISOString();
    await applyIngestBatch(ctx, [
      message(stateTopic('d1'), report('d1', { seq: 4, phase: 'downloading', at: at(4) })),
      message(stateTopic('d1'), report('d1', { seq: 3, phase: 'idle', at: at(5) })),
      message(stateTopic('d1'), report('d1', { seq: 5, phase: 'idle', at: at(1) })),
      message(stateTopic('d2'), report('d2', { seq: 1, phase: 'verifying', at: at(1) })),
      message(stateTopic('d1'), report('d1', { seq: 5, phase: 'verifying', at: at(0) })),
    ]);
    expect(ctx.ingest.received.state).toBe(3);
    expect(ctx.ingest.rejected.counts()).toEqual({ E_STALE: 2 });
    expect((await getDevice(opened.db, 'd1'))?.reportedState).toMatchObject({ seq: 5, phase: 'idle' });
    expect((await getDevice(opened.db, 'd2'))?.reportedState).toMatchObject({ seq: 1, phase: 'verifying' });
    const changes = (await listAudit(opened.db, 'device:d1')).filter((row) => row.action === 'device.state.changed');
    // Oldest last: none -> downloading, downloading -> idle.
    expect(changes.map((row) => (row.details as { phase: string }).phase)).toEqual(['idle', 'downloading']);
  });

  it("stores an agent's periodic refresh of an unchanged state but asks the rollout controller only about a change", async () => {
    const at = (s: number): string => new Date(NOW.getTime() + s * 1000).toISOString();
    // Whether applying a batch asked the controller to look (requestReconcile first asks `has`).
    const asksController = async (items: IngestItem[]): Promise<boolean> => {
      let asked = false;
      await applyIngestBatch({ ...ctx, jobs: { has: () => (asked = true), runNow: async () => ({ durationMs: 0 }) } } as unknown as HubContext, items);
      return asked;
    };
    expect(await asksController([message(stateTopic('d3'), report('d3', { seq: 2, phase: 'serving', at: at(1) }))])).toBe(true);
    expect(await asksController([message(stateTopic('d3'), report('d3', { seq: 2, phase: 'serving', at: at(2) }))])).toBe(false);
    expect((await getDevice(opened.db, 'd3'))?.reportedState).toMatchObject({ seq: 2, at: at(2) });
    expect(await asksController([message(stateTopic('d3'), report('d3', { seq: 3, phase: 'serving', at: at(3) }))])).toBe(true);
    expect(ctx.ingest.rejected.counts()).toEqual({});
  });

  it('writes presence once per device, the last event winning, and audits only a change', async () => {
    await applyIngestBatch(ctx, [
      { kind: 'presence', deviceId: 'd1', online: true, source: 'connection' },
      message(onlineTopic('d1'), { online: false }, 'd1'),
      { kind: 'presence', deviceId: 'd1', online: true, source: 'connection' },
      { kind: 'presence', deviceId: 'd2', online: true, source: 'connection' },
      { kind: 'presence', deviceId: 'd2', online: false, source: 'connection' },
      { kind: 'presence', deviceId: 'stranger', online: true, source: 'connection' },
    ]);
    expect(await getDevice(opened.db, 'd1')).toMatchObject({ online: true, lastSeenAt: NOW.toISOString() });
    // d2 came and went within the batch: offline before, offline after, nothing to audit.
    expect(await getDevice(opened.db, 'd2')).toMatchObject({ online: false, lastSeenAt: NOW.toISOString() });
    expect(await getDevice(opened.db, 'stranger')).toBeUndefined();
    expect((await listAudit(opened.db)).filter((row) => row.action.startsWith('device.o')).map((row) => [row.subject, row.action, row.details])).toEqual([['device:d1', 'device.online', { source: 'connection' }]]);
    expect(ctx.ingest.received.online).toBe(1);
  });

  it('a window applied again after its batch rolled back is counted once, and later batches add to what was committed', async () => {
    const range = { model: 'm', version: '1', fromHour: '2026-12-01T00:00:00.000Z', to: '2026-12-04T00:00:00.000Z', device: 'd1' };
    const bucket = async (): Promise<[number, number][]> => (await listStatsBuckets(opened.db, range)).map((row) => [row.windows, (row.merged as StatsWindow).n]);
    await applyIngestBatch(ctx, [message(statsTopic('d1'), window('d1', 'msg-rb-0001', 10), 'd1')]);
    expect(await bucket()).toEqual([[1, 10]]);
    // d3's presence is written last in a batch, after the windows' buckets: its write fails.
    const raw = new Database(join(dir.path, 'edgefleet.db'));
    raw.exec(`CREATE TRIGGER poison BEFORE UPDATE ON devices WHEN NEW.id = 'd3' BEGIN SELECT RAISE(ABORT, 'poisoned'); END;`);
    raw.close();
    const batcher = createIngestBatcher(ctx);
    // The window's bucket is merged and written, then the batch rolls back and each item is applied alone.
    const stored = batcher.ingest(brokerMessage(statsTopic('d1'), window('d1', 'msg-rb-0002', 5), 'd1'));
    batcher.presence('d3', true);
    await batcher.flush();
    await stored;
    expect(warnings).toEqual(['ingestion batch failed; applying its messages one at a time', 'could not record device presence']);
    expect(await bucket()).toEqual([[2, 15]]);
    await applyIngestBatch(ctx, [message(statsTopic('d1'), window('d1', 'msg-rb-0003', 1), 'd1')]);
    expect(await bucket()).toEqual([[3, 16]]);
    await batcher.close();
  });

  it('the batcher applies batches at once until a turn spent its budget, then the rest in the turns that follow, in order', async () => {
    const timers = new ManualTimers();
    // Every batch "takes" 8 ms (the clock is read before and after it): a batch starts while the
    // turn spent less than its 20 ms budget, so three run per turn.
    let ms = 0;
    const batcher = createIngestBatcher(ctx, { timers, maxBatch: 1, clock: () => (ms += 8) });
    const event = (id: string): unknown => ({ id, device: 'd1', kind: 'installed', at: NOW.toISOString() });
    const order: string[] = [];
    const names = ['a-0001', 'b-0001', 'c-0001', 'd-0001', 'e-0001', 'f-0001', 'g-0001'];
    for (const id of names) void batcher.ingest(brokerMessage(eventsTopic('d1'), event(id), 'd1')).then(() => order.push(id));
    await settled();
    expect(order).toEqual(['a-0001', 'b-0001', 'c-0001']);
    timers.turn();
    await settled();
    expect(order).toEqual(names.slice(0, 6));
    timers.turn();
    await settled();
    expect(order).toEqual(names);
    await batcher.close();
  });

  it("the batcher settles a message's promise only once its batch committed; a message that fails alone does not hold the others back", async () => {
    const timers = new ManualTimers();
    const batcher = createIngestBatcher(ctx, { timers });
    // A second connection to the same file: a trigger makes one message's write fail, as a full disk would.
    const raw = new Database(join(dir.path, 'edgefleet.db'));
    raw.exec(`CREATE TRIGGER poison BEFORE INSERT ON events WHEN NEW.event_id = 'poison-0001' BEGIN SELECT RAISE(ABORT, 'poisoned'); END;`);
    const stored = (eventId: string): number => (raw.prepare('SELECT count(*) AS n FROM events WHERE event_id = ?').get(eventId) as { n: number }).n;
    const event = (id: string): unknown => ({ id, device: 'd1', kind: 'installed', at: NOW.toISOString() });
    const states: string[] = [];
    for (const name of ['first', 'poison', 'last']) {
      batcher.ingest(brokerMessage(eventsTopic('d1'), event(`${name}-0001`), 'd1')).then(
        () => states.push(`${name}: ok, stored ${stored(`${name}-0001`)}`),
        // drizzle wraps the driver's error (its cause) in one naming the query.
        (error: unknown) => states.push(`${name}: failed (${String(error instanceof Error && error.cause !== undefined ? error.cause : error)})`),
      );
    }
    await Promise.resolve();
    expect(states).toEqual([]);
    await timers.until(batcher.flush());
    expect(states).toEqual(['first: ok, stored 1', 'poison: failed (SqliteError: poisoned)', 'last: ok, stored 1']);
    expect(warnings).toContain('ingestion batch failed; applying its messages one at a time');
    await timers.until(batcher.close());
    raw.close();
    // Closed: later messages are never acknowledged (the device sends them again).
    let settled = false;
    void batcher.ingest(brokerMessage(eventsTopic('d1'), event('late-0001'), 'd1')).then(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false);
  });
});
