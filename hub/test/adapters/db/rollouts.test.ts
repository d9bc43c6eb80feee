/**
 * ISSUE 12: rings, rollouts and rollout members (adapters/db/rollouts.ts) and the rollout service
 * on them (services/rollouts), one contract run against SQLite and against a real PostgreSQL 15:
 *  - every repository function writes and reads back the same rows on both engines, members in
 *    batches bigger than one statement's;
 *  - a transaction holding a rollout's lock makes another one on the same rollout wait;
 *  - a pass enrols a ring with the devices' rollback targets and records the docs it issued;
 *  - a replica that died after committing a step but before issuing its docs leaves a rollout the
 *    next pass finishes at the same step with the same devices, and one that died after issuing
 *    but before recording them leaves docs the next pass adopts without issuing new ones;
 *  - a rollback that commits while a pass's forward docs are still being issued wins;
 * and, with two hub replicas (two pools) on one PostgreSQL: concurrent manual actions and a
 * controller pass on one rollout take turns, the loser sees the winner's state, nothing is lost.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signPayload, type Probe } from '@edgefleet/protocol';
import type { Db } from '../../../src/adapters/db/db';
import { getAssignmentTarget, getAssignmentTargets, upsertAssignment } from '../../../src/adapters/db/assignments';
import { listAudit } from '../../../src/adapters/db/audit';
import { insertDevice } from '../../../src/adapters/db/devices';
import { insertVersion } from '../../../src/adapters/db/models';
import { openDatabase, type OpenedDb } from '../../../src/adapters/db/open';
import {
  assignedDocs,
  getRollout,
  insertRollout,
  listMembers,
  listRings,
  listRollouts,
  lockRollout,
  lockRolloutsOfModel,
  rolloutsInStates,
  rolloutsOfModel,
  updateRollout,
  upsertMembers,
  upsertRing,
  type RolloutMemberRow,
} from '../../../src/adapters/db/rollouts';
import { rollouts } from '../../../src/adapters/db/schema';
import { syncDocSigner } from '../../../src/adapters/doc-signer';
import { TrustChain, type HubKeys } from '../../../src/services/trust/trust-chain';
import type { Logger } from '../../../src/adapters/logger';
import { storedDoc } from '../../../src/core/deployment-doc';
import { buildReleaseManifest } from '../../../src/core/release-manifest';
import { assignDevices } from '../../../src/services/devices/deployments';
import { releaseManifests } from '../../../src/services/models/release-manifests';
import { issue } from '../../../src/services/rollouts/issue';
import { createRollout, reconcileRollout, rolloutAction, rolloutView, type RolloutDeps } from '../../../src/services/rollouts/rollouts';
import { startPostgres, type PostgresServer } from '../../../../test/support/postgres';
import { ENGINES, useBothDatabases, waitUntilBlockedOnLock } from './both-databases';
import { KeyedLock } from '../../../src/core/keyed-lock';

const NOW = new Date('2026-03-01T12:00:00.000Z');
const AT = NOW.toISOString();
const PROBE: Probe = { inputs: { x: { type: 'float32', dims: [1, 2], data: [0.5, 1] } }, expected: { y: { type: 'float32', dims: [1, 1], data: [2] } }, tolerance: { abs: 1e-4, rel: 1e-3 } };
const IO = { inputs: [{ name: 'x', type: 'float32' as const, shape: [1, 2] }], outputs: [{ name: 'y', type: 'float32' as const, shape: [1, 1] }] };

// Not test/support's: that imports the whole hub, which other helpers are converting meanwhile.
const silentLogger: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };

const databases = useBothDatabases();
let dir = '';
let keys: HubKeys;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'edgefleet-rollouts-db-'));
  await mkdir(join(dir, 'keys'), { recursive: true });
  keys = await TrustChain.open(dir, NOW, silentLogger);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** One hub replica as the rollout service sees it; the topics it handed to the broker are kept. */
