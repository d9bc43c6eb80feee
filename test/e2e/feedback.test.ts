/**
 * Given an imported classifier uploaded with a sample dataset (so its release carries a reference
 * profile built by the hub), served by a real agent, when the agent answers predictions with
 * prediction ids and ground-truth labels for them are posted to the hub later, then the hub
 * files every label under the right device and version and reports the accuracy they add up to;
 * and the agent's statistics windows for that reference are accepted and judged for drift.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHub, type Hub } from '@edgefleet/hub';
import { startAgent, type Agent } from '@edgefleet/agent';
import { decodePredictionId, type TensorJson } from '@edgefleet/protocol';
import { GraphBuilder, attr, encodeModel } from '../../hub/src/core/onnx';
import { api, assign, enrol, tempDir, testLogger, waitForReport } from '../support/harness';
import { testDatabase } from '../support/test-database';

const DEVICE = 'fb-e2e-1';
const W = [
  [2, -1, 0],
  [0, 1.5, -1],
  [-1, 0, 1],
];

/** softmax(x W) over 3 features: an "imported" classifier with a `probabilities` output. */
function classifierOnnx(): Uint8Array {
  const g = new GraphBuilder('imported_classifier');
  const x = g.input('x', 'float32', ['N', 3]);
  const logits = g.op('MatMul', [x, g.initializer('W', { type: 'float32', data: Float32Array.from(W.flat()) }, [3, 3])]);
  g.node('Softmax', [logits], ['probabilities'], { axis: attr.int(-1) });
  g.output('probabilities', 'float32', ['N', 3]);
  return encodeModel(g.build());
}

/** Deterministic rows spread over all three classes. */
const rowsOf = (n: number): number[][] => Array.from({ length: n }, (_, i) => [Math.sin(i * 1.7) * 2, Math.cos(i * 0.9) * 2, Math.sin(i * 0.4 + 1) * 2].map((v) => Number(v.toFixed(4))));
const argmax = (row: readonly number[]): number => {
  const logits = [0, 1, 2].map((k) => row.reduce((sum, v, j) => sum + v * (W[j]?.[k] ?? 0), 0));
  return logits.indexOf(Math.max(...logits));
};

interface Predicted {
  model: string;
  version: string;
  outputs: Record<string, TensorJson>;
  predictionIds: string[];
}

describe('ground-truth labels for an imported model served by a real agent', () => {
  let hubDir: Awaited<ReturnType<typeof tempDir>>;
  let agentDir: Awaited<ReturnType<typeof tempDir>>;
  let hub: Hub;
  let agent: Agent;

  beforeAll(async () => {
    hubDir = await tempDir('hub');
    agentDir = await tempDir('agent');
    hub = await startHub({ ...(await testDatabase(hubDir.path)), dataDir: hubDir.path, httpPort: 0, mqttPort: 0, host: '127.0.0.1', adminToken: 'test-admin-token', logger: testLogger });
    const csv = ['a,b,c', ...rowsOf(400).map((row) => row.join(','))].join('\n');
    const dataset = await api<{ id: string }>(hub, 'POST', '/api/v1/datasets?name=sample', new TextEncoder().encode(csv), { contentType: 'text/csv' });
    expect(dataset.status, JSON.stringify(dataset.body)).toBe(201);
    const upload = await api<{ reference: unknown }>(hub, 'POST', `/api/v1/models/imported/versions?version=1&referenceDataset=${dataset.body.id}`, classifierOnnx());
    expect(upload.status, JSON.stringify(upload.body)).toBe(201);

    agent = await startAgent({ hubUrl: hub.httpUrl, deviceId: DEVICE, deviceSecret: await enrol(hub, DEVICE), dataDir: agentDir.path, port: 0, host: '127.0.0.1', logger: testLogger });
    const serving = waitForReport(agent, (s) => s.phase === 'serving' && s.active?.model === 'imported', 'serving imported@1');
    expect((await assign(hub, DEVICE, 'imported', '1')).status).toBe(200);
    await serving;
  });

  afterAll(async () => {
    await agent?.close();
    await hub?.close();
    await hubDir?.remove();
    await agentDir?.remove();
  });

  it('labels posted by prediction id become accuracy per device; the windows are judged for drift', async () => {
    const rows = rowsOf(12);
    const response = await fetch(`${agent.localUrl}/v1/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs: { x: { type: 'float32', dims: [12, 3], data: rows.flat() } } }) });
    expect(response.status).toBe(200);
    const body = (await response.json()) as Predicted;
    expect(body.predictionIds).toHaveLength(12);
    const predicted = body.predictionIds.map((id) => decodePredictionId(id));
    // Each id names this device and version and the class the model gave that row.
    predicted.forEach((ref, row) => expect(ref).toMatchObject({ device: DEVICE, model: 'imported', version: '1', row, predicted: String(argmax(rows[row] ?? [])) }));

    // The truth agrees with 9 of the 12 predictions.
    const labels = predicted.map((ref, row) => ({ predictionId: body.predictionIds[row], label: row < 9 ? ref.predicted : ref.predicted === '0' ? '1' : '0' }));
    const posted = await api<{ accepted: number; duplicates: number; rejected: unknown[] }>(hub, 'POST', '/api/v1/feedback', { labels });
    expect(posted.body).toEqual({ accepted: 12, duplicates: 0, rejected: [] });
    const accuracy = await api<{ labelled: number; correct: number; accuracy: number; devices: Array<{ device: string; labelled: number; correct: number }> }>(hub, 'GET', '/api/v1/models/imported/versions/1/accuracy');
    expect(accuracy.body).toMatchObject({ labelled: 12, correct: 9, accuracy: 0.75, devices: [{ device: DEVICE, labelled: 12, correct: 9 }] });

    // The agent counts on the hub-built reference, and the hub takes its window as it is.
    await agent.flushStats();
    const drift = async () => (await api<{ verdict: string; windows: number; report: { n: number } | null }>(hub, 'GET', `/api/v1/models/imported/versions/1/drift?device=${DEVICE}`)).body;
    await expect.poll(async () => (await drift()).windows, { timeout: 15_000, interval: 100 }).toBe(1);
    expect((await drift()).report?.n).toBe(12);
  });
});
