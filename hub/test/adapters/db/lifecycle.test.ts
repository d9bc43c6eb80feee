/**
 * ISSUE 15: the lifecycle of model versions and datasets in the registry (adapters/db/models.ts,
 * datasets.ts, holders.ts and the registration's guard), one contract run against SQLite and
 * against a real PostgreSQL 15:
 *  - archived versions and datasets leave the lists unless asked for; deleted ones leave them for
 *    good, but their tombstone rows keep the label, the release counter and what names them;
 *  - the same CSV stored again revives a deleted dataset's row;
 *  - what holds a version (devices in service as active, previous or shadow; rollouts that may
 *    still assign it or roll back to it; runs queued or running that prune or distil it) and a
 *    dataset (runs queued or running) is found; a deletion is refused while they hold it, and no
 *    run is queued on a deleted version or dataset;
 *  - an assignment holding a version shared makes its deletion wait (PostgreSQL), and a file's
 *    lock makes a second holder wait;
 *  - the manifest cache stops finding a deleted version;
 *  - a registration is refused, storing nothing, when its model file or lineage dataset was
 *    deleted meanwhile, or its label is a deleted version's.
 */
import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envelopeBytes, signPayload, type Probe } from '@edgefleet/protocol';
import { KeyedLock } from '../../../src/core/keyed-lock';
import { buildReleaseManifest } from '../../../src/core/release-manifest';
import { createArtifactStore, type ArtifactStore } from '../../../src/adapters/artifacts';
import { upsertAssignment } from '../../../src/adapters/db/assignments';
import type { Db } from '../../../src/adapters/db/db';
import { getDataset, insertDataset, listDatasets, markDatasetDeleted, setDatasetArchived } from '../../../src/adapters/db/datasets';
import { insertDevice } from '../../../src/adapters/db/devices';
import { devicesHolding, lockContent, rolloutsHolding, runsDerivingFrom, runsUsingDataset } from '../../../src/adapters/db/holders';
import {
  countVersions,
  deletedVersionsShared,
  getVersion,
  insertVersion,
  listModels,
  listVersionManifests,
  liveVersionManifests,
  liveVersionsWithSha,
  lockVersion,
  markVersionDeleted,
  maxReleaseCounter,
  setVersionArchived,
  versionExists,
} from '../../../src/adapters/db/models';
import { insertRollout, upsertMembers } from '../../../src/adapters/db/rollouts';
import { insertRun } from '../../../src/adapters/db/training-runs';
import { TrustChain, type HubKeys } from '../../../src/services/trust/trust-chain';
import type { Logger } from '../../../src/adapters/logger';
import { registerVersion, type NewVersion, type RegisterDeps } from '../../../src/services/models/register-version';
import { releaseManifests } from '../../../src/services/models/release-manifests';
import { deleteVersion } from '../../../src/services/lifecycle/versions';
import { queueRun } from '../../../src/services/training/training-runs';
import type { TrainingRunner } from '../../../src/services/training/training-runner';
import { trainingSpecSchema, type TrainingSpec } from '../../../src/services/training/training-types';
import { ENGINES, gate, useBothDatabases, waitUntilBlockedOnLock } from './both-databases';

const NOW = new Date('2026-05-01T12:00:00.000Z');
const AT = NOW.toISOString();
const LATER = '2026-05-02T00:00:00.000Z';
const IO: NewVersion['io'] = { inputs: [{ name: 'x', type: 'float32', shape: [1, 2] }], outputs: [{ name: 'y', type: 'float32', shape: [1, 1] }] };
const PROBE: Probe = { inputs: { x: { type: 'float32', dims: [1, 2], data: [0.5, 1] } }, expected: { y: { type: 'float32', dims: [1, 1], data: [2] } }, tolerance: { abs: 1e-4, rel: 1e-3 } };
const silentLogger: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };
const hash = (text: string): string => createHash('sha256').update(text).digest('hex');

const databases = useBothDatabases();
let dir = '';
let keys: HubKeys;
let stores: { artifacts: ArtifactStore; probes: ArtifactStore; datasets: ArtifactStore };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'edgefleet-lifecycle-db-'));
  await mkdir(join(dir, 'keys'), { recursive: true });
  keys = await TrustChain.open(dir, NOW, silentLogger);
  stores = { artifacts: await createArtifactStore(dir, 'artifacts'), probes: await createArtifactStore(dir, 'probes'), datasets: await createArtifactStore(dir, 'datasets') };
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const replica = (db: Db): RegisterDeps => ({
  db,
  now: () => NOW,
  logger: silentLogger,
  ...stores,
  keys,
  urls: { publicUrl: 'https://hub.example', mqttUrl: 'mqtt://hub.example', wsUrl: 'ws://hub.example' },
  locks: { devices: new KeyedLock(), models: new KeyedLock(), rollouts: new KeyedLock() },
});