function replica(db: Db): RolloutDeps & { published: string[] } {
  const published: string[] = [];
  return {
    db,
    now: () => NOW,
    logger: silentLogger,
    alerting: { webhook: null },
    releases: releaseManifests(db),
    signDoc: syncDocSigner([keys.release]),
    broker: {
      publish: async (topic) => {
        published.push(topic);
      },
      endSession: async () => false,
      counters: () => ({ kind: 'external', url: 'mqtt://test', connected: true, reconnects: 0, messagesReceived: 0, messagesPublished: 0, messagesDropped: 0 }),
    },
    deploymentTtlS: 7 * 24 * 3600,
    statsIntervalS: 60,
    // Each replica is its own process: its own in-process lock.
    locks: { rollouts: new KeyedLock() },
    published,
  };
}

/** A model with versions 1 and 2 (signed manifests), and devices in two rings, all pinned to version 1. */
async function fleet(deps: RolloutDeps, name: string, sizes: { canary: number; main: number }): Promise<{ model: string; canary: string[]; main: string[]; rings: { canary: string; main: string } }> {
  const model = `${name}-model`;
  for (const [counter, version] of [[1, '1'], [2, '2']] as const) {
    const manifest = buildReleaseManifest({ model, version, previousCounter: counter - 1, sha256: 'a'.repeat(64), size: 1234, publicUrl: 'https://hub.example', io: IO, opset: 17, probe: structuredClone(PROBE), now: NOW });
    const envelope = await signPayload(manifest, [keys.release]);
    await insertVersion(deps.db, { model, version, releaseCounter: counter, sha256: 'a'.repeat(64), size: 1234, io: IO, opset: 17, probe: structuredClone(PROBE), manifest: envelope, createdAt: AT }, AT);
  }
  const rings = { canary: `${name}-canary`, main: `${name}-main` };
  await upsertRing(deps.db, { name: rings.canary, position: 0, description: '', createdAt: AT });
  await upsertRing(deps.db, { name: rings.main, position: 1, description: '', createdAt: AT });
  const canary = Array.from({ length: sizes.canary }, (_, i) => `${name}-c${i}`);
  const main = Array.from({ length: sizes.main }, (_, i) => `${name}-m${i}`);
  for (const id of [...canary, ...main]) await insertDevice(deps.db, { id, secretHash: `h-${id}`, ring: canary.includes(id) ? rings.canary : rings.main, tags: {}, createdAt: AT });
  await assignDevices(deps, [...canary, ...main].map((deviceId) => ({ deviceId, target: { model, version: '1' } })), 'test');
  return { model, canary, main, rings };
}

/** Canary ring, an approval, then the main ring. */
const planOf = (rings: { canary: string; main: string }) => ({ steps: [{ kind: 'ring', ring: rings.canary }, { kind: 'approve' }, { kind: 'ring', ring: rings.main }] });

async function versionsOf(db: Db, devices: readonly string[]): Promise<Record<string, string | undefined>> {
  const targets = await getAssignmentTargets(db, devices);
  return Object.fromEntries(devices.map((d) => [d, targets.get(d)?.version]));
}

const rolloutRow = (id: string, model: string, overrides: Partial<typeof rollouts.$inferInsert> = {}): typeof rollouts.$inferInsert => ({
  id,
  model,
  version: '2',
  plan: { steps: [{ kind: 'approve' }] },
  state: 'running',
  step: 0,
  stepStartedAt: AT,
  advance: false,
  reverted: false,
  halt: null,
  gate: null,
  supersedes: null,
  supersededBy: null,
  createdBy: 'test',
  createdAt: AT,
  updatedAt: AT,
  ...overrides,
});

const member = (rolloutId: string, deviceId: string, overrides: Partial<RolloutMemberRow> = {}): RolloutMemberRow => ({
  rolloutId,
  deviceId,
  step: 0,
  mode: 'active',
  previousModel: 'm',
  previousVersion: '1',
  assignedSeq: null,
  assignedAt: AT,
  status: 'pending',
  error: null,
  ...overrides,
});

