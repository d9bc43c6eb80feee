/**
 * Issue 16 item 4: a corrupt stored file is noticed and repaired. A model file whose bytes no
 * longer have its hash is never served as if fine (503 E_ARTIFACT_CORRUPT, logged, audited once,
 * listed by the integrity job); uploading the same bytes again replaces it atomically (a new
 * inode: a reader holds the old file or the new one, never a mix). Bytes changed in place are
 * found by a restarted hub before it serves them, and by the periodic check, datasets included.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Hub } from '../src/index';
import { until } from '../../test/support/process';
import { createArtifactStore } from '../src/adapters/artifacts';
import { runIntegrityCheck } from '../src/services/artifacts/integrity-check';
import { api, makeTempDir, testHub, type TempDir } from './support';
import { classifierOnnx } from './fuzz/support';

interface ErrorReply {
  error: { code: string; message: string };
}
interface AuditEntry {
  actor: string;
  action: string;
  subject: string;
  details: Record<string, unknown>;
}
interface JobRun {
  ok: boolean;
  result: { checked: number; corrupt: Array<{ folder: string; sha256: string }>; knownCorrupt: Record<string, string[]>; counts: Record<string, { verified: number; corrupt: number; repaired: number }> };
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** The file's bytes with one byte in the middle flipped. */
async function flipped(path: string): Promise<Buffer> {
  const bytes = await readFile(path);
  const middle = Math.floor(bytes.length / 2);
  bytes[middle] = (bytes[middle] as number) ^ 0xff;
  return bytes;
}

/** Flips a byte where it lies (same inode, same size): what a failing disk does. */
async function flipInPlace(path: string): Promise<void> {
  const bytes = await flipped(path);
  const handle = await open(path, 'r+');
  const middle = Math.floor(bytes.length / 2);
  await handle.write(bytes, middle, 1, middle);
  await handle.close();
}

describe('corrupt stored files are noticed, refused and repaired', () => {
  let dir: TempDir;
  let hub: Hub;
  const model = classifierOnnx();
  const other = classifierOnnx(2);
  const csv = new TextEncoder().encode(['a,b,label', ...Array.from({ length: 50 }, (_, i) => `${i},${i % 7},${['x', 'y'][i % 2]}`)].join('\n'));

  beforeAll(async () => {
    dir = await makeTempDir();
    hub = await testHub(dir.path);
  });
  afterAll(async () => {
    await hub?.close();
    await dir?.remove();
  });

  const upload = async (name: string, version: string, bytes: Uint8Array): Promise<string> => {
    const reply = await api<{ sha256: string }>(hub, 'POST', `/api/v1/models/${name}/versions?version=${version}`, { bytes });
    expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    return reply.body.sha256;
  };
  const download = (sha: string, headers: Record<string, string> = {}): Promise<Response> => fetch(`${hub.httpUrl}/artifacts/${sha}`, { headers: { authorization: `Bearer ${hub.adminToken}`, ...headers } });
  const audit = async (subject: string): Promise<AuditEntry[]> => (await api<{ entries: AuditEntry[] }>(hub, 'GET', `/api/v1/audit?subject=${encodeURIComponent(subject)}`)).body.entries;
  const runJob = async (): Promise<JobRun> => (await api<JobRun>(hub, 'POST', '/api/v1/jobs/artifact-integrity/run')).body;

  it('a model file replaced by other bytes is 503 E_ARTIFACT_CORRUPT, audited once; the same bytes uploaded again repair it', async () => {
    const sha = await upload('cls', '1', model);
    const path = join(dir.path, 'artifacts', sha);
    const served = await download(sha);
    expect(served.status).toBe(200);
    expect(sha256(new Uint8Array(await served.arrayBuffer()))).toBe(sha);

    // Someone copies other bytes over it (a restore gone wrong): a new file under the old name.
    const temp = join(dir.path, 'tmp', 'careless-copy');
    await writeFile(temp, await flipped(path));
    await rename(temp, path);
    const asked: Array<Record<string, string>> = [{}, { range: 'bytes=0-9' }, {}];
    for (const headers of asked) {
      const refused = await download(sha, headers);
      expect(refused.status).toBe(503);
      expect(((await refused.json()) as ErrorReply).error).toMatchObject({ code: 'E_ARTIFACT_CORRUPT', message: expect.stringContaining('upload the same file again') });
    }
    const corrupt = await until(async () => ((await audit(`file:artifacts/${sha}`)).length > 0 ? audit(`file:artifacts/${sha}`) : undefined), 'the corrupt file audited', 10_000);
    expect(corrupt).toEqual([expect.objectContaining({ actor: 'hub', action: 'file.corrupt', details: expect.objectContaining({ folder: 'artifacts', sha256: sha, found: 'serve' }) })]);
    expect((await runJob()).result.knownCorrupt).toEqual({ artifacts: [sha] });

    const corruptInode = (await stat(path)).ino;
    expect(await upload('cls', '2', model)).toBe(sha);
    expect(sha256(await readFile(path))).toBe(sha);
    expect((await stat(path)).ino).not.toBe(corruptInode); // renamed over, never rewritten in place
    const repaired = await download(sha);
    expect(repaired.status).toBe(200);
    expect(sha256(new Uint8Array(await repaired.arrayBuffer()))).toBe(sha);
    await until(async () => ((await audit(`file:artifacts/${sha}`)).some((e) => e.action === 'file.repaired') ? true : undefined), 'the repair audited', 10_000);
    const after = (await runJob()).result;
    expect(after.knownCorrupt).toEqual({});
    expect(after.counts.artifacts).toMatchObject({ corrupt: 1, repaired: 1 });
  });

  it('bytes changed in place are found by a restarted hub before it serves them and by the periodic check; datasets are repaired by their upload', async () => {
    const sha = await upload('cls-other', '1', other);
    const dataset = await api<{ id: string }>(hub, 'POST', '/api/v1/datasets?name=integrity', { bytes: csv });
    expect(dataset.status).toBe(201);
    const id = dataset.body.id;
    await flipInPlace(join(dir.path, 'artifacts', sha));
    await flipInPlace(join(dir.path, 'datasets', id));

    await hub.close();
    hub = await testHub(dir.path);
    // Never hashed by this process: hashed before the first byte goes out.
    expect((await download(sha)).status).toBe(503);
    const run = await runJob();
    expect(run.ok).toBe(true);
    // The job takes what is due: the dataset (never hashed here), not the model file (just hashed).
    expect(run.result.corrupt).toEqual([{ folder: 'datasets', sha256: id }]);
    expect(run.result.knownCorrupt).toEqual({ artifacts: [sha], datasets: [id] });
    await until(async () => ((await audit(`file:datasets/${id}`)).some((e) => e.actor === 'job:artifact-integrity' && e.action === 'file.corrupt') ? true : undefined), 'the job audited the dataset', 10_000);

    const again = await api<{ id: string }>(hub, 'POST', '/api/v1/datasets?name=integrity-again', { bytes: csv });
    expect([again.status, again.body.id]).toEqual([200, id]);
    expect(sha256(await readFile(join(dir.path, 'datasets', id)))).toBe(id);
    expect(await upload('cls-other', '2', other)).toBe(sha);
    expect((await download(sha)).status).toBe(200);
    expect((await runJob()).result.knownCorrupt).toEqual({});
  }, 60_000);
});

