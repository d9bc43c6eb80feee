/**
 * Issue 17 items 1 and 2, against a real hub (HTTP, SQLite, training worker, model sandbox):
 * a hub-trained MNIST MLP pruned (structured and magnitude) and a third-party digits model
 * distilled into a student, each a training run that registers a signed version with lineage
 * only when it passes the quality gate against its source.
 */
import { describe, expect, it } from 'vitest';
import type { ReleaseManifest } from '@edgefleet/protocol';
import type { Hub } from '../src/index';
import { mnistCsv } from '../../test/fixtures/datasets';
import { thirdPartyDigitsModel } from '../../test/fixtures/third-party-digits';
import { api, useTestHub } from './support';

interface RunDetail {
  status: string;
  stage: string;
  error: { code: string; message: string } | null;
  metrics: Record<string, number> | null;
  resultVersion: { model: string; version: string } | null;
}

async function finished(hub: Hub, id: string): Promise<RunDetail> {
  let detail: RunDetail | undefined;
  await expect
    .poll(
      async () => {
        detail = (await api<RunDetail>(hub, 'GET', `/api/v1/training-runs/${id}`)).body;
        return ['succeeded', 'failed', 'cancelled'].includes(detail.status);
      },
      { timeout: 90_000, interval: 200 },
    )
    .toBe(true);
  return detail as RunDetail;
}

async function manifestOf(hub: Hub, model: string, version: string): Promise<ReleaseManifest & { size?: number }> {
  const reply = await api<{ manifest: ReleaseManifest }>(hub, 'GET', `/api/v1/models/${model}/versions/${version}`);
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return reply.body.manifest;
}

async function uploadDigits(hub: Hub, perDigit: number): Promise<string> {
  const dataset = await fetch(`${hub.httpUrl}/api/v1/datasets?name=digits${perDigit}`, { method: 'POST', headers: { authorization: `Bearer ${hub.adminToken}`, 'content-type': 'text/csv' }, body: mnistCsv(perDigit) as BodyInit });
  expect([200, 201]).toContain(dataset.status);
  return ((await dataset.json()) as { id: string }).id;
}

