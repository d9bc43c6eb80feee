/**
 * ISSUE 15 item 7 against a real hub (its HTTP API, its registry, its data dir): archiving and
 * deleting model versions and datasets.
 *  - an archived version leaves the lists (unless asked for) and takes no new assignment, shadow,
 *    rollout or quantization, while the device already running it keeps it;
 *  - deleting a version is refused while a device holds it (as active, then as previous), naming
 *    the device; once free it goes: 404 after, its label never reused, its file kept while a
 *    version with the same bytes lives and removed from the data dir with the last one;
 *  - deleting a dataset is refused while a trained version's lineage (or a run) needs it, an
 *    archived one takes no new training run; once free its file goes, and the same CSV revives it;
 *  - every archive, unarchive and delete is in the audit trail with its actor;
 *  - after a restart the hub still answers the same.
 */
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hub } from '../src/index';
import { GraphBuilder, attr, encodeModel } from '../src/core/onnx';
import { npyBytes } from './core/tensor-files/numpy-files';
import { api, enrol, makeTempDir, testHub, type TempDir } from './support';
import { syntheticCsv } from './training/synthetic';

type ErrorReply = { error: { code: string; message: string; details?: Record<string, unknown> } };
type VersionList = { models: Array<{ name: string; versions: Array<{ version: string; archivedAt: string | null }> }> };
type FileOutcome = { file: 'removed' | 'absent' | 'kept'; neededBy?: string[] };
type DeletedVersion = { version: string; deletedAt: string; alreadyDeleted: boolean; files: { artifact: FileOutcome; probeBlob: FileOutcome | null } };
type AuditReply = { entries: Array<{ actor: string; action: string; subject: string; details: Record<string, unknown> }> };

/** A softmax classifier over 3 features whose weights are `scale` times a fixed matrix: other scales, other bytes. */
function classifierOnnx(scale: number): Uint8Array {
  const g = new GraphBuilder('linear_softmax');
  const x = g.input('x', 'float32', ['N', 3]);
  const w = Float32Array.from([2, -1, 0, 0, 1.5, -1, -1, 0, 1].map((v) => v * scale));
  const logits = g.op('Add', [g.op('MatMul', [x, g.initializer('W', { type: 'float32', data: w }, [3, 3])]), g.initializer('B', { type: 'float32', data: Float32Array.from([0.1, 0, -0.1]) }, [3])]);
  g.node('Softmax', [logits], ['probabilities'], { axis: attr.int(-1) });
  g.output('probabilities', 'float32', ['N', 3]);
  return encodeModel(g.build());
}

const exists = (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  );

