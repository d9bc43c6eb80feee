/**
 * The datasets and training-runs API against a real hub: uploads parsed in a worker, runs
 * trained in a worker thread, versions registered with a probe, a drift reference and lineage.
 */
import { describe, expect, it } from 'vitest';
import { inlineProbe, releaseManifestSchema, type ReleaseManifest } from '@edgefleet/protocol';
import type { Hub } from '../../src/index';
import { api, useTestHub } from '../support';
import { syntheticCsv } from './synthetic';

type ErrorReply = { error: { code: string; message: string; details?: unknown } };
interface Run {
  id: string;
  status: string;
  stage: string;
  progress: number;
  metric: { name: string; value: number | null; baseline: number | null; beatsBaseline: boolean | null };
  metrics: Record<string, number> | null;
  baselineMetrics: Record<string, number> | null;
  resultVersion: { model: string; version: string } | null;
  epochs: Array<{ epoch: number; loss: number; trial?: number }>;
  trials: Array<{ index: number; params: Record<string, unknown>; metrics: Record<string, number> }>;
  params: Record<string, unknown> | null;
  request: { seed: number; features: string[]; split: { test: number } };
  error: { code: string; message: string } | null;
}

describe('datasets and training runs API', () => {
  let hub: Hub;
  let dataset = '';

  const run = async (id: string) => (await api<Run>(hub, 'GET', `/api/v1/training-runs/${id}`)).body;
  const start = async (body: Record<string, unknown>) => {
    const reply = await api<{ id: string }>(hub, 'POST', '/api/v1/training-runs', { json: { dataset, ...body } });
    expect(reply.status, JSON.stringify(reply.body)).toBe(202);
    return reply.body.id;
  };
  const finished = async (id: string): Promise<Run> => {
    await expect.poll(async () => (await run(id)).status, { timeout: 30_000, interval: 100 }).toMatch(/^(succeeded|failed|cancelled)$/);
    return run(id);
  };

  useTestHub((started) => ({ hub } = started));

  it('the OpenAPI document lists the dataset and training routes', async () => {
    const doc = await api<{ paths: Record<string, Record<string, unknown>> }>(hub, 'GET', '/api/v1/openapi.json', { token: null });
    expect(Object.keys(doc.body.paths['/api/v1/datasets'] ?? {}).sort()).toEqual(['get', 'post']);
    expect(doc.body.paths['/api/v1/datasets/{id}']).toHaveProperty('get');
    expect(Object.keys(doc.body.paths['/api/v1/training-runs'] ?? {}).sort()).toEqual(['get', 'post']);
    expect(doc.body.paths['/api/v1/training-runs/{id}']).toHaveProperty('get');
    expect(doc.body.paths['/api/v1/training-runs/{id}/logs']).toHaveProperty('get');
    expect(doc.body.paths['/api/v1/training-runs/{id}/cancel']).toHaveProperty('post');
  });

  it('stores a CSV content-addressed: 201, then 200 with the same id; lists and explores it', async () => {
    const bytes = syntheticCsv(600);
    const first = await api<{ id: string; name: string; rows: number; columns: unknown }>(hub, 'POST', '/api/v1/datasets?name=synth', { bytes });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ name: 'synth', rows: 600, columns: [{ name: 'x1', kind: 'numeric' }, { name: 'x2', kind: 'numeric' }, { name: 'color', kind: 'categorical' }, { name: 'y', kind: 'categorical' }, { name: 'value', kind: 'numeric' }] });
    expect(first.body.id).toMatch(/^[0-9a-f]{64}$/);
    dataset = first.body.id;
    const again = await api<{ id: string }>(hub, 'POST', '/api/v1/datasets?name=synth-again', { bytes });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(dataset);

    const list = await api<{ datasets: Array<{ id: string }> }>(hub, 'GET', '/api/v1/datasets');
    expect(list.body.datasets.map((d) => d.id)).toEqual([dataset]);
    const detail = await api<{ summary: { rows: number; columns: Array<Record<string, unknown>>; target?: unknown } }>(hub, 'GET', `/api/v1/datasets/${dataset}`);
    expect(detail.body.summary.rows).toBe(600);
    expect(detail.body.summary.columns[0]).toMatchObject({ name: 'x1', kind: 'numeric', missing: 36, quantiles: { p50: expect.any(Number) }, histogram: { counts: expect.any(Array) } });
    expect(detail.body.summary.columns[2]).toMatchObject({ name: 'color', kind: 'categorical', distinct: 3 });
    expect(detail.body.summary.target).toBeUndefined();
    const explored = await api<{ summary: { target: { classBalance: Array<{ value: string }> }; columns: Array<{ association?: { measure: string } }> } }>(hub, 'GET', `/api/v1/datasets/${dataset}?target=y`);
    expect(explored.body.summary.target.classBalance.map((c) => c.value).sort()).toEqual(['high', 'low', 'mid']);
    expect(explored.body.summary.columns[0]?.association?.measure).toBe('correlationRatio');
    const unknownTarget = await api<ErrorReply>(hub, 'GET', `/api/v1/datasets/${dataset}?target=nope`);
    expect(unknownTarget.status).toBe(400);
    expect(unknownTarget.body.error).toMatchObject({ code: 'E_UNKNOWN_COLUMN', details: { column: 'nope' } });
  });

  it('refuses bad CSV with the row or column at fault, and files over 64 MiB with 413', async () => {
    const ragged = await api<ErrorReply>(hub, 'POST', '/api/v1/datasets?name=bad', { bytes: new TextEncoder().encode('a,b\n1,2\n3\n') });
    expect(ragged.status).toBe(400);
    expect(ragged.body.error).toMatchObject({ code: 'E_RAGGED', details: { row: 2 } });
    const kinds = encodeURIComponent(JSON.stringify({ b: 'numeric' }));
    const notNumeric = await api<ErrorReply>(hub, 'POST', `/api/v1/datasets?name=bad&kinds=${kinds}`, { bytes: new TextEncoder().encode('a,b\n1,2\n3,x\n') });
    expect(notNumeric.status).toBe(400);
    expect(notNumeric.body.error).toMatchObject({ code: 'E_NOT_NUMERIC', details: { column: 'b', row: 2, value: 'x' } });
    const badKinds = await api<ErrorReply>(hub, 'POST', `/api/v1/datasets?name=bad&kinds=${encodeURIComponent('{"b":"text"}')}`, { bytes: new TextEncoder().encode('a,b\n1,2\n') });
    expect(badKinds.status).toBe(400);
    expect(badKinds.body.error.message).toContain('kinds.b');
    const noName = await api<ErrorReply>(hub, 'POST', '/api/v1/datasets', { bytes: new TextEncoder().encode('a\n1\n') });
    expect(noName.status).toBe(400);
    expect(noName.body.error.message).toContain('name');
    const huge = await api<ErrorReply>(hub, 'POST', '/api/v1/datasets?name=huge', { bytes: new Uint8Array(64 * 1024 * 1024 + 1).fill(0x31) });
    expect(huge.status).toBe(413);
    expect((await api<{ datasets: unknown[] }>(hub, 'GET', '/api/v1/datasets')).body.datasets).toHaveLength(1);
  });

  it('refuses bad training requests naming the field, and unknown datasets with 404', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ target: 'nope', task: 'classification' }, 'target'],
      [{ target: 'y', task: 'classification', features: ['x1', 'colour'] }, 'features.1'],
      [{ target: 'y', task: 'classification', trainer: 'autoencoder' }, 'trainer'],
      [{ target: 'y', task: 'clustering' }, 'task'],
      [{ target: 'y', task: 'classification', params: { hidden: [8], speed: 3 } }, 'params.speed'],
      [{ target: 'color', task: 'regression' }, 'target'],
      [{ target: 'value', task: 'regression', search: { kind: 'grid', space: { l2: [0, 1] }, metric: 'accuracy' } }, 'search.metric'],
      [{ target: 'y', task: 'classification', split: { train: 0.9, validation: 0.2, test: 0.1 } }, 'split'],
    ];
    for (const [body, field] of cases) {
      const reply = await api<ErrorReply>(hub, 'POST', '/api/v1/training-runs', { json: { dataset, ...body } });
      expect(reply.status, JSON.stringify(body)).toBe(400);
      expect(reply.body.error.code).toBe('E_VALIDATION');
      expect(reply.body.error.message, JSON.stringify(body)).toContain(field);
    }
    const unknown = await api<ErrorReply>(hub, 'POST', '/api/v1/training-runs', { json: { dataset: 'f'.repeat(64), target: 'y', task: 'classification' } });
    expect(unknown.status).toBe(404);
    expect((await api(hub, 'GET', `/api/v1/training-runs/${crypto.randomUUID()}`)).status).toBe(404);
    expect((await api(hub, 'GET', `/api/v1/datasets/${'e'.repeat(64)}`)).status).toBe(404);
  });

  it('trains, beats the baseline on the same test split, passes parity and registers a signed version with probe, reference and lineage', async () => {
    const id = await start({ target: 'y', task: 'classification', trainer: 'linear', features: ['x1', 'x2', 'color'], balance: 'class-weights', model: 'synth-cls', version: '1.0.0' });
    const done = await finished(id);
    expect(done.error).toBeNull();
    expect(done).toMatchObject({ status: 'succeeded', stage: 'done', progress: 1, resultVersion: { model: 'synth-cls', version: '1.0.0' }, metric: { name: 'macroF1', beatsBaseline: true } });
    expect(done.metrics?.['accuracy']).toBeGreaterThan(0.8);
    expect(done.baselineMetrics?.['accuracy']).toBeLessThan(0.5);
    expect(done.epochs.length).toBeGreaterThan(0);
    expect(done.params).toMatchObject({ lr: 0.01, epochs: 100 });

    const version = await api<{ manifest: ReleaseManifest }>(hub, 'GET', '/api/v1/models/synth-cls/versions/1.0.0');
    const manifest = releaseManifestSchema.parse(version.body.manifest);
    expect(manifest.lineage).toMatchObject({ dataset, source: `training-run:${id}`, metrics: done.metrics, baselineMetrics: done.baselineMetrics, params: { trainer: 'linear' } });
    expect(manifest.lineage.codeVersion).toMatch(/\S/);
    expect(manifest.io.inputs.map((i) => [i.name, i.type])).toEqual([['numeric', 'float32'], ['categorical', 'string']]);
    expect(manifest.io.outputs.map((o) => o.name).sort()).toEqual(['label', 'probabilities']);
    expect(inlineProbe(manifest.probe, 'probe').inputs['numeric']?.dims).toEqual([4, 2]);
    expect(inlineProbe(manifest.probe, 'probe').inputs['categorical']?.dims).toEqual([4, 1]);
    expect(inlineProbe(manifest.probe, 'probe').tolerance).toEqual({ abs: 1e-4, rel: 1e-3 });
    const reference = manifest.reference;
    expect(reference?.features.map((f) => [f.name, f.kind, f.source.input, f.source.index])).toEqual([
      ['x1', 'numeric', 'numeric', 0],
      ['x2', 'numeric', 'numeric', 1],
      ['color', 'categorical', 'categorical', 0],
    ]);
    expect(reference?.outputs[0]).toMatchObject({ name: 'label', kind: 'class', classes: ['high', 'low', 'mid'] });
    expect(reference?.ood?.score).toBe('max-softmax');

    const logs = await api<{ logs: Array<{ seq: number; message: string }> }>(hub, 'GET', `/api/v1/training-runs/${id}/logs`);
    const text = logs.body.logs.map((l) => l.message).join('\n');
    expect(text).toContain('parity: onnxruntime matches');
    expect(text).toContain('registered synth-cls@1.0.0');
    const later = await api<{ logs: Array<{ seq: number }> }>(hub, 'GET', `/api/v1/training-runs/${id}/logs?after=3`);
    expect(later.body.logs[0]?.seq).toBe(4);
    const list = await api<{ runs: Array<{ id: string; status: string }> }>(hub, 'GET', '/api/v1/training-runs');
    expect(list.body.runs.find((r) => r.id === id)?.status).toBe('succeeded');
  });

  it('searches a grid on the validation metric and regresses with a registered identity head', async () => {
    const id = await start({ target: 'value', task: 'regression', trainer: 'linear', features: ['x1', 'x2'], search: { kind: 'grid', space: { l2: [0, 0.1, 100] }, metric: 'rmse' }, register: false });
    const done = await finished(id);
    expect(done.status).toBe('succeeded');
    expect(done.resultVersion).toBeNull();
    expect(done.trials.map((t) => t.params['l2'])).toEqual([0, 0.1, 100]);
    const best = [...done.trials].sort((a, b) => (a.metrics['rmse'] ?? 0) - (b.metrics['rmse'] ?? 0))[0];
    expect(done.params?.['l2']).toBe(best?.params['l2']);
    expect(done.metric).toMatchObject({ name: 'rmse', beatsBaseline: true });
    expect(done.metrics?.['r2']).toBeGreaterThan(0.9);
  });

  it('cancels a running run (its worker stops) and a queued one; finished runs cannot be cancelled', async () => {
    const long = await start({ target: 'y', task: 'classification', trainer: 'mlp', params: { hidden: [32], epochs: 10_000, patience: 0 }, register: false });
    const queued = await start({ target: 'y', task: 'classification', trainer: 'linear', register: false });
    await expect.poll(async () => (await run(long)).epochs.length, { timeout: 20_000, interval: 100 }).toBeGreaterThan(0);
    expect((await run(long)).status).toBe('running');
    expect((await run(queued)).status).toBe('queued');

    const cancelledQueued = await api<Run>(hub, 'POST', `/api/v1/training-runs/${queued}/cancel`);
    expect(cancelledQueued.status).toBe(200);
    expect(cancelledQueued.body.status).toBe('cancelled');
    const cancelled = await api<Run>(hub, 'POST', `/api/v1/training-runs/${long}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    const epochs = cancelled.body.epochs.length;

    // The queue moves on: a new run starts and finishes while the cancelled ones stay cancelled.
    const next = await start({ target: 'y', task: 'classification', trainer: 'baseline', register: false });
    expect((await finished(next)).status).toBe('succeeded');
    const after = await run(long);
    expect(after.status).toBe('cancelled');
    expect(after.epochs.length).toBe(epochs);
    expect((await run(queued)).status).toBe('cancelled');
    const again = await api<ErrorReply>(hub, 'POST', `/api/v1/training-runs/${long}/cancel`);
    expect(again.status).toBe(409);
    const logs = await api<{ logs: Array<{ message: string }> }>(hub, 'GET', `/api/v1/training-runs/${long}/logs`);
    expect(logs.body.logs.at(-1)?.message).toBe('run cancelled: worker stopped');
  });
});
