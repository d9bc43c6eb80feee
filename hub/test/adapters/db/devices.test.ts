/**
 * ISSUE 12: devices, credentials, assignments, events and audit, one contract run against SQLite
 * and against a real PostgreSQL 15 through the same code (adapters/db/devices.ts, assignments.ts,
 * events.ts, audit.ts). Every repository function writes and reads back what it should; the
 * device secret store serves the credential verifier (an old scrypt row upgraded in place); and
 * what several hub replicas may do at once stays right: concurrent seq bumps of one device get
 * consecutive values, concurrent assignments of one device each replace the one committed before
 * (the stored assignment always carries the latest seq), and an assignment racing a
 * decommissioning never leaves the decommissioned device assigned.
 */
import { createHash, randomBytes, scryptSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TRUST_TOPIC, desiredTopic } from '@edgefleet/protocol';
import type { BrokerCounters } from '../../../src/adapters/broker/broker';
import { noProvisioning } from '../../../src/adapters/broker/provisioner';
import { writeAudit, listAudit } from '../../../src/adapters/db/audit';
import {
  deleteAssignment,
  getAssignment,
  getAssignmentTarget,
  getAssignmentTargets,
  listAssignmentDocs,
  listAssignments,
  listAssignmentTargets,
  upsertAssignment,
  type AssignmentRow,
} from '../../../src/adapters/db/assignments';
import type { Db } from '../../../src/adapters/db/db';
import {
  bumpSeq,
  countSecretHashesWithPrefix,
  deviceDecommissionedAt,
  deviceSecretStore,
  getDevice,
  getSecretHash,
  getStoredReport,
  getStoredReports,
  insertDevice,
  listDevices,
  listFleetRows,
  lockDevices,
  markAllOffline,
  markDecommissioned,
  onlineFlags,
  replaceSecretHash,
  setOnlineMany,
  setSecretHash,
  updateDevicePlacement,
  updateReportedState,
} from '../../../src/adapters/db/devices';
import { isUniqueViolation } from '../../../src/adapters/db/dialect';
import { insertEvent, listEvents } from '../../../src/adapters/db/events';
import type { Logger } from '../../../src/adapters/logger';
import { createCredentialVerifier, hashSecret, secretKeyFrom } from '../../../src/adapters/secrets';
import { KeyedLock } from '../../../src/core/keyed-lock';
import { assignDevice, assignDevices, republishRetained } from '../../../src/services/devices/deployments';
import { decommissionDevice } from '../../../src/services/devices/devices';
import type { ReleaseInfo, ReleaseManifests } from '../../../src/services/models/release-manifests';
import { ENGINES, useBothDatabases } from './both-databases';

// Not test/support's: that module loads the whole hub, which this test does not need.
const silentLogger: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };
const T0 = '2026-03-01T00:00:00.000Z';
const device = (id: string, extra: Partial<Parameters<typeof insertDevice>[1]> = {}) => ({ id, secretHash: `hmac-sha256$0123456789abcdef$${id}`, ring: 'canary', tags: { site: "o'hare" }, createdAt: T0, ...extra });

function assignmentRow(deviceId: string, seq: number, version = 'v1'): AssignmentRow {
  return { deviceId, model: 'm', version, seq, doc: { payload: `doc-${seq}`, signatures: [{ keyid: '0'.repeat(64), sig: 's' }] }, previousModel: null, previousVersion: null, assignedAt: T0, shadowModel: null, shadowVersion: null };
}

/** Registered releases as the assignment service sees them; `onLookup` runs on each lookup. */
function releaseCatalog(counters: Record<string, number>, onLookup: (key: string) => Promise<void> = async () => undefined): ReleaseManifests {
  const infos = new Map<string, ReleaseInfo>();
  for (const [key, releaseCounter] of Object.entries(counters)) {
    const [model = '', version = ''] = key.split('@');
    const bytes = new TextEncoder().encode(key);
    infos.set(key, { model, version, releaseCounter, envelope: { payload: 'e30', signatures: [{ keyid: '0'.repeat(64), sig: 's' }] }, bytes, ref: { sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length } });
  }
  return {
    get: async (model, version) => {
      await onLookup(`${model}@${version}`);
      return infos.get(`${model}@${version}`);
    },
    bytesOf: async () => null,
    forget: () => undefined,
    reset: () => undefined,
  };
}

