/**
 * Prediction ids end to end: a real agent serving a real model (Silero VAD) behind a fake hub
 * answers a batch with one id per row, and each id decodes to this device, the serving version,
 * when it ran and what that row predicted (the version's numeric reference output), or to no
 * prediction for a version without a reference.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodePredictionId, type ReferenceProfile, type TensorJson } from '@edgefleet/protocol';
import type { Agent } from '../src/agent';
import { runDirect, sileroInputs, sileroRelease, type SileroRelease } from './support/silero';
import { startTestDevice, type TestDevice } from './support/test-device';
import { nextReport } from './support/wait';

const DEVICE = 'dev-ids';
const bins = (edges: number[]) => ({ edges, counts: new Array<number>(edges.length - 1).fill(1), underflow: 0, overflow: 0, missing: 0, mean: 0, sd: 0.3 });
const REFERENCE: ReferenceProfile = {
  rows: 100,
  features: [{ name: 's0', kind: 'numeric', source: { input: 'input', index: 0 }, bins: bins([-1, 0, 1]) }],
  outputs: [{ name: 'output', kind: 'numeric', bins: bins([0, 0.5, 1]) }],
  ood: null,
};

/** `rows` Silero frames in one batch: the frames of seeds 1..rows, zero state for each. */
function batch(rows: number): Record<string, TensorJson> {
  const frames = Array.from({ length: rows }, (_, i) => sileroInputs(i + 1));
  return {
    input: { type: 'float32', dims: [rows, 512], data: frames.flatMap((f) => f.input?.data ?? []) },
    state: { type: 'float32', dims: [2, rows, 128], data: new Array<number>(2 * rows * 128).fill(0) },
    sr: { type: 'int64', dims: [], data: [16000] },
  };
}

interface PredictBody {
  model: string;
  version: string;
  outputs: Record<string, TensorJson>;
  predictionIds: string[];
}

describe('prediction ids from the local API', () => {
  let device: TestDevice;
  let agent: Agent;
  let v1: SileroRelease;

  const predict = async (inputs: Record<string, TensorJson>): Promise<PredictBody> => {
    const res = await fetch(`${agent.localUrl}/v1/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs }) });
    expect(res.status).toBe(200);
    return (await res.json()) as PredictBody;
  };

  beforeAll(async () => {
    device = await startTestDevice({ deviceId: DEVICE, tmpPrefix: 'agent-ids-' });
    v1 = await sileroRelease({ baseUrl: device.hub.httpUrl, version: '1', releaseCounter: 1, reference: REFERENCE });
    device.hub.artifacts.set(v1.sha256, v1.bytes);
    agent = await device.start();
    await device.publishAndServe(await device.deploy(1, v1.manifest), '1');
  });

  afterAll(() => device?.close());

  it('gives one id per row, each naming this device, the version, the time and that row’s prediction', async () => {
    const inputs = batch(3);
    const before = Date.now();
    const body = await predict(inputs);
    const after = Date.now();
    const truth = (await runDirect(v1.bytes, inputs)).output?.data ?? [];
    expect(body.outputs.output?.dims).toEqual([3, 1]);
    expect(body.predictionIds).toHaveLength(3);
    const refs = body.predictionIds.map(decodePredictionId);
    refs.forEach((ref, row) => {
      expect(ref).toMatchObject({ device: DEVICE, model: 'vad', version: '1', row });
      expect(ref.at).toBeGreaterThanOrEqual(before);
      expect(ref.at).toBeLessThanOrEqual(after);
      // The value the caller got back for that row, which is what onnxruntime says.
      expect(ref.predicted).toBe(body.outputs.output?.data[row]);
      expect(ref.predicted).toBeCloseTo(truth[row] as number, 5);
    });
    expect(new Set(refs.map((ref) => ref.nonce)).size).toBe(1);
  });

  it('never repeats an id, not even for the same input twice', async () => {
    const first = await predict(batch(1));
    const second = await predict(batch(1));
    expect(first.predictionIds).toHaveLength(1);
    expect(second.predictionIds).toHaveLength(1);
    expect(first.predictionIds[0]).not.toBe(second.predictionIds[0]);
    expect(decodePredictionId(first.predictionIds[0] ?? '').predicted).toBe(decodePredictionId(second.predictionIds[0] ?? '').predicted);
  });

  it('carries no prediction for a version without a reference profile', async () => {
    const v2 = await sileroRelease({ baseUrl: device.hub.httpUrl, version: '2', releaseCounter: 2, reference: null });
    const serving = nextReport(agent, (s) => s.phase === 'serving' && s.active?.version === '2', 'serving v2');
    await device.hub.publishDesired(DEVICE, await device.deploy(2, v2.manifest));
    await serving;
    const body = await predict(batch(2));
    expect(body.version).toBe('2');
    const refs = body.predictionIds.map(decodePredictionId);
    expect(refs.map((ref) => [ref.version, ref.row, ref.predicted])).toEqual([
      ['2', 0, undefined],
      ['2', 1, undefined],
    ]);
  });
});
