/**
 * The in-process API (`agent.predict`) of a real agent serving a real model (Silero VAD v5)
 * behind a fake hub: typed arrays in, onnxruntime's own numbers out (the same as a bare session
 * and as POST /v1/predict), each request counted in the statistics window like an HTTP one,
 * prediction ids that protocol's decoder reads back, bad inputs refused with E_SCHEMA naming the
 * input and field (and counted), and requests offered to a running shadow.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binOf, decodePredictionId, decodeStatsWindow, statsTopic, utf8Encode, type Envelope, type ReferenceProfile, type StatsWindow, type TensorJson } from '@edgefleet/protocol';
import type { Agent, TypedTensor } from '../src/agent';
import { AgentError } from '../src/errors';
import type { FakeHub } from './support/fake-hub';
import { SILERO_V6, runDirect, sileroInputs, sileroRelease, type SileroRelease } from './support/silero';
import { startTestDevice, type TestDevice } from './support/test-device';
import { nextReport } from './support/wait';

const DEVICE = 'dev-in-process';
const FEATURE_EDGES = [-0.5, -0.1, 0, 0.1, 0.5];
const OUTPUT_EDGES = [0, 0.01, 0.1, 1];
const bins = (edges: number[]) => ({ edges, counts: new Array<number>(edges.length - 1).fill(1), underflow: 0, overflow: 0, missing: 0, mean: 0, sd: 0.3 });
const REFERENCE: ReferenceProfile = {
  rows: 100,
  features: [0, 1, 2].map((index) => ({ name: `s${index}`, kind: 'numeric' as const, source: { input: 'input', index }, bins: bins(FEATURE_EDGES) })),
  outputs: [{ name: 'output', kind: 'numeric', bins: bins(OUTPUT_EDGES) }],
  ood: null,
};

/** `rows` Silero frames (seeds 1..rows, or the given seeds) as one batch of JSON tensors. */
function batch(seeds: number[]): Record<string, TensorJson> {
  const frames = seeds.map((seed) => sileroInputs(seed));
  return {
    input: { type: 'float32', dims: [seeds.length, 512], data: frames.flatMap((f) => f.input?.data ?? []) },
    state: { type: 'float32', dims: [2, seeds.length, 128], data: new Array<number>(2 * seeds.length * 128).fill(0) },
    sr: { type: 'int64', dims: [], data: [16000] },
  };
}

/** The same tensors as the typed arrays agent.predict takes. */
function typed(json: Record<string, TensorJson>): Record<string, TypedTensor> {
  const out: Record<string, TypedTensor> = {};
  for (const [name, t] of Object.entries(json)) {
    out[name] = t.type === 'int64' ? { type: 'int64', dims: t.dims, data: BigInt64Array.from(t.data, (v) => BigInt(Number(v))) } : { type: 'float32', dims: t.dims, data: Float32Array.from(t.data, Number) };
  }
  return out;
}

const codeAndMessage = async (pending: Promise<unknown>): Promise<string> => {
  try {
    await pending;
    return 'resolved';
  } catch (error) {
    return error instanceof AgentError ? `${error.code} ${error.message}` : `not an AgentError: ${String(error)}`;
  }
};