/** A broker that records what it is handed (each stands for one replica's broker connection). */
function recordingBroker() {
  const published: Array<{ topic: string; payload: string; retain: boolean }> = [];
  return {
    published,
    publish: async (topic: string, payload: Uint8Array | string, options?: { retain?: boolean }) => {
      published.push({ topic, payload: typeof payload === 'string' ? payload : Buffer.from(payload).toString('utf8'), retain: options?.retain ?? false });
    },
    counters: (): BrokerCounters => ({ kind: 'external', url: 'mqtt://test', connected: true, reconnects: 0, messagesReceived: 0, messagesPublished: 0, messagesDropped: 0 }),
    endSession: async () => false,
  };
}

const signDoc = (payload: unknown) => ({ payload: Buffer.from(JSON.stringify(payload)).toString('base64'), signatures: [{ keyid: '0'.repeat(64), sig: 's' }] });

function assignContext(db: Db, releases: ReleaseManifests, broker = recordingBroker()) {
  return { db, releases, signDoc, broker, logger: silentLogger, now: () => new Date(T0), deploymentTtlS: 86_400, statsIntervalS: 60 };
}

type AssignedAudit = { seq: number; version: string; previous: string | null; allowDowngrade: boolean };
const assignedAudits = async (db: Db, id: string): Promise<AssignedAudit[]> =>
  (await listAudit(db, `device:${id}`, 1000))
    .filter((row) => row.action === 'device.assigned')
    .map((row) => row.details as AssignedAudit)
    .sort((a, b) => a.seq - b.seq);

const databases = useBothDatabases();