describe.each(ENGINES)('rollout repositories on %s', (engine) => {
  const db = (): Db => databases[engine]();
  const name = (suffix: string): string => `${engine}-repo-${suffix}`;

  it('upserts rings and lists them by position, then name', async () => {
    await upsertRing(db(), { name: name('b'), position: 5, description: 'second', createdAt: AT });
    await upsertRing(db(), { name: name('a'), position: 5, createdAt: AT });
    await upsertRing(db(), { name: name('c'), position: 7, description: 'x', createdAt: AT });
    // A second upsert moves the ring and replaces its description (default '' when left out).
    await upsertRing(db(), { name: name('c'), position: 4, createdAt: 'later' });
    const mine = (await listRings(db())).filter((r) => r.name.startsWith(name('')));
    expect(mine).toEqual([
      { name: name('c'), position: 4, description: '', createdAt: AT },
      { name: name('a'), position: 5, description: '', createdAt: AT },
      { name: name('b'), position: 5, description: 'second', createdAt: AT },
    ]);
  });

  it('stores rollouts and reads them back: JSON and booleans, newest first, by states, by model and states', async () => {
    const model = name('model');
    const plan = { steps: [{ kind: 'ring', ring: 'canary', percent: 100 }], autoRollback: true };
    await insertRollout(db(), rolloutRow(`${engine}-r1`, model, { plan, createdAt: '2026-03-01T10:00:00.000Z' }));
    await insertRollout(db(), rolloutRow(`${engine}-r2`, model, { state: 'completed', createdAt: '2026-03-01T11:00:00.000Z' }));
    await insertRollout(db(), rolloutRow(`${engine}-r3`, `${model}-other`, { state: 'paused', createdAt: '2026-03-01T11:30:00.000Z' }));
    expect(await getRollout(db(), `${engine}-r1`)).toEqual({ ...rolloutRow(`${engine}-r1`, model, { plan, createdAt: '2026-03-01T10:00:00.000Z' }) });
    expect(await getRollout(db(), 'nobody')).toBeUndefined();

    const halt = { reason: "gate failed: it's \"bad\"", at: AT, evidence: { counts: { failed: 2 } } };
    expect(await updateRollout(db(), `${engine}-r1`, { state: 'halted', halt, reverted: true, advance: true, gate: { verdict: 'fail' }, step: 1, updatedAt: 'later' })).toBe(true);
    expect(await updateRollout(db(), 'nobody', { state: 'halted' })).toBe(false);
    expect(await getRollout(db(), `${engine}-r1`)).toMatchObject({ state: 'halted', halt, reverted: true, advance: true, gate: { verdict: 'fail' }, step: 1, plan, updatedAt: 'later' });

    const ids = (rows: { id: string }[]) => rows.map((r) => r.id).filter((id) => id.startsWith(`${engine}-r`));
    expect(ids(await listRollouts(db()))).toEqual([`${engine}-r3`, `${engine}-r2`, `${engine}-r1`]);
    expect(await listRollouts(db(), 1)).toHaveLength(1);
    expect(ids(await rolloutsInStates(db(), ['halted', 'paused']))).toEqual([`${engine}-r1`, `${engine}-r3`]);
    expect(ids(await rolloutsInStates(db(), []))).toEqual([]);
    expect(ids(await rolloutsOfModel(db(), model, ['halted', 'completed']))).toEqual([`${engine}-r2`, `${engine}-r1`]);
    expect(ids(await rolloutsOfModel(db(), model, ['paused']))).toEqual([]);
  });

  it('writes members in batches and replaces them by rollout and device', async () => {
    const id = `${engine}-members`;
    await insertRollout(db(), rolloutRow(id, name('members')));
    // More than two statements' worth, in an order that is not the device order.
    const rows = Array.from({ length: 1203 }, (_, i) => member(id, `dev-${String((i * 7919) % 1203).padStart(5, '0')}`, { step: i % 3, assignedSeq: i % 2 === 0 ? i : null }));
    await db().transaction((tx) => upsertMembers(tx, rows));
    const listed = await listMembers(db(), id);
    expect(listed).toHaveLength(1203);
    expect(listed.map((m) => m.deviceId)).toEqual([...rows.map((m) => m.deviceId)].sort());
    expect(listed.find((m) => m.deviceId === rows[2]?.deviceId)).toEqual(rows[2]);

    const replaced = member(id, rows[0]?.deviceId ?? '', { step: 2, mode: 'shadow', previousModel: null, previousVersion: null, assignedSeq: 99, assignedAt: 'later', status: 'failed', error: 'E_PROBE_FAILED' });
    await upsertMembers(db(), [replaced]);
    await upsertMembers(db(), []);
    const after = await listMembers(db(), id);
    expect(after).toHaveLength(1203);
    expect(after.find((m) => m.deviceId === replaced.deviceId)).toEqual(replaced);
    expect(await listMembers(db(), 'nobody')).toEqual([]);
  });

  it('reads the docs assigned to many devices at once', async () => {
    const ids = [name('doc-a'), name('doc-b'), name('doc-c')];
    for (const id of ids) await insertDevice(db(), { id, secretHash: 'h', ring: 'r', tags: {}, createdAt: AT });
    const doc = (id: string) => ({ payload: Buffer.from(JSON.stringify({ device: id })).toString('base64'), signatures: [{ keyid: 'k', sig: "it's" }] });
    for (const [seq, id] of [[3, ids[0]], [9, ids[1]]] as const) {
      await upsertAssignment(db(), { deviceId: id ?? '', model: 'm', version: '1', seq, doc: doc(id ?? ''), previousModel: null, previousVersion: null, assignedAt: AT, shadowModel: null, shadowVersion: null });
    }
    const docs = await assignedDocs(db(), [...ids, 'nobody']);
    expect([...docs.keys()].sort()).toEqual([ids[0], ids[1]].sort());
    expect(docs.get(ids[1] ?? '')).toEqual({ seq: 9, doc: doc(ids[1] ?? '') });
    expect(await assignedDocs(db(), [])).toEqual(new Map());
  });

  it("makes a transaction on a rollout wait for the one holding the rollout's lock, then read what it wrote", async () => {
    const id = `${engine}-locked`;
    await insertRollout(db(), rolloutRow(id, name('locked')));
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const firstLocked = new Promise<void>((resolve) => (locked = resolve));
    const first = db().transaction(async (tx) => {
      await lockRollout(tx, id);
      await updateRollout(tx, id, { state: 'paused' });
      locked();
      await held;
    });
    await firstLocked;
    const second = db().transaction(async (tx) => {
      await lockRollout(tx, id);
      const state = (await getRollout(tx, id))?.state;
      await updateRollout(tx, id, { state: 'aborted' });
      return state;
    });
    try {
      if (engine === 'postgres') await waitUntilBlockedOnLock(db(), 1);
    } finally {
      release();
    }
    await first;
    expect(await second).toBe('paused');
    expect((await getRollout(db(), id))?.state).toBe('aborted');
  });

  it("locks a model's rollouts that can still act, so two creations take turns", async () => {
    const model = name('create');
    await insertVersion(db(), { model, version: '1', releaseCounter: 1, sha256: 'a'.repeat(64), size: 1, io: IO, opset: 17, probe: PROBE, manifest: {}, createdAt: AT }, AT);
    await insertRollout(db(), rolloutRow(`${engine}-create-1`, model));
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const firstLocked = new Promise<void>((resolve) => (locked = resolve));
    const first = db().transaction(async (tx) => {
      await lockRolloutsOfModel(tx, model, ['running']);
      await updateRollout(tx, `${engine}-create-1`, { state: 'superseded' });
      await insertRollout(tx, rolloutRow(`${engine}-create-2`, model));
      locked();
      await held;
    });
    await firstLocked;
    const second = db().transaction(async (tx) => {
      await lockRolloutsOfModel(tx, model, ['running']);
      return (await rolloutsOfModel(tx, model, ['running'])).map((r) => r.id);
    });
    try {
      if (engine === 'postgres') await waitUntilBlockedOnLock(db(), 1);
    } finally {
      release();
    }
    await first;
    // It sees the rollout the first one created, which did not exist when it asked for the lock.
    expect(await second).toEqual([`${engine}-create-2`]);
  });
});