describe('the periodic integrity check', () => {
  it('reads at a bounded rate, stops at its budget and takes the longest unchecked files first on the next run', async () => {
    const dir = await makeTempDir();
    try {
      const stores = { artifacts: await createArtifactStore(dir.path), probes: await createArtifactStore(dir.path, 'probes'), datasets: await createArtifactStore(dir.path, 'datasets') };
      const names: string[] = [];
      for (let i = 0; i < 3; i++) names.push((await stores.artifacts.put(new Uint8Array(256 * 1024).fill(i + 1))).sha256);
      const options = { rateBytesPerS: 1024 * 1024, budgetBytes: 300 * 1024, reverifyAfterMs: 0 };
      const started = performance.now();
      const first = await runIntegrityCheck(stores, options);
      // 512 KiB at 1 MiB/s: never faster than half a second, however idle the machine.
      expect(performance.now() - started).toBeGreaterThanOrEqual(480);
      expect([first.checked, first.bytes, first.remaining, first.corrupt]).toEqual([2, 512 * 1024, 1, []]);
      // The one left over was last hashed when it was stored: before the two just checked.
      const at = (name: string): number => stores.artifacts.verifiedAt(name) ?? Number.NaN;
      const leftOver = [...names].sort((a, b) => at(a) - at(b))[0] as string;
      const before = at(leftOver);
      const second = await runIntegrityCheck(stores, options);
      expect(second.checked).toBe(2);
      expect(at(leftOver)).toBeGreaterThan(before);
      expect(second.counts.artifacts).toEqual({ verified: 4, corrupt: 0, repaired: 0 });
    } finally {
      await dir.remove();
    }
  });

  it('forgets a corrupt file once it is deleted', async () => {
    const dir = await makeTempDir();
    try {
      const stores = { artifacts: await createArtifactStore(dir.path), probes: await createArtifactStore(dir.path, 'probes'), datasets: await createArtifactStore(dir.path, 'datasets') };
      const { sha256: name } = await stores.artifacts.put(new Uint8Array(64 * 1024).fill(7));
      const path = join(dir.path, 'artifacts', name);
      await flipInPlace(path);
      expect((await runIntegrityCheck(stores, { reverifyAfterMs: 0 })).knownCorrupt).toEqual({ artifacts: [name] });
      // Removed as a deleted version's file is: by path, the store not told.
      await rm(path);
      expect((await runIntegrityCheck(stores, { reverifyAfterMs: 0 })).knownCorrupt).toEqual({});
      expect(stores.artifacts.integrity.corrupt()).toEqual([]);
    } finally {
      await dir.remove();
    }
  });

  it("a download's hash does not wait for the integrity check's paced read of the same file", async () => {
    const dir = await makeTempDir();
    try {
      const store = await createArtifactStore(dir.path, 'artifacts', { reverifyAfterMs: 0 });
      const { sha256: name } = await store.put(new Uint8Array(3 * 1024 * 1024).fill(3));
      let reading!: () => void;
      const started = new Promise<void>((resolve) => (reading = resolve));
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      // The check's read is held after its first chunk until the download's hash is done.
      const check = store.verify(name, { force: true, found: 'check', pace: async () => (reading(), held) });
      await started;
      const served = await Promise.race([store.verify(name), new Promise<'waited'>((resolve) => setTimeout(() => resolve('waited'), 10_000).unref())]);
      release();
      expect(served).toEqual({ state: 'ok', size: 3 * 1024 * 1024 });
      expect(await check).toEqual({ state: 'ok', size: 3 * 1024 * 1024 });
    } finally {
      await dir.remove();
    }
  });
});