describe('archiving and deleting model versions and datasets', () => {
  let dir: TempDir;
  let hub: Hub;
  const DEVICE = 'lifecycle-dev';
  let sharedSha = '';
  let datasetId = '';
  let trained = '';

  beforeAll(async () => {
    dir = await makeTempDir();
    hub = await testHub(dir.path);
  });
  afterAll(async () => {
    await hub?.close();
    await dir?.remove();
  });

  const upload = async (model: string, version: string, bytes: Uint8Array, query = '') => api<{ sha256: string; releaseCounter: number } & ErrorReply>(hub, 'POST', `/api/v1/models/${model}/versions?version=${version}${query}`, { bytes });
  const assign = (version: string, shadow?: string) => api<ErrorReply>(hub, 'PUT', `/api/v1/devices/${DEVICE}/assignment`, { json: { model: 'lc', version, ...(shadow ? { shadow: { model: 'lc', version: shadow } } : {}) } });
  const versions = async (query = '') => (await api<VersionList>(hub, 'GET', `/api/v1/models${query}`)).body.models.find((m) => m.name === 'lc')?.versions.map((v) => (v.archivedAt ? `${v.version} (archived)` : v.version));
  const remove = (version: string) => api<DeletedVersion & ErrorReply>(hub, 'DELETE', `/api/v1/models/lc/versions/${version}`);
  /** An admin download of a model file (binary, so not through `api`). */
  const download = async (sha256: string): Promise<number> => (await fetch(`${hub.httpUrl}/artifacts/${sha256}`, { headers: { authorization: `Bearer ${hub.adminToken}` } })).status;
  const audit = async (subject: string) => (await api<AuditReply>(hub, 'GET', `/api/v1/audit?subject=${encodeURIComponent(subject)}&limit=100`)).body.entries;

  it('archives a version: hidden unless asked, no new assignment, shadow, rollout or quantization; the device running it keeps it', async () => {
    for (const [version, scale] of [['1', 1], ['2', 1], ['3', 2], ['4', 3]] as const) {
      const reply = await upload('lc', version, classifierOnnx(scale));
      expect(reply.status, JSON.stringify(reply.body)).toBe(201);
      if (version === '1') sharedSha = reply.body.sha256;
    }
    await enrol(hub, DEVICE);
    expect((await assign('1')).status).toBe(200);

    // Allowed while assigned: archiving stops new use, it is no rollback.
    const archived = await api<{ archivedAt: string | null }>(hub, 'POST', '/api/v1/models/lc/versions/1/archive');
    expect(archived.status).toBe(200);
    expect(archived.body.archivedAt).toEqual(expect.any(String));
    const again = await api<{ archivedAt: string | null }>(hub, 'POST', '/api/v1/models/lc/versions/1/archive');
    expect(again.body.archivedAt).toBe(archived.body.archivedAt);
    expect(await versions()).toEqual(['4', '3', '2']);
    expect(await versions('?archived=true')).toEqual(['4', '3', '2', '1 (archived)']);
    expect((await api<{ archivedAt: string | null }>(hub, 'GET', '/api/v1/models/lc/versions/1')).body.archivedAt).toBe(archived.body.archivedAt);
    expect((await api<{ assignment: { version: string } }>(hub, 'GET', `/api/v1/devices/${DEVICE}`)).body.assignment.version).toBe('1');

    const refusals = [
      await assign('1'),
      await assign('2', '1'),
      await api<ErrorReply>(hub, 'POST', '/api/v1/rollouts', { json: { model: 'lc', version: '1' } }),
      await api<ErrorReply>(hub, 'POST', '/api/v1/models/lc/versions/1/quantize', { json: { mode: 'int8-dynamic' } }),
    ];
    for (const reply of refusals) {
      expect(reply.status, JSON.stringify(reply.body)).toBe(409);
      expect(reply.body.error.code).toBe('E_ARCHIVED');
      expect(reply.body.error.message).toContain('lc@1');
    }

    expect((await api<{ archivedAt: string | null }>(hub, 'POST', '/api/v1/models/lc/versions/1/unarchive')).body.archivedAt).toBeNull();
    expect(await versions()).toEqual(['4', '3', '2', '1']);
    const unknown = await api<ErrorReply>(hub, 'POST', '/api/v1/models/lc/versions/9/archive');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toContain('lc@9');
  });

  it('refuses to delete a version a device holds (active, then previous), naming the device; then deletes it, keeping the file another version shares', async () => {
    const active = await remove('1');
    expect(active.status).toBe(409);
    expect(active.body.error).toMatchObject({ code: 'E_IN_USE', details: { devices: [{ id: DEVICE, as: 'active' }], deviceCount: 1, rollouts: [] } });

    expect((await assign('3')).status).toBe(200);
    const previous = await remove('1');
    expect(previous.status).toBe(409);
    expect(previous.body.error.details).toMatchObject({ devices: [{ id: DEVICE, as: 'previous' }] });

    // Its previous release becomes 3: nothing holds 1 any more.
    expect((await assign('4')).status).toBe(200);
    const deleted = await remove('1');
    expect(deleted.status, JSON.stringify(deleted.body)).toBe(200);
    expect(deleted.body).toMatchObject({ version: '1', alreadyDeleted: false, files: { artifact: { file: 'kept', neededBy: ['lc@2'] }, probeBlob: null } });
    expect(await exists(join(dir.path, 'artifacts', sharedSha))).toBe(true);
    expect(await download(sharedSha)).toBe(200);

    expect((await api<ErrorReply>(hub, 'GET', '/api/v1/models/lc/versions/1')).status).toBe(404);
    expect((await assign('1')).status).toBe(404);
    expect(await versions('?archived=true')).toEqual(['4', '3', '2']);
    const reused = await upload('lc', '1', classifierOnnx(5));
    expect(reused.status).toBe(409);
    expect(reused.body.error.message).toContain('was deleted');
  });

  it('removes the file from the data dir with the last version that has its bytes; deleting again answers the tombstone', async () => {
    const deleted = await remove('2');
    expect(deleted.status, JSON.stringify(deleted.body)).toBe(200);
    expect(deleted.body.files.artifact).toEqual({ file: 'removed' });
    expect(await exists(join(dir.path, 'artifacts', sharedSha))).toBe(false);
    expect(await download(sharedSha)).toBe(404);

    const repeated = await remove('2');
    expect(repeated.status).toBe(200);
    expect(repeated.body).toMatchObject({ version: '2', deletedAt: deleted.body.deletedAt, alreadyDeleted: true, files: { artifact: { file: 'absent' } } });
    expect((await remove('nope')).status).toBe(404);

    const entries = await audit('model:lc');
    const lifecycle = entries.filter((e) => /^model\.version\.(archived|unarchived|deleted)$/.test(e.action)).map((e) => `${e.actor} ${e.action} ${String(e.details.version)}`);
    expect(lifecycle).toEqual(['admin model.version.deleted 2', 'admin model.version.deleted 1', 'admin model.version.unarchived 1', 'admin model.version.archived 1']);
    expect(entries.find((e) => e.action === 'model.version.deleted' && e.details.version === '1')?.details).toMatchObject({ sha256: sharedSha, artifactKeptFor: ['lc@2'] });
  });

  it("refuses to delete a dataset a run or a trained version's lineage needs; archived, it takes no new run", async () => {
    const csv = await api<{ id: string }>(hub, 'POST', '/api/v1/datasets?name=life', { bytes: syntheticCsv(300) });
    expect(csv.status).toBe(201);
    datasetId = csv.body.id;
    const started = await api<{ id: string }>(hub, 'POST', '/api/v1/training-runs', { json: { dataset: datasetId, target: 'y', task: 'classification', model: 'life-trained' } });
    expect(started.status).toBe(202);
    // Queued, running or done: either the run or the version it registers holds the dataset.
    const early = await api<ErrorReply>(hub, 'DELETE', `/api/v1/datasets/${datasetId}`);
    expect(early.status).toBe(409);
    expect(early.body.error.code).toBe('E_IN_USE');

    await expect
      .poll(async () => (await api<{ status: string }>(hub, 'GET', `/api/v1/training-runs/${started.body.id}`)).body.status, { timeout: 20_000, interval: 100 })
      .toBe('succeeded');
    trained = (await api<{ resultVersion: { version: string } }>(hub, 'GET', `/api/v1/training-runs/${started.body.id}`)).body.resultVersion.version;
    const held = await api<ErrorReply>(hub, 'DELETE', `/api/v1/datasets/${datasetId}`);
    expect(held.status).toBe(409);
    expect(held.body.error).toMatchObject({ code: 'E_IN_USE', details: { versions: [`life-trained@${trained}`], runs: [] } });
    expect(held.body.error.message).toContain(`life-trained@${trained}`);

    expect((await api(hub, 'POST', `/api/v1/datasets/${datasetId}/archive`)).status).toBe(200);
    const listed = async (query = '') => (await api<{ datasets: Array<{ id: string }> }>(hub, 'GET', `/api/v1/datasets${query}`)).body.datasets.map((d) => d.id);
    expect(await listed()).not.toContain(datasetId);
    expect(await listed('?archived=true')).toContain(datasetId);
    const run = await api<ErrorReply>(hub, 'POST', '/api/v1/training-runs', { json: { dataset: datasetId, target: 'y', task: 'classification' } });
    expect(run.status).toBe(409);
    expect(run.body.error).toMatchObject({ code: 'E_ARCHIVED', message: expect.stringContaining(datasetId) });
  });

  it('deletes the dataset once its version is gone, removing its file; the same CSV brings it back', async () => {
    expect((await api(hub, 'DELETE', `/api/v1/models/life-trained/versions/${trained}`)).status).toBe(200);
    const deleted = await api<{ alreadyDeleted: boolean; file: FileOutcome }>(hub, 'DELETE', `/api/v1/datasets/${datasetId}`);
    expect(deleted.status, JSON.stringify(deleted.body)).toBe(200);
    expect(deleted.body).toMatchObject({ alreadyDeleted: false, file: { file: 'removed' } });
    expect(await exists(join(dir.path, 'datasets', datasetId))).toBe(false);
    expect((await api(hub, 'GET', `/api/v1/datasets/${datasetId}`)).status).toBe(404);
    // The finished run keeps naming it (the tombstone keeps its name).
    const runs = (await api<{ runs: Array<{ dataset: { id: string; name: string | null } }> }>(hub, 'GET', '/api/v1/training-runs')).body.runs;
    expect(runs.filter((r) => r.dataset.id === datasetId).map((r) => r.dataset.name)).toEqual(['life']);

    const actions = (await audit(`dataset:${datasetId}`)).map((e) => `${e.actor} ${e.action}`);
    expect(actions.slice(0, 2)).toEqual(['admin dataset.deleted', 'admin dataset.archived']);

    const again = await api<{ id: string; archivedAt: string | null }>(hub, 'POST', '/api/v1/datasets?name=life-again', { bytes: syntheticCsv(300) });
    expect(again.status).toBe(201);
    expect(again.body).toMatchObject({ id: datasetId, archivedAt: null });
    expect(await exists(join(dir.path, 'datasets', datasetId))).toBe(true);
  });

  it('deletes sample inputs once no version names them', async () => {
    const stored = await api<{ id: string }>(hub, 'POST', '/api/v1/sample-inputs', { bytes: npyBytes(Float32Array.from([0.1, 0.2, 0.3, 1, -1, 0.5]), [2, 3]) });
    expect(stored.status).toBe(201);
    const samples = stored.body.id;
    expect((await upload('smp', '1', classifierOnnx(4), `&samples=${samples}`)).status).toBe(201);
    const held = await api<ErrorReply>(hub, 'DELETE', `/api/v1/sample-inputs/${samples}`);
    expect(held.status).toBe(409);
    expect(held.body.error).toMatchObject({ code: 'E_IN_USE', details: { versions: ['smp@1'] } });
    // A dataset's id is no samples id.
    expect((await api(hub, 'DELETE', `/api/v1/sample-inputs/${datasetId}`)).status).toBe(404);

    expect((await api(hub, 'DELETE', '/api/v1/models/smp/versions/1')).status).toBe(200);
    expect(await api(hub, 'DELETE', `/api/v1/sample-inputs/${samples}`)).toMatchObject({ status: 200, body: { id: samples, deleted: true } });
    expect(await exists(join(dir.path, 'datasets', samples))).toBe(false);
    expect((await api(hub, 'DELETE', `/api/v1/sample-inputs/${samples}`)).status).toBe(404);
    expect((await audit(`samples:${samples}`)).map((e) => `${e.actor} ${e.action}`)).toEqual(['admin sample-inputs.deleted']);
  });

  it('answers the same after a restart', async () => {
    await hub.close();
    hub = await testHub(dir.path);
    expect((await api(hub, 'GET', '/api/v1/models/lc/versions/2')).status).toBe(404);
    expect(await versions('?archived=true')).toEqual(['4', '3']);
    expect((await remove('1')).body).toMatchObject({ alreadyDeleted: true, files: { artifact: { file: 'absent' } } });
    expect((await upload('lc', '2', classifierOnnx(6))).status).toBe(409);
    // Release counters go on after the highest ever given, deleted versions' included.
    const next = await api<{ releaseCounter: number }>(hub, 'POST', '/api/v1/models/lc/versions', { bytes: classifierOnnx(7) });
    expect(next.body.releaseCounter).toBe(5);
    expect((await api<{ name: string }>(hub, 'GET', `/api/v1/datasets/${datasetId}`)).body.name).toBe('life-again');
  });
});
