/**
 * Given a hub and real data uploaded as CSV through its API, when it trains (sensor anomalies
 * with an autoencoder, MNIST digits with an MLP), then each model beats its baseline on the
 * same test split, and the sensor model, assigned to a real agent, serves the same outputs as
 * the hub's ONNX file in onnxruntime-node, within the probe tolerance.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { startHub, type Hub } from '@edgefleet/hub';
import { startAgent, type Agent } from '@edgefleet/agent';
import type { ReleaseManifest, TensorJson } from '@edgefleet/protocol';
import { mnistCsv, mnistRows, sensorCsv } from '../fixtures/datasets';
import { api, assign, enrol, predict, tempDir, testLogger, waitForReport } from '../support/harness';
import { testDatabase } from '../support/test-database';

interface Run {
  status: string;
  error: unknown;
  metric: { name: string; value: number; baseline: number; beatsBaseline: boolean };
  metrics: Record<string, number>;
  resultVersion: { model: string; version: string } | null;
}

const DEVICE = 'sensor-gw-1';
/** raw sensor rows (humidity, temperature | mote_id): two normal readings, two labelled anomalies, one unseen mote */
const ROWS = { numeric: [45.93, 27.97, 45.9, 27.95, 49.26, 27.98, 53.06, 28.11, 41.2, 30.5], categorical: ['1', '1', '1', '1', '9'] };

