/**
 * ISSUE 12: the drift alerts and the webhook outbox (adapters/db/alerts.ts, notifications.ts),
 * one contract run against SQLite and against a real PostgreSQL 15. Alerts are written, found
 * open, updated and listed; notifications get increasing ids, and delivery claims them: due ones
 * in queue order, one claimant at a time, and a claim that lapsed (its sender died) can be taken
 * again while the late sender's outcome is refused. Then two replicas on one PostgreSQL (two Db
 * handles): concurrent drains claim every notification once and post it to a real receiver
 * once, and concurrent drift runs opening the same alert open one.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { getAlert, getOpenAlert, insertAlert, listAlerts, lockAlertScope, updateAlert, versionsWithStats, type AlertRow } from '../../../src/adapters/db/alerts';
import type { Db } from '../../../src/adapters/db/db';
import type { Logger } from '../../../src/adapters/logger';
import { claimDueNotification, insertNotification, listNotifications, settleNotification } from '../../../src/adapters/db/notifications';
import { openDatabase, type OpenedDb } from '../../../src/adapters/db/open';
import { alerts, notifications, statsBuckets } from '../../../src/adapters/db/schema';
import { deliverDueNotifications, queueNotification } from '../../../src/services/drift/notifications';
import { startPostgres, type PostgresServer } from '../../../../test/support/postgres';
import { ENGINES, useBothDatabases } from './both-databases';

const T0 = Date.parse('2026-12-01T00:00:00.000Z');
const iso = (offsetMs: number): string => new Date(T0 + offsetMs).toISOString();
const MINUTE = 60_000;

const alertRow = (id: string, model: string, overrides: Partial<AlertRow> = {}): typeof alerts.$inferInsert => ({
  id,
  model,
  version: '1.0.0',
  scope: 'fleet',
  status: 'open',
  severity: 'warning',
  signals: ['x1'],
  evidence: { latestHour: iso(0), signals: [{ name: 'x1', devices: ["o'hare"] }] },
  alarmingEvaluations: 1,
  quietEvaluations: 0,
  openedAt: iso(0),
  updatedAt: iso(0),
  ...overrides,
});

const pending = (db: Db, dueAt: string, kind = 'alert.opened') => insertNotification(db, { kind, payload: { n: dueAt }, createdAt: dueAt, nextAttemptAt: dueAt, status: 'pending' });

// Not test/support's: that module loads the whole hub, which this test does not need.
const silentLogger: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };

const databases = useBothDatabases();

describe.each(ENGINES)('alerts repository on %s', (engine) => {
  it('writes an alert, finds it open by version and scope, updates it and resolves it', async () => {
    const db = databases[engine]();
    const model = `cls-${engine}-a`;
    await insertAlert(db, alertRow(`a1-${engine}`, model));
    expect(await getAlert(db, `a1-${engine}`)).toMatchObject({ model, status: 'open', signals: ['x1'], evidence: { signals: [{ devices: ["o'hare"] }] }, resolvedAt: null });
    expect((await getOpenAlert(db, model, '1.0.0', 'fleet'))?.id).toBe(`a1-${engine}`);
    expect(await getOpenAlert(db, model, '1.0.0', 'ring:canary')).toBeUndefined();
    expect(await getOpenAlert(db, model, '2.0.0', 'fleet')).toBeUndefined();

    expect(await updateAlert(db, `a1-${engine}`, { severity: 'drift', signals: ['x1', 'x2'], alarmingEvaluations: 2, updatedAt: iso(MINUTE) })).toBe(1);
    expect(await getAlert(db, `a1-${engine}`)).toMatchObject({ severity: 'drift', signals: ['x1', 'x2'], alarmingEvaluations: 2, updatedAt: iso(MINUTE) });
    expect(await updateAlert(db, 'no-such-alert', { quietEvaluations: 9 })).toBe(0);

    expect(await updateAlert(db, `a1-${engine}`, { status: 'resolved', resolvedAt: iso(2 * MINUTE), updatedAt: iso(2 * MINUTE) })).toBe(1);
    expect(await getOpenAlert(db, model, '1.0.0', 'fleet')).toBeUndefined();
    expect(await getAlert(db, `a1-${engine}`)).toMatchObject({ status: 'resolved', resolvedAt: iso(2 * MINUTE) });
  });

  it('lists alerts newest first, filtered by status, model and version, up to a limit', async () => {
    const db = databases[engine]();
    const model = `cls-${engine}-b`;
    await insertAlert(db, alertRow(`b1-${engine}`, model, { updatedAt: iso(1) }));
    await insertAlert(db, alertRow(`b2-${engine}`, model, { version: '2.0.0', updatedAt: iso(3) }));
    await insertAlert(db, alertRow(`b3-${engine}`, model, { status: 'resolved', resolvedAt: iso(2), updatedAt: iso(2) }));
    await insertAlert(db, alertRow(`b4-${engine}`, `${model}-other`, { updatedAt: iso(4) }));
    const ids = (rows: AlertRow[]) => rows.map((row) => row.id);
    expect(ids(await listAlerts(db, { model }))).toEqual([`b2-${engine}`, `b3-${engine}`, `b1-${engine}`]);
    expect(ids(await listAlerts(db, { model, status: 'open' }))).toEqual([`b2-${engine}`, `b1-${engine}`]);
    expect(ids(await listAlerts(db, { model, status: 'resolved' }))).toEqual([`b3-${engine}`]);
    expect(ids(await listAlerts(db, { model, version: '2.0.0' }))).toEqual([`b2-${engine}`]);
    expect(ids(await listAlerts(db, { model, limit: 1 }))).toEqual([`b2-${engine}`]);
    expect(ids(await listAlerts(db)).indexOf(`b4-${engine}`)).toBeLessThan(ids(await listAlerts(db)).indexOf(`b2-${engine}`));
  });

  it('names the versions with statistics in an hour range once each, in order', async () => {
    const db = databases[engine]();
    const model = `stats-${engine}`;
    const bucket = (deviceId: string, version: string, hour: string) => ({ deviceId, model, version, hour, sha256: 'ab', windows: 1, merged: {}, updatedAt: hour });
    await db.insert(statsBuckets).values([bucket('d1', '2.0.0', iso(60 * MINUTE)), bucket('d2', '2.0.0', iso(60 * MINUTE)), bucket('d1', '1.0.0', iso(0)), bucket('d1', '3.0.0', iso(120 * MINUTE))]);
    const mine = async (from: number, to: number) => (await versionsWithStats(db, iso(from * MINUTE), iso(to * MINUTE))).filter((v) => v.model === model);
    expect(await mine(0, 120)).toEqual([
      { model, version: '1.0.0' },
      { model, version: '2.0.0' },
    ]);
    expect(await mine(60, 180)).toEqual([
      { model, version: '2.0.0' },
      { model, version: '3.0.0' },
    ]);
    expect(await mine(180, 240)).toEqual([]);
  });

  it('takes the scope lock inside a transaction, and a rolled back insert leaves no alert', async () => {
    const db = databases[engine]();
    const model = `cls-${engine}-c`;
    await expect(
      db.transaction(async (tx) => {
        await lockAlertScope(tx, model, '1.0.0', 'fleet');
        await insertAlert(tx, alertRow(`c1-${engine}`, model));
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await getOpenAlert(db, model, '1.0.0', 'fleet')).toBeUndefined();
    await db.transaction(async (tx) => {
      await lockAlertScope(tx, model, '1.0.0', 'fleet');
      if (!(await getOpenAlert(tx, model, '1.0.0', 'fleet'))) await insertAlert(tx, alertRow(`c2-${engine}`, model));
    });
    expect((await getOpenAlert(db, model, '1.0.0', 'fleet'))?.id).toBe(`c2-${engine}`);
  });
});

describe.each(ENGINES)('notifications repository on %s', (engine) => {
  beforeEach(async () => {
    await databases[engine]().delete(notifications);
  });

  it('gives increasing ids, queues skipped rows without a webhook, and lists newest first up to a limit', async () => {
    const db = databases[engine]();
    const first = await pending(db, iso(0));
    const second = await pending(db, iso(1));
    expect(second).toBeGreaterThan(first);
    const skipped = await queueNotification(db, null, new Date(T0), 'rollout.halted', { rollout: "r'1" });
    const queued = await queueNotification(db, { url: 'http://127.0.0.1:9/' }, new Date(T0), 'alert.resolved', { alert: 'a' });
    const listed = await listNotifications(db);
    expect(listed.map((row) => row.id)).toEqual([queued, skipped, second, first]);
    expect(listed[1]).toMatchObject({ kind: 'rollout.halted', status: 'skipped', payload: { rollout: "r'1" }, attempts: 0, deliveredAt: null, lastError: null });
    expect(listed[0]).toMatchObject({ status: 'pending', nextAttemptAt: iso(0) });
    expect((await listNotifications(db, 2)).map((row) => row.id)).toEqual([queued, skipped]);
  });

  it('claims due pending notifications in queue order, each once, until its claim ends', async () => {
    const db = databases[engine]();
    // A retry due earlier does not overtake a notification queued before it.
    const queuedFirst = await pending(db, iso(5 * MINUTE));
    const queuedNext = await pending(db, iso(MINUTE));
    const notDue = await pending(db, iso(60 * MINUTE));
    await insertNotification(db, { kind: 'alert.opened', payload: {}, createdAt: iso(0), nextAttemptAt: iso(0), status: 'skipped' });
    const now = iso(10 * MINUTE);
    const claimedUntil = iso(12 * MINUTE);
    const first = await claimDueNotification(db, now, claimedUntil);
    expect(first).toMatchObject({ id: queuedFirst, status: 'pending', attempts: 0, nextAttemptAt: claimedUntil });
    expect((await claimDueNotification(db, now, claimedUntil))?.id).toBe(queuedNext);
    // Both are claimed; the third is not due; the skipped one is never sent.
    expect(await claimDueNotification(db, now, claimedUntil)).toBeUndefined();
    expect((await listNotifications(db)).find((row) => row.id === notDue)?.nextAttemptAt).toBe(iso(60 * MINUTE));
    // A claim whose sender died ends, and the notification is due again.
    expect((await claimDueNotification(db, claimedUntil, iso(14 * MINUTE)))?.id).toBe(queuedFirst);
  });

  it('records an outcome only while its claim stands', async () => {
    const db = databases[engine]();
    const id = await pending(db, iso(0));
    const claim = await claimDueNotification(db, iso(MINUTE), iso(2 * MINUTE));
    if (!claim) throw new Error('nothing claimed');
    expect(await settleNotification(db, claim, { attempts: 1, lastError: 'HTTP 503', nextAttemptAt: iso(3 * MINUTE) })).toBe(true);
    expect((await listNotifications(db))[0]).toMatchObject({ id, status: 'pending', attempts: 1, lastError: 'HTTP 503', nextAttemptAt: iso(3 * MINUTE) });
    // Settled: the same claim cannot write again.
    expect(await settleNotification(db, claim, { status: 'failed', nextAttemptAt: iso(3 * MINUTE) })).toBe(false);

    // A slow sender whose claim lapsed and was taken over writes nothing; the new claimant's outcome stands.
    const slow = await claimDueNotification(db, iso(3 * MINUTE), iso(4 * MINUTE));
    const takeover = await claimDueNotification(db, iso(4 * MINUTE), iso(5 * MINUTE));
    if (!slow || !takeover) throw new Error('nothing claimed');
    expect(await settleNotification(db, slow, { status: 'delivered', attempts: 2, deliveredAt: iso(4 * MINUTE), lastError: null, nextAttemptAt: iso(4 * MINUTE) })).toBe(false);
    expect((await listNotifications(db))[0]).toMatchObject({ status: 'pending', attempts: 1, nextAttemptAt: iso(5 * MINUTE) });
    expect(await settleNotification(db, takeover, { status: 'delivered', attempts: 2, deliveredAt: iso(4 * MINUTE), lastError: null, nextAttemptAt: iso(4 * MINUTE) })).toBe(true);
    expect((await listNotifications(db))[0]).toMatchObject({ status: 'delivered', attempts: 2, deliveredAt: iso(4 * MINUTE), lastError: null });
    expect(await claimDueNotification(db, iso(60 * MINUTE), iso(61 * MINUTE))).toBeUndefined();
  });

  it('gives simultaneous claims different notifications', async () => {
    const db = databases[engine]();
    const ids: number[] = [];
    for (let i = 0; i < 12; i++) ids.push(await pending(db, iso(i)));
    const claims = await Promise.all(Array.from({ length: 16 }, () => claimDueNotification(db, iso(MINUTE), iso(2 * MINUTE))));
    const claimed = claims.flatMap((row) => (row ? [row.id] : []));
    expect(claimed.sort((a, b) => a - b)).toEqual(ids);
  });
});

describe('two hub replicas draining one PostgreSQL outbox', () => {
  let server: PostgresServer | undefined;
  const replicas: OpenedDb[] = [];
  const received: number[] = [];
  let receiver: Server | undefined;
  let receiverUrl = '';

  beforeAll(async () => {
    server = await startPostgres();
    replicas.push(await openDatabase({ url: server.url }), await openDatabase({ url: server.url }));
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        received.push((JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id: number }).id);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver?.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  }, 60_000);

  afterAll(async () => {
    for (const replica of replicas) await replica.close();
    await server?.stop();
    await new Promise((resolve) => receiver?.close(resolve));
  });

  const db = (i: 0 | 1): Db => {
    const replica = replicas[i];
    if (!replica) throw new Error('replicas not open');
    return replica.db;
  };

  it('claims each notification once when both claim at the same moment', async () => {
    await db(0).delete(notifications);
    const ids: number[] = [];
    for (let i = 0; i < 20; i++) ids.push(await pending(db(i % 2 === 0 ? 0 : 1), iso(i)));
    const claims = await Promise.all(Array.from({ length: 30 }, (_, i) => claimDueNotification(db(i % 2 === 0 ? 0 : 1), iso(MINUTE), iso(2 * MINUTE))));
    const claimed = claims.flatMap((row) => (row ? [row.id] : []));
    expect(claimed).toHaveLength(20);
    expect(claimed.sort((a, b) => a - b)).toEqual(ids);
  });

  it('posts each notification to the webhook once when both replicas drain at once', async () => {
    await db(0).delete(notifications);
    received.length = 0;
    const ids: number[] = [];
    for (let i = 0; i < 40; i++) ids.push(await pending(db(0), iso(i)));
    const webhook = { url: receiverUrl };
    const replica = (i: 0 | 1) => ({ db: db(i), now: () => new Date(T0 + MINUTE), logger: silentLogger, alerting: { webhook } });
    const [a, b] = await Promise.all([deliverDueNotifications(replica(0)), deliverDueNotifications(replica(1))]);
    expect(a.delivered + b.delivered).toBe(40);
    expect([...received].sort((x, y) => x - y)).toEqual(ids);
    const rows = await listNotifications(db(1));
    expect(rows.every((row) => row.status === 'delivered' && row.attempts === 1 && row.deliveredAt === iso(MINUTE))).toBe(true);
    // Nothing is left to send.
    expect(await deliverDueNotifications(replica(1))).toEqual({ delivered: 0, retrying: 0, failed: 0 });
    expect(received).toHaveLength(40);
  });

  it('opens one alert when two drift runs find the same version alarming at once', async () => {
    const model = 'raced-cls';
    const waitingForScopeLock = async (): Promise<number> =>
      Number((await db(0).rows<{ n: number }>(sql`SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`))[0]?.n ?? 0);
    // Each run: lock the scope, read the open alert, open one if there is none (drift-job.ts applyFinding).
    const openIfNone = (handle: Db, id: string, between: () => Promise<void>) =>
      handle.transaction(async (tx) => {
        await lockAlertScope(tx, model, '1.0.0', 'fleet');
        const open = await getOpenAlert(tx, model, '1.0.0', 'fleet');
        await between();
        if (!open) await insertAlert(tx, alertRow(id, model));
        return open ? 'updated' : 'opened';
      });
    let locked: () => void = () => undefined;
    const firstHoldsLock = new Promise<void>((resolve) => (locked = resolve));
    let release: () => void = () => undefined;
    const secondWaits = new Promise<void>((resolve) => (release = resolve));
    // The first run holds the lock (having read "no open alert") until the second run waits for it.
    const first = openIfNone(db(0), 'raced-1', async () => {
      locked();
      await secondWaits;
    });
    await firstHoldsLock;
    const second = openIfNone(db(1), 'raced-2', async () => undefined);
    await expect.poll(waitingForScopeLock, { timeout: 10_000 }).toBe(1);
    release();
    expect(await Promise.all([first, second])).toEqual(['opened', 'updated']);
    const open = await db(1).select().from(alerts).where(and(eq(alerts.model, model), eq(alerts.status, 'open')));
    expect(open.map((row) => row.id)).toEqual(['raced-1']);
  });
});