describe.each(ENGINES)('device rows on %s', (engine) => {
  const make = () => databases[engine]();

  it('stores a device, refuses its id twice, lists it, and moves it to another ring or tags', async () => {
    const db = make();
    await insertDevice(db, device('row-a'));
    await insertDevice(db, device('row-b', { ring: 'beta' }));
    expect(isUniqueViolation(await insertDevice(db, device('row-a')).catch((error: unknown) => error))).toBe(true);
    expect(await getDevice(db, 'row-a')).toEqual({ ...device('row-a'), online: false, lastSeenAt: null, reportedState: null, lastErrorCode: null, decommissionedAt: null });
    expect(await getDevice(db, 'nobody')).toBeUndefined();
    expect((await listDevices(db)).map((d) => d.id).filter((id) => id.startsWith('row-'))).toEqual(['row-a', 'row-b']);

    expect(await updateDevicePlacement(db, 'row-a', { ring: 'ga' })).toBe(true);
    expect(await updateDevicePlacement(db, 'row-b', { tags: { zone: 'z.1' } })).toBe(true);
    expect(await updateDevicePlacement(db, 'nobody', { ring: 'ga' })).toBe(false);
    expect(await getDevice(db, 'row-a')).toMatchObject({ ring: 'ga', tags: { site: "o'hare" } });
    expect(await getDevice(db, 'row-b')).toMatchObject({ ring: 'beta', tags: { zone: 'z.1' } });
  });

  it('keeps presence for many devices in one statement, and marks everyone offline on start', async () => {
    const db = make();
    for (const id of ['on-a', 'on-b', 'on-c']) await insertDevice(db, device(id));
    await setOnlineMany(db, ['on-a', 'on-b', 'nobody'], true, '2026-03-01T01:00:00.000Z');
    await setOnlineMany(db, [], false, '2026-03-01T02:00:00.000Z');
    expect(await onlineFlags(db, ['on-a', 'on-b', 'on-c', 'nobody'])).toEqual(new Map([['on-a', true], ['on-b', true], ['on-c', false]]));
    expect(await onlineFlags(db, [])).toEqual(new Map());
    expect(await getDevice(db, 'on-a')).toMatchObject({ online: true, lastSeenAt: '2026-03-01T01:00:00.000Z' });
    await setOnlineMany(db, ['on-b'], false, '2026-03-01T03:00:00.000Z');
    expect(await getDevice(db, 'on-b')).toMatchObject({ online: false, lastSeenAt: '2026-03-01T03:00:00.000Z' });

    expect(await markAllOffline(db)).toBeGreaterThanOrEqual(1);
    expect(await onlineFlags(db, ['on-a', 'on-b', 'on-c'])).toEqual(new Map([['on-a', false], ['on-b', false], ['on-c', false]]));
    expect(await markAllOffline(db)).toBe(0);
  });

  it('stores the last report and reads it back, one device or many', async () => {
    const db = make();
    await insertDevice(db, device('rep-a'));
    await insertDevice(db, device('rep-b'));
    const state = { seq: 4, phase: 'running', active: { model: 'm', version: 'v1', sha256: 'a'.repeat(64) }, note: "it's \"quoted\"" };
    await updateReportedState(db, 'rep-a', state, 'E_MODEL', '2026-03-01T04:00:00.000Z');
    expect(await getStoredReport(db, 'rep-a')).toEqual({ state, decommissionedAt: null });
    expect(await getStoredReport(db, 'rep-b')).toEqual({ state: null, decommissionedAt: null });
    expect(await getStoredReport(db, 'nobody')).toBeUndefined();
    expect(await getDevice(db, 'rep-a')).toMatchObject({ lastErrorCode: 'E_MODEL', lastSeenAt: '2026-03-01T04:00:00.000Z' });
    expect(await getStoredReports(db, ['rep-a', 'rep-b', 'nobody'])).toEqual(
      new Map([
        ['rep-a', { state, decommissionedAt: null }],
        ['rep-b', { state: null, decommissionedAt: null }],
      ]),
    );
    expect(await getStoredReports(db, [])).toEqual(new Map());
  });

  it('lists the fleet as the rollout controller reads it: in service only, with assignment and report', async () => {
    const db = make();
    await insertDevice(db, device('fleet-a', { tags: { site: 'x', 'line-2': 'y' } }));
    await insertDevice(db, device('fleet-b'));
    await insertDevice(db, device('fleet-c'));
    await setOnlineMany(db, ['fleet-a'], true, T0);
    await updateReportedState(db, 'fleet-a', { seq: 1, phase: 'running' }, null, T0);
    await upsertAssignment(db, assignmentRow('fleet-a', 7));
    await markDecommissioned(db, 'fleet-c', T0);
    const rows = (await listFleetRows(db)).filter((row) => row.id.startsWith('fleet-'));
    expect(rows).toEqual([
      { id: 'fleet-a', ring: 'canary', tags: { site: 'x', 'line-2': 'y' }, online: true, assignedModel: 'm', assignedVersion: 'v1', assignedSeq: 7, reported: { seq: 1, phase: 'running' } },
      { id: 'fleet-b', ring: 'canary', tags: { site: "o'hare" }, online: false, assignedModel: null, assignedVersion: null, assignedSeq: null, reported: null },
    ]);
  });

  it('keeps secret hashes: looked up while in service, replaced only over the expected value, counted by prefix', async () => {
    const db = make();
    await insertDevice(db, device('sec-a', { secretHash: 'hmac-sha256$aaaaaaaaaaaaaaaa$one' }));
    await insertDevice(db, device('sec-b', { secretHash: 'hmac-sha256$bbbbbbbbbbbbbbbb$two' }));
    expect(await getSecretHash(db, 'sec-a')).toBe('hmac-sha256$aaaaaaaaaaaaaaaa$one');
    expect(await getSecretHash(db, 'nobody')).toBeUndefined();
    expect(await replaceSecretHash(db, 'sec-a', 'not-what-is-stored', 'x')).toBe(false);
    expect(await replaceSecretHash(db, 'sec-a', 'hmac-sha256$aaaaaaaaaaaaaaaa$one', 'hmac-sha256$aaaaaaaaaaaaaaaa$uno')).toBe(true);
    expect(await getSecretHash(db, 'sec-a')).toBe('hmac-sha256$aaaaaaaaaaaaaaaa$uno');
    expect(await setSecretHash(db, 'sec-b', 'hmac-sha256$aaaaaaaaaaaaaaaa$dos')).toBe(true);
    expect(await setSecretHash(db, 'nobody', 'x')).toBe(false);
    expect(await countSecretHashesWithPrefix(db, 'hmac-sha256$aaaaaaaaaaaaaaaa$')).toBe(2);
    expect(await countSecretHashesWithPrefix(db, 'hmac-sha256$bbbbbbbbbbbbbbbb$')).toBe(0);
    // Case-sensitive on both engines (SQLite's LIKE would not be).
    expect(await countSecretHashesWithPrefix(db, 'HMAC-SHA256$aaaaaaaaaaaaaaaa$')).toBe(0);
  });

  it('decommissions a device once: its secret stops verifying and the broker hooks see it as decommissioned', async () => {
    const db = make();
    await insertDevice(db, device('dec-a'));
    expect(await deviceDecommissionedAt(db, 'dec-a')).toEqual({ decommissionedAt: null });
    expect(await deviceDecommissionedAt(db, 'nobody')).toBeUndefined();
    await setOnlineMany(db, ['dec-a'], true, T0);
    expect(await markDecommissioned(db, 'dec-a', '2026-03-02T00:00:00.000Z')).toBe(true);
    expect(await markDecommissioned(db, 'dec-a', '2026-03-03T00:00:00.000Z')).toBe(false);
    expect(await markDecommissioned(db, 'nobody', T0)).toBe(false);
    expect(await deviceDecommissionedAt(db, 'dec-a')).toEqual({ decommissionedAt: '2026-03-02T00:00:00.000Z' });
    expect(await getDevice(db, 'dec-a')).toMatchObject({ online: false });
    expect(await getSecretHash(db, 'dec-a')).toBeUndefined();
    expect(await setSecretHash(db, 'dec-a', 'x')).toBe(false);
    expect(await getStoredReport(db, 'dec-a')).toEqual({ state: null, decommissionedAt: '2026-03-02T00:00:00.000Z' });
  });

  it('serves the credential verifier: a keyed row verifies, an old scrypt row verifies and is upgraded in place', async () => {
    const db = make();
    const key = secretKeyFrom(randomBytes(32));
    const credentials = createCredentialVerifier({ store: deviceSecretStore(db), keys: [key], now: () => 0, logger: silentLogger });
    const secret = randomBytes(32).toString('base64url');
    await insertDevice(db, device('cred-a', { secretHash: hashSecret(secret, key) }));
    const salt = randomBytes(16);
    const legacy = ['scrypt', 16_384, 8, 1, salt.toString('base64url'), scryptSync(secret, salt, 32, { N: 16_384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 }).toString('base64url')].join('$');
    await insertDevice(db, device('cred-b', { secretHash: legacy }));
    expect(await credentials.verify('cred-a', secret, '10.0.0.1')).toEqual({ kind: 'ok' });
    expect(await credentials.verify('cred-a', 'wrong', '10.0.0.1')).toEqual({ kind: 'invalid' });
    expect(await credentials.verify('nobody', secret, '10.0.0.1')).toEqual({ kind: 'invalid' });
    expect(await credentials.verify('cred-b', secret, '10.0.0.2')).toEqual({ kind: 'ok' });
    expect(await getSecretHash(db, 'cred-b')).toBe(hashSecret(secret, key));
    expect(await deviceSecretStore(db).countWithPrefix(`hmac-sha256$${key.keyid}$`)).toBe(2);
  });

  it('stores one assignment per device, replaced whole, listed and dropped', async () => {
    const db = make();
    for (const id of ['as-a', 'as-b']) await insertDevice(db, device(id));
    await upsertAssignment(db, assignmentRow('as-a', 1));
    await upsertAssignment(db, { ...assignmentRow('as-a', 2, 'v2'), previousModel: 'm', previousVersion: 'v1', shadowModel: 's', shadowVersion: 'v9' });
    await upsertAssignment(db, assignmentRow('as-b', 5));
    const { doc, ...target } = { ...assignmentRow('as-a', 2, 'v2'), previousModel: 'm', previousVersion: 'v1', shadowModel: 's', shadowVersion: 'v9' };
    expect(await getAssignment(db, 'as-a')).toEqual({ ...target, doc });
    expect(await getAssignment(db, 'nobody')).toBeUndefined();
    expect(await getAssignmentTarget(db, 'as-a')).toEqual(target);
    expect(await getAssignmentTarget(db, 'nobody')).toBeUndefined();
    expect(await getAssignmentTargets(db, ['as-a', 'as-b', 'nobody'])).toEqual(new Map([['as-a', target], ['as-b', (({ doc: _doc, ...rest }) => rest)(assignmentRow('as-b', 5))]]));
    expect(await getAssignmentTargets(db, [])).toEqual(new Map());
    expect((await listAssignments(db)).filter((row) => row.deviceId.startsWith('as-')).map((row) => [row.deviceId, row.seq])).toEqual(expect.arrayContaining([['as-a', 2], ['as-b', 5]]));
    expect((await listAssignmentDocs(db)).find((row) => row.deviceId === 'as-b')).toEqual({ deviceId: 'as-b', doc: assignmentRow('as-b', 5).doc });
    expect((await listAssignmentTargets(db)).find((row) => row.deviceId === 'as-a')).toEqual({ deviceId: 'as-a', model: 'm', version: 'v2', seq: 2 });
    expect(await deleteAssignment(db, 'as-a')).toBe(true);
    expect(await deleteAssignment(db, 'as-a')).toBe(false);
    expect(await getAssignment(db, 'as-a')).toBeUndefined();
  });

  it('stores a device event once, however often it is delivered, and lists the newest first', async () => {
    const db = make();
    const event = (eventId: string, at: string) => ({ deviceId: 'ev-a', eventId, kind: 'install', code: null, at, receivedAt: at, body: { id: eventId, kind: 'install', at } });
    expect(await insertEvent(db, event('e1', '2026-03-01T00:00:01.000Z'))).toBe(true);
    expect(await insertEvent(db, event('e1', '2026-03-01T00:00:01.000Z'))).toBe(false);
    expect(await insertEvent(db, { ...event('e2', '2026-03-01T00:00:03.000Z'), code: 'E_X' })).toBe(true);
    expect(await insertEvent(db, event('e3', '2026-03-01T00:00:02.000Z'))).toBe(true);
    expect((await listEvents(db, 'ev-a')).map((row) => [row.eventId, row.code])).toEqual([
      ['e2', 'E_X'],
      ['e3', null],
      ['e1', null],
    ]);
    expect((await listEvents(db, 'ev-a', 1)).map((row) => row.eventId)).toEqual(['e2']);
    expect((await listEvents(db, 'ev-a'))[0]?.body).toEqual({ id: 'e2', kind: 'install', at: '2026-03-01T00:00:03.000Z' });
  });

  it('writes audit rows with increasing ids and lists them newest first, of one subject or all', async () => {
    const db = make();
    for (const [i, action] of ['a.one', 'a.two', 'a.three'].entries()) await writeAudit(db, { at: new Date(Date.parse(T0) + i), actor: 'admin', action, subject: 'audit:x', ...(i === 1 ? { details: { n: 1, s: "it's" } } : {}) });
    await writeAudit(db, { at: new Date(T0), actor: 'admin', action: 'b.one', subject: 'audit:y' });
    const rows = await listAudit(db, 'audit:x');
    expect(rows.map((row) => [row.action, row.details])).toEqual([
      ['a.three', {}],
      ['a.two', { n: 1, s: "it's" }],
      ['a.one', {}],
    ]);
    expect(rows[0]!.id).toBeGreaterThan(rows[1]!.id);
    expect(rows[2]).toMatchObject({ at: T0, actor: 'admin', subject: 'audit:x' });
    expect((await listAudit(db, undefined, 2)).map((row) => row.action)).toEqual(['b.one', 'a.three']);
  });
});