async function storeVersion(db: Db, model: string, version: string, releaseCounter: number, sha256: string): Promise<void> {
  const manifest = buildReleaseManifest({ model, version, previousCounter: releaseCounter - 1, sha256, size: 10, io: IO, opset: 17, probe: PROBE, publicUrl: 'https://hub.example', now: NOW });
  await insertVersion(db, { model, version, releaseCounter, sha256, size: 10, io: IO, opset: 17, probe: PROBE, manifest: await signPayload(manifest, [keys.release]), createdAt: AT }, AT);
}

const dataset = (id: string, name = 'table') => ({ id, name, rows: 3, sizeBytes: 42, columns: [{ name: 'a', kind: 'numeric' }], summary: { rows: 3 }, createdAt: AT });

describe.each(ENGINES)('the lifecycle of versions and datasets on %s', (engine) => {
  const db = (): Db => databases[engine]();
  const name = (suffix: string): string => `${engine}-${suffix}`;

  it('hides archived versions unless asked, and keeps a deleted one only as a tombstone', async () => {
    const model = name('life');
    const [shaA, shaB] = [hash(`${model}-a`), hash(`${model}-b`)];
    await storeVersion(db(), model, 'v1', 1, shaA);
    await storeVersion(db(), model, 'v2', 2, shaA);
    await storeVersion(db(), model, 'v3', 3, shaB);
    const rows = await countVersions(db());

    expect(await setVersionArchived(db(), model, 'v2', AT)).toBe(true);
    const listed = async (archived: boolean) => (await listModels(db(), { archived })).find((m) => m.name === model)?.versions.map((v) => `${v.version}:${v.archivedAt ?? '-'}`);
    expect(await listed(false)).toEqual(['v3:-', 'v1:-']);
    expect(await listed(true)).toEqual(['v3:-', `v2:${AT}`, 'v1:-']);

    expect(await markVersionDeleted(db(), model, 'v1', LATER)).toBe(true);
    expect(await markVersionDeleted(db(), model, 'v1', LATER)).toBe(false);
    expect(await setVersionArchived(db(), model, 'v1', AT)).toBe(false);
    expect(await listed(true)).toEqual(['v3:-', `v2:${AT}`]);
    // The tombstone: found by label, counting towards the counter and the label's reuse.
    expect(await getVersion(db(), model, 'v1')).toMatchObject({ deletedAt: LATER, releaseCounter: 1, sha256: shaA });
    expect(await versionExists(db(), model, 'v1')).toBe(true);
    expect(await maxReleaseCounter(db(), model)).toBe(3);
    expect(await countVersions(db())).toBe(rows);
    expect((await listVersionManifests(db())).filter((m) => m.model === model).map((m) => `${m.version}:${m.deletedAt ?? '-'}`).sort()).toEqual([`v1:${LATER}`, 'v2:-', 'v3:-']);
    expect((await liveVersionManifests(db())).filter((m) => m.model === model).map((m) => m.version)).toEqual(['v2', 'v3']);
    // Who else has the bytes: versions not deleted, but the one asked about.
    expect(await liveVersionsWithSha(db(), shaA)).toEqual([{ model, version: 'v2' }]);
    expect(await liveVersionsWithSha(db(), shaA, { model, version: 'v2' })).toEqual([]);
    expect(await deletedVersionsShared(db(), [{ model, version: 'v1' }, { model, version: 'v2' }, { model, version: 'nope' }])).toEqual([`${model}@v1`]);

    expect(await setVersionArchived(db(), model, 'v2', null)).toBe(true);
    expect(await listed(false)).toEqual(['v3:-', 'v2:-']);
  });

  it('names the devices in service running a version (active, previous, shadow), at most 20 of them, and the rollouts that still hold it', async () => {
    const model = name('held');
    const device = (id: string, decommissionedAt: string | null = null) => insertDevice(db(), { id, secretHash: 'hmac-sha256$0$x', ring: 'canary', tags: {}, createdAt: AT, decommissionedAt });
    const assign = (deviceId: string, version: string, extra: { previousVersion?: string; shadowVersion?: string } = {}) =>
      upsertAssignment(db(), {
        deviceId,
        model,
        version,
        seq: 1,
        doc: {},
        previousModel: extra.previousVersion ? model : null,
        previousVersion: extra.previousVersion ?? null,
        assignedAt: AT,
        shadowModel: extra.shadowVersion ? model : null,
        shadowVersion: extra.shadowVersion ?? null,
      });
    const id = (suffix: string): string => `${engine}-held-${suffix}`;
    await device(id('a'));
    await assign(id('a'), 'v1');
    await device(id('b'));
    await assign(id('b'), 'v2', { previousVersion: 'v1' });
    await device(id('c'));
    await assign(id('c'), 'v2', { shadowVersion: 'v1' });
    await device(id('gone'), AT);
    await assign(id('gone'), 'v1');
    await device(id('other'));
    await assign(id('other'), 'v2');
    expect(await devicesHolding(db(), model, 'v1')).toEqual({
      shown: [
        { id: id('a'), as: 'active' },
        { id: id('b'), as: 'previous' },
        { id: id('c'), as: 'shadow' },
      ],
      count: 3,
    });
    for (let i = 0; i < 22; i++) {
      await device(id(`many-${String(i).padStart(2, '0')}`));
      await assign(id(`many-${String(i).padStart(2, '0')}`), 'v3');
    }
    const many = await devicesHolding(db(), model, 'v3');
    expect(many.count).toBe(22);
    expect(many.shown).toHaveLength(20);
    expect(await devicesHolding(db(), model, 'v9')).toEqual({ shown: [], count: 0 });

    const rollout = (rid: string, version: string, state: string, supersededBy: string | null = null) =>
      insertRollout(db(), { id: `${engine}-${rid}`, model, version, plan: {}, state, step: 0, stepStartedAt: AT, createdBy: 'admin', createdAt: AT, updatedAt: AT, supersededBy });
    const member = (rid: string, deviceId: string, previousVersion: string, status: string) =>
      upsertMembers(db(), [{ rolloutId: `${engine}-${rid}`, deviceId, step: 0, mode: 'active', previousModel: model, previousVersion, assignedSeq: 1, assignedAt: AT, status, error: null }]);
    await rollout('r-running', 'v5', 'running');
    await rollout('r-done-old', 'v5', 'completed', `${engine}-r-running`);
    await rollout('r-done', 'v6', 'completed');
    await member('r-done', id('a'), 'v5', 'serving');
    await rollout('r-back', 'v7', 'rolled-back');
    await member('r-back', id('a'), 'v4', 'reverting');
    await member('r-back', id('b'), 'v8', 'reverted');
    await rollout('r-aborted', 'v9', 'aborted');
    await member('r-aborted', id('a'), 'v4', 'serving');
    const rollouts = async (version: string) => (await rolloutsHolding(db(), model, version)).map((r) => r.slice(engine.length + 1)).sort();
    // v5: the running rollout's target, and the rollback target of the newest completed one; a superseded one holds nothing.
    expect(await rollouts('v5')).toEqual(['r-done', 'r-running']);
    expect(await rollouts('v6')).toEqual(['r-done']);
    // A rolled-back rollout holds neither its target nor what it is done reverting to; an aborted one can still roll back.
    expect(await rollouts('v7')).toEqual([]);
    expect(await rollouts('v8')).toEqual([]);
    expect(await rollouts('v4')).toEqual(['r-aborted', 'r-back']);
    expect(await rollouts('v9')).toEqual([]);
  });

  it('hides an archived dataset unless asked, keeps a deleted one as a tombstone, and revives it from the same bytes', async () => {
    const id = hash(`${engine}-dataset-life`);
    expect(await insertDataset(db(), dataset(id, 'first'))).toBe(true);
    const listed = async (archived: boolean) => (await listDatasets(db(), { archived })).filter((d) => d.id === id).map((d) => d.archivedAt);
    expect(await setDatasetArchived(db(), id, AT)).toBe(true);
    expect(await listed(false)).toEqual([]);
    expect(await listed(true)).toEqual([AT]);

    await insertRun(db(), { id: `${engine}-run-q`, status: 'queued', request: {}, datasetId: id, model: 'm', codeVersion: 'test', createdAt: AT });
    await insertRun(db(), { id: `${engine}-run-r`, status: 'running', request: {}, datasetId: id, model: 'm', codeVersion: 'test', createdAt: LATER });
    await insertRun(db(), { id: `${engine}-run-done`, status: 'succeeded', request: {}, datasetId: id, model: 'm', codeVersion: 'test', createdAt: AT });
    expect(await runsUsingDataset(db(), id)).toEqual([`${engine}-run-q`, `${engine}-run-r`]);

    expect(await markDatasetDeleted(db(), id, LATER)).toBe(true);
    expect(await markDatasetDeleted(db(), id, LATER)).toBe(false);
    expect(await setDatasetArchived(db(), id, null)).toBe(false);
    expect(await listed(true)).toEqual([]);
    // The runs keep naming it: the row stays, without its summary.
    expect(await getDataset(db(), id)).toMatchObject({ name: 'first', deletedAt: LATER, archivedAt: null, summary: {} });

    expect(await insertDataset(db(), { ...dataset(id, 'again'), createdAt: LATER })).toBe(true);
    expect(await getDataset(db(), id)).toEqual({ ...dataset(id, 'again'), createdAt: LATER, archivedAt: null, deletedAt: null });
    expect(await insertDataset(db(), dataset(id, 'third'))).toBe(false);
    expect((await getDataset(db(), id))?.name).toBe('again');
  });

  it("makes a version's deletion wait for an assignment holding it shared, and a file's second holder wait for the first", async () => {
    const model = name('locks');
    await storeVersion(db(), model, 'v1', 1, hash(model));
    const assigning = gate();
    let held!: () => void;
    const holding = new Promise<void>((resolve) => (held = resolve));
    const order: string[] = [];
    const assignment = db().transaction(async (tx) => {
      expect(await deletedVersionsShared(tx, [{ model, version: 'v1' }])).toEqual([]);
      held();
      await assigning.opened;
      order.push('assigned');
    });
    await holding;
    const deletion = db().transaction(async (tx) => {
      await lockVersion(tx, model, 'v1');
      order.push('locked for deletion');
      await markVersionDeleted(tx, model, 'v1', LATER);
    });
    try {
      if (engine === 'postgres') await waitUntilBlockedOnLock(db());
    } finally {
      assigning.open();
    }
    await Promise.all([assignment, deletion]);
    expect(order).toEqual(['assigned', 'locked for deletion']);
    expect(await db().transaction((tx) => deletedVersionsShared(tx, [{ model, version: 'v1' }]))).toEqual([`${model}@v1`]);

    const first = gate();
    let locked!: () => void;
    const firstLocked = new Promise<void>((resolve) => (locked = resolve));
    const seen: string[] = [];
    const one = db().transaction(async (tx) => {
      await lockContent(tx, `artifacts:${hash(model)}`);
      locked();
      await first.opened;
      seen.push('first');
    });
    await firstLocked;
    const two = db().transaction(async (tx) => {
      await lockContent(tx, `artifacts:${hash(model)}`);
      seen.push('second');
    });
    try {
      if (engine === 'postgres') await waitUntilBlockedOnLock(db());
    } finally {
      first.open();
    }
    await Promise.all([one, two]);
    expect(seen).toEqual(['first', 'second']);
  });

  it('stops finding a deleted version in the manifest cache: looked up anew, or forgotten where it was cached', async () => {
    const model = name('cache');
    await storeVersion(db(), model, 'v1', 1, hash(model));
    const cached = releaseManifests(db());
    const info = await cached.get(model, 'v1');
    expect(info).toBeDefined();
    const manifestHash = createHash('sha256').update(envelopeBytes(info?.envelope ?? { payload: '', signatures: [] })).digest('hex');
    expect(await cached.bytesOf(manifestHash)).not.toBeNull();
    await markVersionDeleted(db(), model, 'v1', LATER);
    const fresh = releaseManifests(db());
    expect(await fresh.get(model, 'v1')).toBeUndefined();
    expect(await fresh.bytesOf(manifestHash)).toBeNull();
    cached.forget(model, 'v1');
    expect(await cached.get(model, 'v1')).toBeUndefined();
    expect(await cached.bytesOf(manifestHash)).toBeNull();
  });

  it('refuses to delete a version a queued or running run prunes or distils, and queues no run on a deleted version or dataset', async () => {
    const model = name('derive');
    for (const version of ['v1', 'v2']) await storeVersion(db(), model, version, Number(version.slice(1)), hash(`${model}-${version}`));
    const datasetId = hash(`${model}-dataset`);
    await insertDataset(db(), dataset(datasetId));
    // No runner claims anything here: a queued run stays queued.
    const idle: TrainingRunner = { replicaId: 'idle', start: async () => undefined, wake: async () => undefined, cancel: async () => false, close: async () => undefined };
    const deps = { ...replica(db()), releases: releaseManifests(db()), codeVersion: 'test', training: idle };
    const gateLimits = { maxAccuracyLossPp: 1, maxMetricLossPp: 1, minAgreement: 0.9 };
    const spec = (derive: unknown): TrainingSpec =>
      trainingSpecSchema.parse({ dataset: datasetId, target: 'a', task: 'classification', trainer: 'mlp', params: {}, search: null, features: ['a'], split: { train: 0.7, validation: 0.15, test: 0.15 }, balance: 'none', seed: 1, model, version: null, register: true, metric: 'accuracy', derive });
    const prune = (version: string) => spec({ kind: 'prune', parent: `${model}@${version}`, parentSha256: hash(`${model}-${version}`), method: 'magnitude', sparsity: 0.8, fineTuneEpochs: 1, gate: gateLimits });
    const distill = (version: string) => spec({ kind: 'distill', teacher: `${model}@${version}`, teacherSha256: hash(`${model}-${version}`), teacherOutput: null, teacherClasses: null, temperature: 4, hardWeight: 0.3, gate: gateLimits });
    const outcome = (work: Promise<unknown>): Promise<unknown> => work.then(() => null, (error: unknown) => error);
    const setStatus = (id: string, status: string) => db().execute(sql`UPDATE training_runs SET status = ${status} WHERE id = ${id}`);

    const { id: pruning } = await queueRun(deps, prune('v1'), 'admin');
    const { id: distilling } = await queueRun(deps, distill('v2'), 'admin');
    await setStatus(distilling, 'running');
    expect(await runsDerivingFrom(db(), model, 'v1')).toEqual([pruning]);
    expect(await outcome(deleteVersion(deps, model, 'v1', 'admin'))).toMatchObject({ code: 'E_IN_USE', message: expect.stringContaining(`training run(s) ${pruning} are queued or running`), details: { runs: [pruning], runCount: 1, deviceCount: 0, rollouts: [] } });
    expect(await outcome(deleteVersion(deps, model, 'v2', 'admin'))).toMatchObject({ code: 'E_IN_USE', details: { runs: [distilling] } });
    expect((await getVersion(db(), model, 'v1'))?.deletedAt).toBeNull();

    // Finished runs hold nothing: the versions go, and no run is queued on them or on a deleted dataset.
    await setStatus(pruning, 'succeeded');
    await setStatus(distilling, 'failed');
    expect(await runsDerivingFrom(db(), model, 'v1')).toEqual([]);
    for (const version of ['v1', 'v2']) expect(await deleteVersion(deps, model, version, 'admin')).toMatchObject({ version, alreadyDeleted: false });
    expect(await outcome(queueRun(deps, prune('v1'), 'admin'))).toMatchObject({ code: 'E_NOT_FOUND', message: expect.stringContaining(`${model}@v1 not found: it was deleted`) });
    expect(await outcome(queueRun(deps, distill('v2'), 'admin'))).toMatchObject({ code: 'E_NOT_FOUND' });
    await markDatasetDeleted(db(), datasetId, LATER);
    expect(await outcome(queueRun(deps, spec(null), 'admin'))).toMatchObject({ code: 'E_NOT_FOUND', message: expect.stringContaining(`dataset ${datasetId} not found: it was deleted at ${LATER}`) });
    expect(await runsUsingDataset(db(), datasetId)).toEqual([]);
  });

  it("refuses a registration whose model file or lineage dataset a deletion removed meanwhile, or whose label is a deleted version's", async () => {
    const model = name('guard');
    const sha256 = hash(`${model}-file`);
    const input = (version: string, extra: Partial<NewVersion> = {}): NewVersion => ({ model, version, sha256, size: 10, io: structuredClone(IO), opset: 17, probe: structuredClone(PROBE), ...extra });
    const refused = async (version: string, extra: Partial<NewVersion> = {}) => {
      const error = await registerVersion(replica(db()), input(version, extra), 'admin').then(
        () => null,
        (e: unknown) => e,
      );
      expect(await versionExists(db(), model, version)).toBe(false);
      return error;
    };
    expect(await refused('no-file')).toMatchObject({ code: 'E_CONFLICT', message: expect.stringContaining(`model file ${sha256}`) });

    await writeFile(stores.artifacts.pathOf(sha256), 'model file');
    const datasetId = hash(`${model}-dataset`);
    await insertDataset(db(), dataset(datasetId));
    await markDatasetDeleted(db(), datasetId, LATER);
    expect(await refused('deleted-dataset', { lineage: { source: 'upload', params: { referenceDataset: datasetId } } })).toMatchObject({ code: 'E_CONFLICT', message: expect.stringContaining(`dataset ${datasetId}`) });

    await registerVersion(replica(db()), input('kept'), 'admin');
    await markVersionDeleted(db(), model, 'kept', LATER);
    const again = await registerVersion(replica(db()), input('kept'), 'admin').catch((e: unknown) => e);
    expect(again).toMatchObject({ code: 'E_CONFLICT', message: expect.stringContaining('was deleted') });
  });
});