describe('training on real data, served by a real agent', () => {
  let hubDir: Awaited<ReturnType<typeof tempDir>>;
  let agentDir: Awaited<ReturnType<typeof tempDir>>;
  let hub: Hub;
  let agent: Agent | undefined;
  const runs: Record<'sensor' | 'mnist', string> = { sensor: '', mnist: '' };

  const upload = async (name: string, bytes: Uint8Array, kinds?: Record<string, string>): Promise<string> => {
    const query = kinds ? `&kinds=${encodeURIComponent(JSON.stringify(kinds))}` : '';
    const reply = await api<{ id: string }>(hub, 'POST', `/api/v1/datasets?name=${name}${query}`, bytes, { contentType: 'text/csv' });
    expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    return reply.body.id;
  };
  const train = async (body: Record<string, unknown>): Promise<string> => {
    const reply = await api<{ id: string }>(hub, 'POST', '/api/v1/training-runs', body);
    expect(reply.status, JSON.stringify(reply.body)).toBe(202);
    return reply.body.id;
  };
  const succeeded = async (id: string): Promise<Run> => {
    const get = async () => (await api<Run>(hub, 'GET', `/api/v1/training-runs/${id}`)).body;
    await expect.poll(async () => (await get()).status, { timeout: 50_000, interval: 200 }).toMatch(/^(succeeded|failed|cancelled)$/);
    const run = await get();
    expect(run.error).toBeNull();
    expect(run.status).toBe('succeeded');
    return run;
  };

  beforeAll(async () => {
    hubDir = await tempDir('hub');
    agentDir = await tempDir('agent');
    hub = await startHub({ ...(await testDatabase(hubDir.path)), dataDir: hubDir.path, httpPort: 0, mqttPort: 0, host: '127.0.0.1', adminToken: 'test-admin-token', logger: testLogger });
    // Both runs queue at once; the hub trains them one after the other in its worker thread.
    const sensor = await upload('sensors', sensorCsv(), { mote_id: 'categorical' });
    runs.sensor = await train({ dataset: sensor, target: 'label', task: 'anomaly', features: ['humidity', 'temperature', 'mote_id'], params: { hidden: [8], bottleneck: 2, epochs: 15 }, model: 'sensor-anomaly' });
    const digits = await upload('mnist-2000', mnistCsv(200));
    runs.mnist = await train({ dataset: digits, target: 'label', task: 'classification', trainer: 'mlp', params: { hidden: [64], epochs: 8 }, model: 'digits' });
  });

  afterAll(async () => {
    await agent?.close();
    await hub?.close();
    await hubDir?.remove();
    await agentDir?.remove();
  });

  it('an autoencoder trained on the uploaded sensor CSV beats the no-skill detector', async () => {
    const run = await succeeded(runs.sensor);
    expect(run.metric).toMatchObject({ name: 'rocAuc', baseline: 0.5, beatsBaseline: true });
    expect(run.metrics['rocAuc']).toBeGreaterThan(0.9);
    expect(run.resultVersion).toEqual({ model: 'sensor-anomaly', version: '1' });
  });

  it('a real agent serves the trained version with the same outputs as the hub ONNX file', async () => {
    const version = await api<{ sha256: string; manifest: ReleaseManifest }>(hub, 'GET', '/api/v1/models/sensor-anomaly/versions/1');
    expect(version.body.manifest.lineage.source).toBe(`training-run:${runs.sensor}`);
    const secret = await enrol(hub, DEVICE);
    agent = await startAgent({ hubUrl: hub.httpUrl, deviceId: DEVICE, deviceSecret: secret, dataDir: agentDir.path, port: 0, host: '127.0.0.1', logger: testLogger });
    const serving = waitForReport(agent, (s) => s.phase === 'serving' && s.active?.model === 'sensor-anomaly', 'serving sensor-anomaly@1');
    expect((await assign(hub, DEVICE, 'sensor-anomaly', '1')).status).toBe(200);
    await serving;

    const inputs: Record<string, TensorJson> = {
      numeric: { type: 'float32', dims: [5, 2], data: ROWS.numeric },
      categorical: { type: 'string', dims: [5, 1], data: ROWS.categorical },
    };
    const served = await predict(agent, inputs);
    expect(served.status).toBe(200);
    expect(served.body).toMatchObject({ model: 'sensor-anomaly', version: '1' });

    const session = await ort.InferenceSession.create(new Uint8Array(await readFile(join(hubDir.path, 'artifacts', version.body.sha256))));
    const direct = await session.run({ numeric: new ort.Tensor('float32', Float32Array.from(ROWS.numeric), [5, 2]), categorical: new ort.Tensor('string', ROWS.categorical, [5, 1]) });
    await session.release();
    const { abs, rel } = version.body.manifest.probe.tolerance;
    const score = served.body.outputs['score'];
    expect(score?.dims).toEqual([5, 1]);
    (score?.data ?? []).forEach((value, i) => {
      const expected = Number(direct['score']?.data[i]);
      expect(Math.abs(Number(value) - expected)).toBeLessThanOrEqual(abs + rel * Math.abs(expected));
    });
    expect(served.body.outputs['anomaly']?.data).toEqual(Array.from(direct['anomaly']?.data as ArrayLike<number | boolean>, (v) => v === true || v === 1));
    // The two labelled anomalies score above the two normal readings.
    const scores = (score?.data ?? []).map(Number);
    expect(Math.min(scores[2] ?? 0, scores[3] ?? 0)).toBeGreaterThan(Math.max(scores[0] ?? 0, scores[1] ?? 0));
  });

  it('an MLP trained on 2,000 MNIST digits uploaded as CSV beats the majority-class baseline', async () => {
    const run = await succeeded(runs.mnist);
    expect(run.metric).toMatchObject({ name: 'macroF1', beatsBaseline: true });
    expect(run.metrics['accuracy']).toBeGreaterThan(0.8);
    expect(run.resultVersion).toEqual({ model: 'digits', version: '1' });
  });

  it('the MNIST version quantized to int8 is served by the agent with the int8 file\'s outputs', async () => {
    const quantized = await api<{ version: string; result: { sizeRatio: number; accuracy: number }; source: { accuracy: number } }>(hub, 'POST', '/api/v1/models/digits/versions/1/quantize', { mode: 'int8-dynamic' });
    expect(quantized.status, JSON.stringify(quantized.body)).toBe(201);
    expect(quantized.body.result.accuracy).toBeGreaterThanOrEqual(quantized.body.source.accuracy - 0.01);
    const version = await api<{ sha256: string; manifest: ReleaseManifest }>(hub, 'GET', `/api/v1/models/digits/versions/${quantized.body.version}`);
    expect(version.body.manifest).toMatchObject({ quantization: 'int8-dynamic', lineage: { parent: 'digits@1' } });

    if (!agent) throw new Error('the agent starts in the sensor test above');
    const serving = waitForReport(agent, (s) => s.phase === 'serving' && s.active?.model === 'digits', 'serving the int8 digits version');
    expect((await assign(hub, DEVICE, 'digits', quantized.body.version)).status).toBe(200);
    await serving;

    // Held-out digits: a 3 and a 7 the model never saw.
    const pixels = [...mnistRows(3, 200, 1), ...mnistRows(7, 200, 1)];
    const served = await predict(agent, { numeric: { type: 'float32', dims: [2, 784], data: pixels } });
    expect(served.body).toMatchObject({ model: 'digits', version: quantized.body.version });
    const session = await ort.InferenceSession.create(new Uint8Array(await readFile(join(hubDir.path, 'artifacts', version.body.sha256))));
    const direct = await session.run({ numeric: new ort.Tensor('float32', Float32Array.from(pixels), [2, 784]) });
    await session.release();
    expect(served.body.outputs['label']?.data).toEqual(Array.from(direct['label']?.data as BigInt64Array, Number));
    expect(served.body.outputs['probabilities']?.data).toEqual(Array.from(direct['probabilities']?.data as Float32Array));
  });
});