describe.each(ENGINES)('the rollout service on %s', (engine) => {
  const deps = () => replica(databases[engine]());

  it('enrols the canary ring with rollback targets, issues docs naming the rollout and records their seqs', async () => {
    const d = deps();
    const f = await fleet(d, `${engine}-enrol`, { canary: 2, main: 3 });
    const view = await createRollout(d, { model: f.model, version: '2', plan: planOf(f.rings) }, 'admin');
    expect(view).toMatchObject({ state: 'running', step: 0, devices: { pending: 2 } });
    expect(view.members.map((m) => [m.device, m.previous, m.step])).toEqual(f.canary.map((c) => [c, `${f.model}@1`, 0]));
    expect(await versionsOf(d.db, [...f.canary, ...f.main])).toEqual({ ...Object.fromEntries(f.canary.map((c) => [c, '2'])), ...Object.fromEntries(f.main.map((m) => [m, '1'])) });
    for (const m of await listMembers(d.db, view.id)) {
      const target = await getAssignmentTarget(d.db, m.deviceId);
      expect(m.assignedSeq).toBe(target?.seq);
    }
    const audit = (await listAudit(d.db, `rollout:${view.id}`)).map((e) => e.action);
    expect(audit).toEqual(['rollout.created']);
    // Illegal transitions are refused with what the state allows.
    await expect(rolloutAction(d, view.id, 'resume', {}, 'admin')).rejects.toMatchObject({ code: 'E_CONFLICT' });
    await expect(rolloutAction(d, 'nobody', 'pause', {}, 'admin')).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
  });

  it('sends each doc once when two passes of one rollout overlap in one process (a tick meeting an approval)', async () => {
    const d = deps();
    const f = await fleet(d, `${engine}-once`, { canary: 1, main: 4 });
    const { id } = await createRollout(d, { model: f.model, version: '2', plan: planOf(f.rings) }, 'admin');
    // The main ring's step committed, its docs not sent yet: both passes would find them owed.
    await d.db.transaction(async (tx) => {
      await lockRollout(tx, id);
      await updateRollout(tx, id, { step: 2, stepStartedAt: AT, updatedAt: AT });
      await upsertMembers(tx, f.main.map((deviceId) => member(id, deviceId, { step: 2, previousModel: f.model, previousVersion: '1' })));
    });
    d.published.length = 0;
    await Promise.all([reconcileRollout(d, id), reconcileRollout(d, id)]);
    expect(d.published.sort()).toEqual(f.main.map((m) => `ef/v1/d/${m}/desired`).sort());
    for (const m of await listMembers(d.db, id)) expect(m.assignedSeq).toBe((await getAssignmentTarget(d.db, m.deviceId))?.seq);
  });

  it('finishes a step committed by a replica that died before issuing its docs, at that step, with those devices', async () => {
    const d = deps();
    const f = await fleet(d, `${engine}-died-before`, { canary: 1, main: 4 });
    const { id } = await createRollout(d, { model: f.model, version: '2', plan: planOf(f.rings) }, 'admin');
    // What the approval's pass commits (step 2, the main ring enrolled) before it issues anything.
    await d.db.transaction(async (tx) => {
      await lockRollout(tx, id);
      await updateRollout(tx, id, { step: 2, stepStartedAt: AT, updatedAt: AT });
      await upsertMembers(tx, f.main.map((deviceId) => member(id, deviceId, { step: 2, previousModel: f.model, previousVersion: '1' })));
    });
    const other = deps();
    await reconcileRollout(other, id);
    expect(other.published.sort()).toEqual(f.main.map((m) => `ef/v1/d/${m}/desired`).sort());
    expect(await versionsOf(d.db, f.main)).toEqual(Object.fromEntries(f.main.map((m) => [m, '2'])));
    for (const deviceId of f.main) {
      const doc = storedDoc((await d.db.rows<{ doc: string }>(sql`SELECT doc FROM assignments WHERE device_id = ${deviceId}`)).map((r) => JSON.parse(r.doc) as unknown)[0]);
      expect(doc?.rollout).toEqual({ id, step: 2 });
    }
    const members = await listMembers(d.db, id);
    expect(members.filter((m) => m.step === 2).map((m) => m.deviceId)).toEqual(f.main);
    for (const m of members) expect(m.assignedSeq).toBe((await getAssignmentTarget(d.db, m.deviceId))?.seq);
    expect((await rolloutView(d, id)).step).toBe(2);
  });

  it('adopts the docs a replica issued but died before recording, and issues none again', async () => {
    const d = deps();
    const f = await fleet(d, `${engine}-died-after`, { canary: 3, main: 1 });
    const { id } = await createRollout(d, { model: f.model, version: '2', plan: planOf(f.rings) }, 'admin');
    const recorded = await listMembers(d.db, id);
    expect(recorded.every((m) => m.assignedSeq !== null)).toBe(true);
    await upsertMembers(d.db, recorded.map((m) => ({ ...m, assignedSeq: null })));
    const other = deps();
    await reconcileRollout(other, id);
    expect(other.published).toEqual([]);
    expect((await listMembers(d.db, id)).map((m) => m.assignedSeq)).toEqual(recorded.map((m) => m.assignedSeq));
  });

  it('sends the rollback docs of a rollback committed by a replica that died before issuing them', async () => {
    const d = deps();
    const f = await fleet(d, `${engine}-died-rollback`, { canary: 3, main: 1 });
    const { id } = await createRollout(d, { model: f.model, version: '2', plan: planOf(f.rings) }, 'admin');
    expect(await versionsOf(d.db, f.canary)).toEqual(Object.fromEntries(f.canary.map((c) => [c, '2'])));
    // What the rollback action commits before it issues anything.
    await d.db.transaction(async (tx) => {
      await lockRollout(tx, id);
      await updateRollout(tx, id, { state: 'rolled-back', reverted: true, updatedAt: AT });
      await upsertMembers(tx, (await listMembers(tx, id)).map((m) => ({ ...m, status: 'reverting' })));
    });
    const other = deps();
    await reconcileRollout(other, id);
    expect(other.published.sort()).toEqual(f.canary.map((c) => `ef/v1/d/${c}/desired`).sort());
    expect(await versionsOf(d.db, [...f.canary, ...f.main])).toEqual(Object.fromEntries([...f.canary, ...f.main].map((x) => [x, '1'])));
    // Owed once: the next pass finds nothing left to send.
    const again = deps();
    await reconcileRollout(again, id);
    expect(again.published).toEqual([]);
  });

  it('sends devices back again when their forward doc lands after the rollback that overtook it', async () => {
    const d = deps();
    const f = await fleet(d, `${engine}-overtaken`, { canary: 2, main: 1 });
    const { id } = await createRollout(d, { model: f.model, version: '2', plan: planOf(f.rings) }, 'admin');
    const rolledBack = await rolloutAction(d, id, 'rollback', { reason: 'test' }, 'admin');
    expect(rolledBack.state).toBe('rolled-back');
    expect(await versionsOf(d.db, f.canary)).toEqual(Object.fromEntries(f.canary.map((c) => [c, '1'])));
    // A pass that decided before the rollback issues its forward doc for one canary device after it.
    const row = await getRollout(d.db, id);
    if (!row) throw new Error('no rollout');
    const [late, untouched] = f.canary as [string, string];
    const before = await getAssignmentTarget(d.db, late);
    await issue(d, row, 0, [{ deviceId: late, model: f.model, version: '2', reason: 'rollout' }], `rollout:${id}`);
    const after = await getAssignmentTarget(d.db, late);
    expect(after?.version).toBe('1');
    // The forward doc, then the rollback sent after it.
    expect(after?.seq).toBe((before?.seq ?? 0) + 2);
    expect((await getAssignmentTarget(d.db, untouched))?.version).toBe('1');
  });
});

