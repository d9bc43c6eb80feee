/**
 * ISSUE 15: what a version's deletion removes from the data dir (services/lifecycle/content-removal.ts),
 * against SQLite and a real PostgreSQL 15: the model file and the probe blob go only with the last
 * version not deleted that needs them, and a removal that meets a registration of the same bytes
 * under way (holding the file's lock, as the registration's transaction does) waits for it and
 * keeps the file.
 */
import { createHash } from 'node:crypto';
import { access, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signPayload, type Probe } from '@edgefleet/protocol';
import { manifestProbe } from '../../../src/core/probe-blob';
import { buildReleaseManifest } from '../../../src/core/release-manifest';
import { createArtifactStore, type ArtifactStore } from '../../../src/adapters/artifacts';
import type { Db } from '../../../src/adapters/db/db';
import { lockContent } from '../../../src/adapters/db/holders';
import { insertVersion, markVersionDeleted } from '../../../src/adapters/db/models';
import { TrustChain, type HubKeys } from '../../../src/services/trust/trust-chain';
import type { Logger } from '../../../src/adapters/logger';
import { artifactKey } from '../../../src/services/lifecycle/content-guard';
import { removeModelFile, removeProbeBlob } from '../../../src/services/lifecycle/content-removal';
import { ENGINES, gate, useBothDatabases, waitUntilBlockedOnLock } from './both-databases';

const NOW = new Date('2026-05-01T12:00:00.000Z');
const AT = NOW.toISOString();
const IO = { inputs: [{ name: 'x', type: 'float32' as const, shape: [1, 2] }], outputs: [{ name: 'y', type: 'float32' as const, shape: [1, 1] }] };
const PROBE: Probe = { inputs: { x: { type: 'float32', dims: [1, 2], data: [0.5, 1] } }, expected: { y: { type: 'float32', dims: [1, 1], data: [2] } }, tolerance: { abs: 1e-4, rel: 1e-3 } };
const silentLogger: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };
const hash = (text: string): string => createHash('sha256').update(text).digest('hex');
const exists = (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  );

const databases = useBothDatabases();
let dir = '';
let keys: HubKeys;
let artifacts: ArtifactStore;
let probes: ArtifactStore;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'edgefleet-content-removal-'));
  await mkdir(join(dir, 'keys'), { recursive: true });
  keys = await TrustChain.open(dir, NOW, silentLogger);
  artifacts = await createArtifactStore(dir, 'artifacts');
  probes = await createArtifactStore(dir, 'probes');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A version whose model file is `sha256` and whose manifest names probe blob `blob` (or keeps its probe inline). */
async function storeVersion(db: Db, model: string, version: string, releaseCounter: number, sha256: string, blob: string | null): Promise<void> {
  const probe = blob === null ? PROBE : manifestProbe(PROBE, { sha256: blob, size: 64 });
  const manifest = buildReleaseManifest({ model, version, previousCounter: releaseCounter - 1, sha256, size: 10, io: IO, opset: 17, probe, publicUrl: 'https://hub.example', now: NOW });
  await insertVersion(db, { model, version, releaseCounter, sha256, size: 10, io: IO, opset: 17, probe: PROBE, manifest: await signPayload(manifest, [keys.release]), createdAt: AT }, AT);
}

describe.each(ENGINES)('removing the files of deleted versions on %s', (engine) => {
  const deps = () => ({ db: databases[engine](), logger: silentLogger, artifacts, probes });

  it('keeps a model file and probe blob while a version not deleted needs them, and removes them with the last one', async () => {
    const model = `${engine}-files`;
    const [sha, other, blob] = [hash(`${model}-model`), hash(`${model}-other`), hash(`${model}-blob`)];
    await writeFile(artifacts.pathOf(sha), 'model');
    await writeFile(artifacts.pathOf(other), 'other model');
    await writeFile(probes.pathOf(blob), 'probe blob');
    const db = deps().db;
    await storeVersion(db, model, 'a', 1, sha, blob);
    await storeVersion(db, model, 'b', 2, sha, blob);
    await storeVersion(db, model, 'c', 3, other, null);

    await markVersionDeleted(db, model, 'a', AT);
    expect(await removeModelFile(deps(), sha)).toEqual({ file: 'kept', neededBy: [`${model}@b`] });
    expect(await removeProbeBlob(deps(), blob)).toEqual({ file: 'kept', neededBy: [`${model}@b`] });
    expect(await exists(artifacts.pathOf(sha))).toBe(true);
    expect(await exists(probes.pathOf(blob))).toBe(true);

    await markVersionDeleted(db, model, 'b', AT);
    expect(await removeModelFile(deps(), sha)).toEqual({ file: 'removed' });
    expect(await removeProbeBlob(deps(), blob)).toEqual({ file: 'removed' });
    expect(await exists(artifacts.pathOf(sha))).toBe(false);
    expect(await exists(probes.pathOf(blob))).toBe(false);
    expect(await exists(artifacts.pathOf(other))).toBe(true);
    expect(await removeModelFile(deps(), sha)).toEqual({ file: 'absent' });
  });

  it('waits for a registration of the same bytes holding the file, and then keeps the file for it', async () => {
    const model = `${engine}-race`;
    const sha = hash(`${model}-model`);
    await writeFile(artifacts.pathOf(sha), 'model');
    const db = deps().db;
    await storeVersion(db, model, 'old', 1, sha, null);
    await markVersionDeleted(db, model, 'old', AT);

    const registering = gate();
    let locked!: () => void;
    const holding = new Promise<void>((resolve) => (locked = resolve));
    // As registerVersion's transaction does: the file's lock, the file checked, then the row.
    const registration = db.transaction(async (tx) => {
      await lockContent(tx, artifactKey(sha));
      expect(await exists(artifacts.pathOf(sha))).toBe(true);
      locked();
      await registering.opened;
      await storeVersion(tx, model, 'new', 2, sha, null);
    });
    await holding;
    const removal = removeModelFile(deps(), sha);
    try {
      if (engine === 'postgres') await waitUntilBlockedOnLock(db);
    } finally {
      registering.open();
    }
    await registration;
    expect(await removal).toEqual({ file: 'kept', neededBy: [`${model}@new`] });
    expect(await exists(artifacts.pathOf(sha))).toBe(true);
  });
});
