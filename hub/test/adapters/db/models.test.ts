/**
 * ISSUE 12: models, model versions and datasets (adapters/db/models.ts, datasets.ts), with the
 * services that register versions and serve their manifests, one contract run against SQLite
 * and against a real PostgreSQL 15:
 *  - every repository function writes and reads back the same rows on both engines;
 *  - replicas registering versions of one model at once get distinct, increasing release
 *    counters (a brand-new model included), and a label taken meanwhile is refused;
 *  - lockModel makes a second registration wait for the first and read the counter it wrote;
 *  - a signed manifest read back verifies, and is served as the very bytes (and hash) computed
 *    from the envelope as signed, though PostgreSQL's jsonb reorders the stored object's keys;
 *  - a replica's manifest cache finds a version another replica registered after it missed.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envelopeBytes, signPayload, verifyRelease, type Envelope, type Probe, type ReleaseManifest } from '@edgefleet/protocol';
import { KeyedLock } from '../../../src/core/keyed-lock';
import { buildReleaseManifest } from '../../../src/core/release-manifest';
import { createArtifactStore, type ArtifactStore } from '../../../src/adapters/artifacts';
import type { Db } from '../../../src/adapters/db/db';
import { getDataset, insertDataset, listDatasets } from '../../../src/adapters/db/datasets';
import { countVersions, getVersion, insertVersion, listModels, listVersionManifests, lockModel, maxReleaseCounter, versionExists } from '../../../src/adapters/db/models';
import { TrustChain, type HubKeys } from '../../../src/services/trust/trust-chain';
import { registerVersion, type NewVersion, type RegisterDeps } from '../../../src/services/models/register-version';
import { releaseManifests } from '../../../src/services/models/release-manifests';
import type { Logger } from '../../../src/adapters/logger';
import { ENGINES, useBothDatabases, waitUntilBlockedOnLock } from './both-databases';

const NOW = new Date('2025-06-01T12:00:00.000Z');
const AT = NOW.toISOString();
const SHA = 'a'.repeat(64);
const IO: NewVersion['io'] = { inputs: [{ name: 'x', type: 'float32', shape: [1, 2] }], outputs: [{ name: 'y', type: 'float32', shape: [1, 1] }] };
const PROBE: Probe = { inputs: { x: { type: 'float32', dims: [1, 2], data: [0.5, 1] } }, expected: { y: { type: 'float32', dims: [1, 1], data: [2] } }, tolerance: { abs: 1e-4, rel: 1e-3 } };

// Not test/support's: that imports the whole hub, which other helpers are converting meanwhile.
const silentLogger: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };

const databases = useBothDatabases();
let dir = '';
let keys: HubKeys;
let probes: ArtifactStore;
let artifacts: ArtifactStore;
let datasets: ArtifactStore;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'edgefleet-models-db-'));
  await mkdir(join(dir, 'keys'), { recursive: true });
  keys = await TrustChain.open(dir, NOW, silentLogger);
  probes = await createArtifactStore(dir, 'probes');
  artifacts = await createArtifactStore(dir, 'artifacts');
  datasets = await createArtifactStore(dir, 'datasets');
  // Registering checks the model file is stored (a deletion may have removed it): its content is not read here.
  await writeFile(artifacts.pathOf(SHA), 'model file');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** One hub replica as registerVersion sees it: its own in-process locks, the shared database. */
const replica = (db: Db): RegisterDeps => ({
  db,
  now: () => NOW,
  logger: silentLogger,
  probes,
  artifacts,
  datasets,
  keys,
  urls: { publicUrl: 'https://hub.example', mqttUrl: 'mqtt://hub.example', wsUrl: 'ws://hub.example' },
  locks: { devices: new KeyedLock(), models: new KeyedLock(), rollouts: new KeyedLock() },
});

const newVersion = (model: string, version?: string): NewVersion => ({
  model,
  version,
  sha256: SHA,
  size: 1234,
  io: structuredClone(IO),
  opset: 17,
  probe: structuredClone(PROBE),
});

/** A version row as registerVersion writes it, with a manifest signed here. */
async function signedRow(model: string, version: string, releaseCounter: number): Promise<{ row: Parameters<typeof insertVersion>[1]; envelope: Envelope; manifest: ReleaseManifest }> {
  const input = newVersion(model, version);
  const manifest = buildReleaseManifest({ ...input, previousCounter: releaseCounter - 1, publicUrl: 'https://hub.example', now: NOW });
  const envelope = await signPayload(manifest, [keys.release]);
  return {
    row: { model, version, releaseCounter, sha256: SHA, size: 1234, io: input.io, opset: 17, probe: input.probe, manifest: envelope, createdAt: AT },
    envelope,
    manifest,
  };
}