describe('two hub replicas on one PostgreSQL', () => {
  let server: PostgresServer | undefined;
  let a: OpenedDb | undefined;
  let b: OpenedDb | undefined;
  beforeAll(async () => {
    server = await startPostgres();
    a = await openDatabase({ url: server.url });
    b = await openDatabase({ url: server.url });
  }, 60_000);
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await server?.stop();
  });
  const dbA = (): Db => (a as OpenedDb).db;
  const dbB = (): Db => (b as OpenedDb).db;

  /**
   * Runs `race` (calls from both replicas) while a third transaction holds the rollout's lock,
   * releasing it once `waiters` of them wait for it: they were all in flight together.
   */
  async function whileLocked<T>(id: string, waiters: number, race: () => Promise<T>): Promise<T> {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const holding = new Promise<void>((resolve) => (locked = resolve));
    const holder = dbA().transaction(async (tx) => {
      await lockRollout(tx, id);
      locked();
      await held;
    });
    await holding;
    const racing = race();
    try {
      await waitUntilBlockedOnLock(dbA(), waiters);
    } finally {
      release();
    }
    await holder;
    return racing;
  }

  it('pause racing pause: one wins, the other is told the rollout is paused already', async () => {
    const [ra, rb] = [replica(dbA()), replica(dbB())];
    const f = await fleet(ra, 'pause-pause', { canary: 1, main: 1 });
    const { id } = await createRollout(ra, { model: f.model, version: '2', plan: planOf(f.rings) }, 'admin');
    const results = await whileLocked(id, 2, () => Promise.allSettled([rolloutAction(ra, id, 'pause', { reason: 'a' }, 'admin-a'), rolloutAction(rb, id, 'pause', { reason: 'b' }, 'admin-b')]));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.find((r) => r.status === 'rejected');
    expect(refused?.status === 'rejected' ? refused.reason : null).toMatchObject({ code: 'E_CONFLICT', message: 'cannot pause a paused rollout (pause applies to: running)' });
    expect((await getRollout(dbB(), id))?.state).toBe('paused');
    expect((await listAudit(dbB(), `rollout:${id}`)).filter((e) => e.action === 'rollout.paused')).toHaveLength(1);
  });

  it('pause and abort from two replicas: whichever goes first, nothing is lost and the rollout ends aborted', async () => {
    const [ra, rb] = [replica(dbA()), replica(dbB())];
    const f = await fleet(ra, 'pause-abort', { canary: 1, main: 1 });
    const { id } = await createRollout(ra, { model: f.model, version: '2', plan: planOf(f.rings) }, 'admin');
    const [pause, abort] = await whileLocked(id, 2, () => Promise.allSettled([rolloutAction(ra, id, 'pause', {}, 'admin-a'), rolloutAction(rb, id, 'abort', {}, 'admin-b')]));
    expect(abort.status).toBe('fulfilled');
    const final = await getRollout(dbA(), id);
    // Without the lock both would read "running" and the pause could overwrite the abort.
    expect(final?.state).toBe('aborted');
    const actions = (await listAudit(dbA(), `rollout:${id}`)).map((e) => e.action).filter((a) => a === 'rollout.paused' || a === 'rollout.aborted');
    if (pause.status === 'fulfilled') expect(actions.sort()).toEqual(['rollout.aborted', 'rollout.paused']);
    else {
      expect(pause.reason).toMatchObject({ code: 'E_CONFLICT', message: expect.stringContaining('cannot pause an aborted rollout') });
      expect(actions).toEqual(['rollout.aborted']);
    }
  });

  it('a controller pass on one replica and a rollback on the other: every device ends on its previous version', async () => {
    const [ra, rb] = [replica(dbA()), replica(dbB())];
    const f = await fleet(ra, 'pass-rollback', { canary: 2, main: 6 });
    const { id } = await createRollout(ra, { model: f.model, version: '2', plan: planOf(f.rings) }, 'admin');
    // Approved at the approve step: the next pass enrols the main ring and assigns it while the rollback comes in.
    await dbA().update(rollouts).set({ step: 1, advance: true }).where(eq(rollouts.id, id));
    const [pass, rollback] = await whileLocked(id, 2, () => Promise.allSettled([reconcileRollout(ra, id), rolloutAction(rb, id, 'rollback', { reason: 'field reports' }, 'admin-b')]));
    expect(pass.status).toBe('fulfilled');
    expect(rollback.status).toBe('fulfilled');
    expect((await getRollout(dbA(), id))?.state).toBe('rolled-back');
    expect(await versionsOf(dbA(), [...f.canary, ...f.main])).toEqual(Object.fromEntries([...f.canary, ...f.main].map((d) => [d, '1'])));
    const members = await listMembers(dbB(), id);
    for (const m of members) expect(m.status).toBe('reverting');
    // Whichever went first: the pass (then the main ring is enrolled, and reverted) or the rollback (then it never is).
    expect([f.canary.length, f.canary.length + f.main.length]).toContain(members.length);
  });
});