describe('agent.predict: the in-process API', () => {
  let device: TestDevice;
  let hub: FakeHub;
  let agent: Agent;
  let v1: SileroRelease;
  let v2: SileroRelease;
  const topic = statsTopic(DEVICE);
  const decoded = (payload: unknown): StatsWindow => decodeStatsWindow(utf8Encode(JSON.stringify(payload)), 'stats');
  const windows = () => hub.published.filter((m) => m.topic === topic).map((m) => decoded(m.payload));
  /** Closes the current window and returns it once the hub has it. */
  const flushedWindow = async (): Promise<StatsWindow> => {
    const before = windows().length;
    await agent.flushStats();
    await hub.nextPublish(topic, () => windows().length > before);
    return windows()[before] as StatsWindow;
  };
  const deploy = (seq: number, shadow: Envelope | null = null) => device.deploy(seq, v1.manifest, { shadow, statsIntervalS: 86_400 });

  beforeAll(async () => {
    device = await startTestDevice({ deviceId: DEVICE, tmpPrefix: 'agent-in-process-' });
    hub = device.hub;
    v1 = await sileroRelease({ baseUrl: hub.httpUrl, version: '1', releaseCounter: 1, reference: REFERENCE });
    v2 = await sileroRelease({ baseUrl: hub.httpUrl, version: '2', releaseCounter: 2 }, SILERO_V6);
    hub.artifacts.set(v1.sha256, v1.bytes);
    hub.artifacts.set(v2.sha256, v2.bytes);
    agent = await device.start();
  });

  afterAll(() => device?.close());

  it('refuses with E_NO_MODEL before a model serves, then serves once one is installed', async () => {
    expect(await codeAndMessage(agent.predict(typed(sileroInputs(1))))).toMatch(/^E_NO_MODEL /);
    const serving = nextReport(agent, (s) => s.phase === 'serving' && s.active?.version === '1', 'serving v1');
    await hub.publishDesired(DEVICE, await deploy(1));
    await serving;
    await expect(agent.predict(typed(sileroInputs(1)))).resolves.toMatchObject({ model: 'vad', version: '1' });
    await flushedWindow(); // that request's window: the next test counts from zero
  });

  it('counts every request in the statistics window, as POST /v1/predict does', async () => {
    const seeds = [1, 2, 3];
    for (const seed of seeds) await agent.predict(typed(sileroInputs(seed)));
    const bad = typed(sileroInputs(1));
    expect(await codeAndMessage(agent.predict({ ...bad, input: { type: 'float32', dims: [2, 512], data: new Float32Array(512) } }))).toMatch(/^E_SCHEMA /);
    const window = await flushedWindow();
    expect(window).toMatchObject({ device: DEVICE, model: 'vad', version: '1', sha256: v1.sha256, n: 3, errors: { E_SCHEMA: 1 } });
    expect(window.latencyMs.counts.reduce((a, b) => a + b, 0) + window.latencyMs.overflow).toBe(3);
    for (const index of [0, 1, 2]) {
      const counts = new Array<number>(FEATURE_EDGES.length - 1).fill(0);
      for (const seed of seeds) {
        const slot = binOf(FEATURE_EDGES, sileroInputs(seed).input?.data[index] as number);
        if (typeof slot === 'number') counts[slot]!++;
      }
      expect(window.features[index]).toMatchObject({ kind: 'numeric', counts });
    }
    const outputCounts = new Array<number>(OUTPUT_EDGES.length - 1).fill(0);
    for (const seed of seeds) {
      const slot = binOf(OUTPUT_EDGES, (await runDirect(v1.bytes, sileroInputs(seed))).output?.data[0] as number);
      if (typeof slot === 'number') outputCounts[slot]!++;
    }
    expect(window.outputs[0]).toMatchObject({ kind: 'numeric', counts: outputCounts });
  });

  it('answers with the numbers of a bare onnxruntime session and of POST /v1/predict, as typed arrays', async () => {
    const inputs = batch([4, 5, 6]);
    const answer = await agent.predict(typed(inputs));
    const direct = await runDirect(v1.bytes, inputs);
    expect(answer).toMatchObject({ model: 'vad', version: '1' });
    expect(Object.keys(answer.outputs).sort()).toEqual(['output', 'stateN']);
    for (const name of ['output', 'stateN']) {
      const out = answer.outputs[name];
      expect(out?.type).toBe('float32');
      expect(out?.data).toBeInstanceOf(Float32Array);
      expect(out?.dims).toEqual(direct[name]?.dims);
      expect(Array.from(out?.data ?? [], Number)).toEqual(direct[name]?.data);
    }
    const res = await fetch(`${agent.localUrl}/v1/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs }) });
    expect(res.status).toBe(200);
    const overHttp = (await res.json()) as { outputs: Record<string, TensorJson>; predictionIds: string[] };
    expect(overHttp.outputs.output).toEqual({ type: 'float32', dims: [3, 1], data: Array.from(answer.outputs.output?.data ?? [], Number) });
    expect(overHttp.predictionIds).toHaveLength(answer.predictionIds.length);
  });

  it('gives one prediction id per row that protocol decodes to this device, version, time and row prediction', async () => {
    const before = Date.now();
    const answer = await agent.predict(typed(batch([7, 8, 9])));
    const after = Date.now();
    const ids = answer.predictionIds;
    expect(ids).toHaveLength(3);
    expect(answer.predictionIds).toBe(ids); // encoded once
    const refs = ids.map(decodePredictionId);
    refs.forEach((ref, row) => {
      expect(ref).toMatchObject({ device: DEVICE, model: 'vad', version: '1', row });
      expect(ref.at).toBeGreaterThanOrEqual(before);
      expect(ref.at).toBeLessThanOrEqual(after);
      expect(ref.predicted).toBe(answer.outputs.output?.data[row]);
    });
    expect(new Set(refs.map((ref) => ref.nonce)).size).toBe(1);
    // The values are fixed when the model ran: changing the outputs afterwards changes no id.
    const again = await agent.predict(typed(batch([7])));
    const predicted = again.outputs.output?.data[0];
    (again.outputs.output?.data as Float32Array).fill(0.123);
    expect(decodePredictionId(again.predictionIds[0] ?? '').predicted).toBe(predicted);
    expect(again.predictionIds[0]).not.toBe(ids[0]);
    expect(decodePredictionId(again.predictionIds[0] ?? '').nonce).not.toBe(refs[0]?.nonce);
  });

  it('refuses bad inputs with E_SCHEMA naming the input and field, and counts them', async () => {
    await flushedWindow(); // the requests of the tests above: this one counts from zero
    const good = typed(sileroInputs(1));
    const cases: Array<[string, unknown, string]> = [
      ['a missing input', { input: good.input, sr: good.sr }, 'inputs.state: missing input'],
      ['an unknown input', { ...good, bogus: good.sr }, 'inputs.bogus: unknown input'],
      ['another type', { ...good, sr: { type: 'float32', dims: [], data: Float32Array.from([16000]) } }, 'inputs.sr.type: expected int64, got float32'],
      ['a plain array for float32', { ...good, input: { type: 'float32', dims: [1, 512], data: new Array<number>(512).fill(0) } }, 'inputs.input.data: a float32 tensor takes a Float32Array, got an array'],
      ['the wrong typed array', { ...good, input: { type: 'float32', dims: [1, 512], data: new Float64Array(512) } }, 'inputs.input.data: a float32 tensor takes a Float32Array, got a Float64Array'],
      ['numbers for int64', { ...good, sr: { type: 'int64', dims: [], data: Int32Array.from([16000]) } }, 'inputs.sr.data: a int64 tensor takes a BigInt64Array'],
      ['another rank', { ...good, input: { type: 'float32', dims: [512], data: new Float32Array(512) } }, "inputs.input.dims: rank 1 does not match the model's rank 2"],
      ['a fixed dimension off', { ...good, state: { type: 'float32', dims: [3, 1, 128], data: new Float32Array(384) } }, 'inputs.state.dims: dimension 0 is 3, the model needs 2'],
      ['fewer elements than the dims need', { ...good, input: { type: 'float32', dims: [1, 512], data: new Float32Array(256) } }, 'inputs.input.data: has 256 elements but dims [1,512] need 512'],
      ['a negative dimension', { ...good, input: { type: 'float32', dims: [-1, 512], data: new Float32Array(512) } }, 'inputs.input.dims: [0] must be a non-negative integer'],
      ['a fractional dimension', { ...good, input: { type: 'float32', dims: [0.5, 512], data: new Float32Array(512) } }, 'inputs.input.dims: [0] must be a non-negative integer'],
      ['no tensor', { ...good, input: null }, 'inputs.input: expected a tensor'],
      ['no inputs at all', null, 'inputs: expected an object'],
    ];
    for (const [what, inputs, message] of cases) {
      // Deliberately ill-typed: what a JavaScript caller (or a bad cast) could pass.
      const result = await codeAndMessage(agent.predict(inputs as Record<string, TypedTensor>));
      expect(result, what).toMatch(/^E_SCHEMA /);
      expect(result, what).toContain(message);
    }
    // Refused requests never reach the model but are counted, as over HTTP.
    const window = await flushedWindow();
    expect(window).toMatchObject({ n: 0, errors: { E_SCHEMA: cases.length } });
  });

  it('offers each request to a running shadow, which counts it in the serving version’s window', async () => {
    const running = nextReport(agent, (s) => s.shadow?.version === '2', 'shadow v2 running');
    await hub.publishDesired(DEVICE, await deploy(2, await device.signed(v2.manifest)));
    await running;
    // The window is empty here (the test above closed it; the serving version did not change).
    for (const seed of [1, 2, 3, 4]) await agent.predict(typed(sileroInputs(seed)));
    const window = await flushedWindow();
    expect(window).toMatchObject({ version: '1', n: 4 });
    expect(window.shadow).toMatchObject({ model: 'vad', version: '2', sha256: v2.sha256, n: 4, dropped: 0, errors: {} });
  });
});