describe.each(ENGINES)('models and datasets on %s', (engine) => {
  const db = (): Db => databases[engine]();
  const name = (suffix: string): string => `${engine}-${suffix}`;

  it('stores versions and reads them back: by label, counter, existence, lists, counts and manifests', async () => {
    const model = name('store');
    expect(await maxReleaseCounter(db(), model)).toBe(0);
    expect(await versionExists(db(), model, '1.0')).toBe(false);
    expect(await getVersion(db(), model, '1.0')).toBeUndefined();
    const before = await countVersions(db());

    const first = await signedRow(model, '1.0', 1);
    const second = await signedRow(model, '2.0', 2);
    await insertVersion(db(), first.row, AT);
    await insertVersion(db(), { ...second.row, opset: null }, AT);

    expect(await maxReleaseCounter(db(), model)).toBe(2);
    expect(await versionExists(db(), model, '1.0')).toBe(true);
    expect(await versionExists(db(), model, '3.0')).toBe(false);
    const row = await getVersion(db(), model, '1.0');
    expect(row).toMatchObject({ model, version: '1.0', releaseCounter: 1, sha256: SHA, size: 1234, opset: 17, io: first.row.io, probe: first.row.probe, manifest: first.envelope, createdAt: AT });
    expect(typeof row?.id).toBe('number');
    expect((await getVersion(db(), model, '2.0'))?.opset).toBeNull();
    expect(await countVersions(db())).toBe(before + 2);

    const listed = (await listModels(db())).find((m) => m.name === model);
    expect(listed).toEqual({
      name: model,
      createdAt: AT,
      versions: [
        { version: '2.0', releaseCounter: 2, sha256: SHA, size: 1234, createdAt: AT, archivedAt: null },
        { version: '1.0', releaseCounter: 1, sha256: SHA, size: 1234, createdAt: AT, archivedAt: null },
      ],
    });
    const manifests = (await listVersionManifests(db())).filter((m) => m.model === model).sort((a, b) => a.releaseCounter - b.releaseCounter);
    expect(manifests).toEqual([
      { model, version: '1.0', releaseCounter: 1, manifest: first.envelope, deletedAt: null },
      { model, version: '2.0', releaseCounter: 2, manifest: second.envelope, deletedAt: null },
    ]);
  });

  it('refuses a second version with the same label or the same release counter', async () => {
    const model = name('unique');
    await insertVersion(db(), (await signedRow(model, 'a', 1)).row, AT);
    await expect(insertVersion(db(), (await signedRow(model, 'a', 2)).row, AT)).rejects.toThrow();
    await expect(insertVersion(db(), (await signedRow(model, 'b', 1)).row, AT)).rejects.toThrow();
    expect(await maxReleaseCounter(db(), model)).toBe(1);
  });

  it('gives versions registered at once by several replicas distinct, increasing release counters', async () => {
    const model = name('race');
    const replicas = [replica(db()), replica(db()), replica(db())];
    // A model none of them has seen: the first registrations also race to create its row.
    const registered = await Promise.all(replicas.flatMap((deps) => Array.from({ length: 4 }, () => registerVersion(deps, newVersion(model), 'admin'))));
    const counters = registered.map((r) => r.manifest.releaseCounter).sort((a, b) => a - b);
    expect(counters).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    // Each default label is its counter, and each stored row carries the counter it was signed with.
    for (const { manifest } of registered) {
      expect(manifest.version).toBe(String(manifest.releaseCounter));
      const stored = await getVersion(db(), model, manifest.version);
      expect(stored?.releaseCounter).toBe(manifest.releaseCounter);
      expect(await verifyRelease(stored?.manifest, keys.trust)).toEqual(manifest);
    }
    const audits = await db().rows<{ n: number }>(sql`SELECT count(*) AS n FROM audit WHERE subject = ${`model:${model}`}`);
    expect(Number(audits[0]?.n)).toBe(12);
  });

  it('refuses a label another replica registered meanwhile, and stores nothing for it', async () => {
    const model = name('label');
    const results = await Promise.allSettled([replica(db()), replica(db()), replica(db())].map((deps) => registerVersion(deps, newVersion(model, 'v1'), 'admin')));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const result of results) if (result.status === 'rejected') expect(result.reason).toMatchObject({ code: 'E_CONFLICT' });
    expect(await maxReleaseCounter(db(), model)).toBe(1);
    expect((await listModels(db())).find((m) => m.name === model)?.versions).toHaveLength(1);
  });

  it('makes a registration that locks the model wait for the one holding it, then read the counter it wrote', async () => {
    const model = name('lock');
    await insertVersion(db(), (await signedRow(model, '1', 1)).row, AT);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const firstLocked = new Promise<void>((resolve) => (locked = resolve));
    const first = db().transaction(async (tx) => {
      await lockModel(tx, model, AT);
      await insertVersion(tx, (await signedRow(model, '2', 2)).row, AT);
      locked();
      await held;
    });
    await firstLocked;
    const second = db().transaction(async (tx) => {
      await lockModel(tx, model, AT);
      return maxReleaseCounter(tx, model);
    });
    try {
      if (engine === 'postgres') await waitUntilBlockedOnLock(db());
    } finally {
      release();
    }
    await first;
    expect(await second).toBe(2);
  });

  it('serves a manifest read back as the bytes and hash of the envelope as signed, and they verify', async () => {
    const model = name('bytes');
    const { row, envelope, manifest } = await signedRow(model, '1', 1);
    await insertVersion(db(), row, AT);
    const signedBytes = envelopeBytes(envelope);
    const sha256 = createHash('sha256').update(signedBytes).digest('hex');

    const releases = releaseManifests(db());
    const info = await releases.get(model, '1');
    expect(info?.ref).toEqual({ sha256, size: signedBytes.length });
    expect(Buffer.from(info?.bytes ?? []).equals(Buffer.from(signedBytes))).toBe(true);
    const served = await releaseManifests(db()).bytesOf(sha256);
    expect(served && Buffer.from(served).equals(Buffer.from(signedBytes))).toBe(true);
    expect(await verifyRelease(served, keys.trust)).toEqual(manifest);
    expect(await verifyRelease((await getVersion(db(), model, '1'))?.manifest, keys.trust)).toEqual(manifest);
  });

  it("finds a version another replica registered after this replica's cache missed it", async () => {
    const model = name('cache');
    const here = releaseManifests(db());
    const { row, envelope } = await signedRow(model, '1', 1);
    const sha256 = createHash('sha256').update(envelopeBytes(envelope)).digest('hex');
    expect(await here.get(model, '1')).toBeUndefined();
    expect(await here.bytesOf(sha256)).toBeNull();
    // Another replica registers it.
    await insertVersion(db(), row, AT);
    const [byVersion, ...byHash] = await Promise.all([here.get(model, '1'), here.bytesOf(sha256), here.bytesOf(sha256), here.bytesOf(sha256)]);
    expect(byVersion?.ref.sha256).toBe(sha256);
    for (const bytes of byHash) expect(bytes && createHash('sha256').update(bytes).digest('hex')).toBe(sha256);
    expect(await here.bytesOf('0'.repeat(64))).toBeNull();
  });

  it('stores a dataset once, reads it back whole, and lists datasets newest first without summaries', async () => {
    const id = (n: number): string => createHash('sha256').update(`${engine}-dataset-${n}`).digest('hex');
    const columns = [
      { name: 'a', kind: 'numeric' },
      { name: 'b', kind: 'categorical' },
    ];
    const summary = { a: { count: 3, mean: 1.5, histogram: [1, 2] }, b: { categories: { x: 2, y: 1 } } };
    const dataset = { id: id(1), name: 'iris', rows: 3, sizeBytes: 42, columns, summary, createdAt: '2030-01-01T00:00:00.000Z' };
    expect(await insertDataset(db(), dataset)).toBe(true);
    expect(await insertDataset(db(), { ...dataset, name: 'again' })).toBe(false);
    expect(await getDataset(db(), id(1))).toEqual({ ...dataset, archivedAt: null, deletedAt: null });
    expect(await getDataset(db(), id(99))).toBeUndefined();

    // The same file stored by several replicas at once: exactly one creates it.
    const racing = { ...dataset, id: id(2), createdAt: '2030-01-02T00:00:00.000Z' };
    const created = await Promise.all(Array.from({ length: 6 }, () => insertDataset(db(), racing)));
    expect(created.filter(Boolean)).toHaveLength(1);

    const listed = (await listDatasets(db())).filter((d) => d.id === id(1) || d.id === id(2));
    expect(listed).toEqual([
      { id: id(2), name: 'iris', rows: 3, sizeBytes: 42, columns, createdAt: '2030-01-02T00:00:00.000Z', archivedAt: null },
      { id: id(1), name: 'iris', rows: 3, sizeBytes: 42, columns, createdAt: '2030-01-01T00:00:00.000Z', archivedAt: null },
    ]);
  });
});