describe('pruned and distilled versions', () => {
  let hub: Hub;

  useTestHub((started) => ({ hub } = started));

  it('prunes a trained MLP into a smaller graph, keeps the zeros of magnitude pruning, and refuses what fails the gate', async () => {
    const dataset = await uploadDigits(hub, 100);
    const run = await api<{ id: string }>(hub, 'POST', '/api/v1/training-runs', { json: { dataset, target: 'label', task: 'classification', params: { hidden: [128], epochs: 4 }, model: 'digits' } });
    expect(run.status, JSON.stringify(run.body)).toBe(202);
    expect((await finished(hub, run.body.id)).status).toBe('succeeded');
    const parent = await manifestOf(hub, 'digits', '1');

    const structured = await api<{ id: string }>(hub, 'POST', '/api/v1/models/digits/versions/1/prune', { json: { method: 'structured', sparsity: 0.5, fineTuneEpochs: 6, maxAccuracyLossPp: 3, maxMetricLossPp: 3 } });
    expect(structured.status, JSON.stringify(structured.body)).toBe(202);
    const pruned = await finished(hub, structured.body.id);
    expect(pruned.status, JSON.stringify(pruned.error)).toBe('succeeded');
    expect(pruned.resultVersion).toEqual({ model: 'digits', version: '2' });
    const child = await manifestOf(hub, 'digits', '2');
    expect(child.lineage.parent).toBe('digits@1');
    expect(child.lineage.params?.['prune']).toMatchObject({ method: 'structured', sparsity: 0.5, hiddenBefore: [128], hiddenAfter: [64] });
    // Half the hidden units gone: the first layer's weights, most of the file, halve.
    expect(child.lineage.metrics?.['sizeRatio']).toBeLessThan(0.6);
    expect(child.lineage.metrics?.['sourceAccuracy']).toBeCloseTo(parent.lineage.metrics?.['accuracy'] ?? 0, 6);
    expect(child.lineage.metrics?.['accuracy']).toBeGreaterThan((parent.lineage.metrics?.['accuracy'] ?? 1) - 0.03);
    expect(child.lineage.metrics?.['latencyMsBatch64']).toBeGreaterThan(0);
    expect(child.reference).not.toBeNull();
    expect(child.io.inputs).toEqual(parent.io.inputs);

    const magnitude = await api<{ id: string }>(hub, 'POST', '/api/v1/models/digits/versions/1/prune', { json: { method: 'magnitude', sparsity: 0.8, fineTuneEpochs: 4, maxAccuracyLossPp: 3, maxMetricLossPp: 3, version: 'sparse' } });
    const sparse = await finished(hub, magnitude.body.id);
    expect(sparse.status, JSON.stringify(sparse.error)).toBe('succeeded');
    const sparseManifest = await manifestOf(hub, 'digits', 'sparse');
    expect(sparseManifest.lineage.params?.['prune']).toMatchObject({ method: 'magnitude', sparsity: 0.8 });
    // The fine-tune kept the mask: 80% of the hidden layer's weights (99% of all) are still zero.
    expect((sparseManifest.lineage.params?.['prune'] as { measuredSparsity: number }).measuredSparsity).toBeGreaterThanOrEqual(0.78);
    // Same graph, same size; far smaller once compressed.
    expect(sparseManifest.lineage.metrics?.['sizeRatio']).toBeGreaterThan(0.95);
    expect(sparseManifest.lineage.metrics?.['compressedSize']).toBeLessThan(0.5 * (sparseManifest.lineage.metrics?.['sourceCompressedSize'] ?? 0));

    // 99% of the units gone and no fine-tuning: the gate refuses, nothing is registered.
    const crushed = await api<{ id: string }>(hub, 'POST', '/api/v1/models/digits/versions/1/prune', { json: { method: 'structured', sparsity: 0.99, fineTuneEpochs: 0, maxAccuracyLossPp: 0.5, version: 'crushed' } });
    const refused = await finished(hub, crushed.body.id);
    expect(refused.status).toBe('failed');
    expect(refused.error?.code).toBe('E_QUALITY_GATE');
    expect(refused.error?.message).toMatch(/pruned accuracy .* below parent/);
    expect((await api(hub, 'GET', '/api/v1/models/digits/versions/crushed')).status).toBe(404);

    // Refused before anything is queued: a quantized version, an unknown version, a bad sparsity.
    const int8 = await api(hub, 'POST', '/api/v1/models/digits/versions/1/quantize', { json: { mode: 'int8-dynamic', maxAccuracyLossPp: 5, version: 'q' } });
    expect(int8.status, JSON.stringify(int8.body)).toBe(201);
    const quantized = await api<{ error: { message: string } }>(hub, 'POST', '/api/v1/models/digits/versions/q/prune', { json: {} });
    expect(quantized.status).toBe(400);
    expect(quantized.body.error.message).toMatch(/quantized .* prune its float parent digits@1/);
    expect((await api(hub, 'POST', '/api/v1/models/digits/versions/99/prune', { json: {} })).status).toBe(404);
    const badSparsity = await api<{ error: { message: string } }>(hub, 'POST', '/api/v1/models/digits/versions/1/prune', { json: { sparsity: 1.5 } });
    expect(badSparsity.status).toBe(400);
    expect(badSparsity.body.error.message).toMatch(/sparsity/);
  }, 240_000);

  it('distils an uploaded third-party model into a small student trained by the hub', async () => {
    const dataset = await uploadDigits(hub, 200);
    // Trained on 300 digits of each class the dataset does not hold.
    const teacherBytes = await thirdPartyDigitsModel(300, 200);
    const probe = encodeURIComponent(JSON.stringify({ image: { dims: [1, 1, 28, 28] } }));
    const upload = await api<{ version: string }>(hub, 'POST', `/api/v1/models/vendor-digits/versions?version=1&probe=${probe}`, { bytes: teacherBytes });
    expect(upload.status, JSON.stringify(upload.body)).toBe(201);

    const started = await api<{ id: string }>(hub, 'POST', '/api/v1/models/vendor-digits/versions/1/distill', {
      json: { dataset, target: 'label', params: { hidden: [64], epochs: 15 }, temperature: 4, hardWeight: 0.3, model: 'digits-student', maxAccuracyLossPp: 5, maxMetricLossPp: 6 },
    });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    const run = await finished(hub, started.body.id);
    expect(run.status, JSON.stringify(run.error)).toBe('succeeded');
    const student = await manifestOf(hub, 'digits-student', '1');
    expect(student.lineage.parent).toBe('vendor-digits@1');
    expect(student.lineage.params?.['distill']).toMatchObject({ teacher: 'vendor-digits@1', teacherOutput: 'logits', teacherScores: 'logits', temperature: 4, hardWeight: 0.3 });
    const metrics = student.lineage.metrics ?? {};
    // The teacher's own accuracy on the run's test rows, beside the student's and their agreement.
    expect(metrics['sourceAccuracy']).toBeGreaterThan(0.8);
    expect(metrics['accuracy']).toBeGreaterThan((metrics['sourceAccuracy'] ?? 1) - 0.05);
    expect(metrics['agreement']).toBeGreaterThan(0.8);
    // 784-64-10 against 784-256-10: about a quarter of the teacher's size.
    expect(metrics['sizeRatio']).toBeLessThan(0.3);
    expect(metrics['latencyRatioBatch64']).toBeGreaterThan(0);
    // The student is a hub model: raw features in, preprocessing in the graph, a drift reference.
    expect(student.io.inputs.map((i) => i.name)).toEqual(['numeric']);
    expect(student.reference).not.toBeNull();

    // A teacher whose classes the dataset cannot line up with is refused clearly, by the run.
    const misnamed = await api<{ id: string }>(hub, 'POST', '/api/v1/models/vendor-digits/versions/1/distill', {
      json: { dataset, target: 'label', params: { hidden: [8], epochs: 1 }, teacherClasses: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'], model: 'digits-student', version: 'misnamed' },
    });
    const failed = await finished(hub, misnamed.body.id);
    expect(failed.status).toBe('failed');
    expect(failed.error?.message).toMatch(/dataset class "0" is not one of the teacher's classes/);
    const noOutput = await api<{ error: { message: string } }>(hub, 'POST', '/api/v1/models/vendor-digits/versions/1/distill', { json: { dataset, target: 'label', teacherOutput: 'nope' } });
    expect(noOutput.status).toBe(400);
    expect(noOutput.body.error.message).toMatch(/no output "nope"/);
  }, 240_000);
});