describe.each(ENGINES)('what replicas do at once on %s', (engine) => {
  const make = () => databases[engine]();

  it('gives 50 concurrent seq bumps of one device, each in its own transaction, 50 consecutive values', async () => {
    const db = make();
    await insertDevice(db, device('seq-a'));
    expect(await bumpSeq(db, 'seq-a')).toBe(1);
    const bumped = await Promise.all(Array.from({ length: 50 }, () => db.transaction((tx) => bumpSeq(tx, 'seq-a'))));
    expect([...bumped].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 2));
    // A bump rolled back with its transaction leaves no gap.
    await expect(
      db.transaction(async (tx) => {
        await bumpSeq(tx, 'seq-a');
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await bumpSeq(db, 'seq-a')).toBe(52);
  });

  it('holds locked devices until the transaction ends: a second locker reads what the first wrote', async () => {
    const db = make();
    for (const id of ['lock-a', 'lock-b']) await insertDevice(db, device(id));
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const first = new Promise<void>((resolve) => (locked = resolve));
    const writer = db.transaction(async (tx) => {
      await lockDevices(tx, ['lock-b', 'lock-a']);
      await updateDevicePlacement(tx, 'lock-a', { ring: 'locked' });
      locked();
      await held;
    });
    await first;
    const reader = db.transaction(async (tx) => {
      await lockDevices(tx, ['lock-a']);
      await lockDevices(tx, []);
      return (await getDevice(tx, 'lock-a'))?.ring;
    });
    release();
    await writer;
    expect(await reader).toBe('locked');
  });

  it('assigns one device from many replicas at once: consecutive seqs, each doc replacing the one committed before', async () => {
    const db = make();
    await insertDevice(db, device('race-a'));
    const releases = releaseCatalog({ 'm@v1': 1, 'm@v2': 2, 'm@v3': 3 });
    const brokers = Array.from({ length: 20 }, () => recordingBroker());
    const versions = ['v1', 'v2', 'v2', 'v3'];
    const results = await Promise.all(brokers.map((broker, i) => assignDevice(assignContext(db, releases, broker), 'race-a', { model: 'm', version: versions[i % versions.length] ?? 'v1' }, `replica-${i}`)));
    expect(results.map((r) => r.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));

    // The stored assignment is the last one committed, with the device's latest seq.
    const stored = await getAssignment(db, 'race-a');
    const last = results.find((r) => r.seq === 20);
    expect(stored).toMatchObject({ seq: 20, model: 'm', version: last?.version });
    expect(await db.transaction((tx) => bumpSeq(tx, 'race-a'))).toBe(21);

    // Each assignment read the one committed just before it: its fallback is that one's target
    // when the target changed, and that one's fallback when it did not.
    const audits = await assignedAudits(db, 'race-a');
    expect(audits.map((a) => a.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(audits[0]?.previous).toBeNull();
    for (let k = 1; k < audits.length; k++) {
      const before = audits[k - 1]!;
      const now = audits[k]!;
      expect(now.previous, `seq ${now.seq}`).toBe(before.version !== now.version ? `m@${before.version}` : before.previous);
    }
    // Every replica handed its own doc to its broker, retained.
    for (const [i, broker] of brokers.entries()) expect(broker.published, `replica ${i}`).toEqual([expect.objectContaining({ topic: desiredTopic('race-a'), retain: true })]);
  });

  it('never leaves a device assigned when a decommissioning races its assignment', async () => {
    const db = make();
    const releases = releaseCatalog({ 'm@v1': 1 });
    const ids = Array.from({ length: 10 }, (_, i) => `race-dec-${i}`);
    for (const id of ids) await insertDevice(db, device(id));
    const lifecycle = { db, credentials: { verify: async () => ({ kind: 'invalid' as const }), hash: (s: string) => s }, broker: recordingBroker(), provisioner: noProvisioning, locks: { devices: new KeyedLock(), models: new KeyedLock(), rollouts: new KeyedLock() }, now: () => new Date(T0), logger: silentLogger };
    const assigned = await Promise.all(
      ids.map(async (id) => {
        const [assignment] = await Promise.allSettled([assignDevices(assignContext(db, releases), [{ deviceId: id, target: { model: 'm', version: 'v1' } }], 'rollout'), decommissionDevice(lifecycle, id, 'admin')]);
        return assignment.status === 'fulfilled' ? assignment.value.length : 0;
      }),
    );
    for (const id of ids) {
      expect(await deviceDecommissionedAt(db, id)).toEqual({ decommissionedAt: T0 });
      expect(await getAssignment(db, id), id).toBeUndefined();
    }
    // Whichever came first, the other saw it: an assignment before the decommissioning was dropped by it.
    expect(assigned.every((n) => n === 0 || n === 1)).toBe(true);
    await expect(assignDevice(assignContext(db, releases), ids[0]!, { model: 'm', version: 'v1' }, 'admin')).rejects.toThrow(/decommissioned/);
    await expect(assignDevice(assignContext(db, releases), 'nobody', { model: 'm', version: 'v1' }, 'admin')).rejects.toThrow(/device nobody not found/);
    await expect(assignDevice(assignContext(db, releases), ids[0]!, { model: 'm', version: 'v404' }, 'admin')).rejects.toThrow(/m@v404 not found/);
  });

  it('plans from what is stored when the device changed after its releases were looked up', async () => {
    const db = make();
    await insertDevice(db, device('late-a'));
    await updateReportedState(db, 'late-a', { seq: 1, phase: 'running', active: { model: 'm', version: 'v1' } }, null, T0);
    let reported = false;
    // The first lookup of the reported release is where another replica's write lands: the
    // device now reports v9, which this assignment had not looked up.
    const releases = releaseCatalog({ 'm@v1': 1, 'm@v2': 2, 'm@v9': 9 }, async (key) => {
      if (key !== 'm@v1' || reported) return;
      reported = true;
      await updateReportedState(db, 'late-a', { seq: 2, phase: 'running', active: { model: 'm', version: 'v9' } }, null, T0);
    });
    const [result] = await assignDevices(assignContext(db, releases), [{ deviceId: 'late-a', target: { model: 'm', version: 'v2' } }], 'admin');
    expect(result).toMatchObject({ device: 'late-a', version: 'v2', seq: 1 });
    // Serving v9 (counter 9) makes v2 a downgrade: only a plan made from the stored v9 knows it.
    expect(await assignedAudits(db, 'late-a')).toEqual([expect.objectContaining({ seq: 1, version: 'v2', allowDowngrade: true })]);
  });

  it('assigns a device named twice in one batch twice, the second replacing the first', async () => {
    const db = make();
    await insertDevice(db, device('twice-a'));
    const releases = releaseCatalog({ 'm@v1': 1, 'm@v2': 2 });
    const broker = recordingBroker();
    const results = await assignDevices(assignContext(db, releases, broker), [
      { deviceId: 'twice-a', target: { model: 'm', version: 'v1' } },
      { deviceId: 'nobody', target: { model: 'm', version: 'v1' } },
      { deviceId: 'twice-a', target: { model: 'm', version: 'v2' } },
    ], 'admin');
    expect(results.map((r) => [r.device, r.version, r.seq])).toEqual([
      ['twice-a', 'v1', 1],
      ['twice-a', 'v2', 2],
    ]);
    expect(await getAssignmentTarget(db, 'twice-a')).toMatchObject({ version: 'v2', seq: 2, previousModel: 'm', previousVersion: 'v1' });
    expect(broker.published.map((p) => p.topic)).toEqual([desiredTopic('twice-a'), desiredTopic('twice-a')]);

    // An external broker's retained cache is rebuilt from the stored docs: the trust doc, then each device's latest.
    const republished = recordingBroker();
    const keys = { trustEnvelope: { payload: 'trust', signatures: [] }, trust: { version: 1 }, refresh: async () => false } as unknown as Parameters<typeof republishRetained>[0]['keys'];
    expect(await republishRetained({ db, broker: republished, keys })).toBeGreaterThanOrEqual(1);
    expect(republished.published[0]).toMatchObject({ topic: TRUST_TOPIC, retain: true });
    expect(republished.published.find((p) => p.topic === desiredTopic('twice-a'))?.payload).toBe(JSON.stringify((await getAssignment(db, 'twice-a'))?.doc));
  });
});
