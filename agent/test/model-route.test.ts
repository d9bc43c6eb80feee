/**
 * GET /v1/model: the serving model's inputs and outputs with an example body that POST
 * /v1/predict takes as it is and answers (real onnxruntime sessions), from the probe's inputs
 * when the manifest carries them, else zeros; and a wrong predict body points at the route.
 */
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { probeBlobBytes, type ReleaseManifest } from '@edgefleet/protocol';
import { createLocalApi } from '../src/adapters/local-api';
import { LoadedModel } from '../src/adapters/runtime';
import { parsePredictInputs } from '../src/core/predict-request';
import { describeModel, shortestFloat32, type ModelDescription } from '../src/core/model-description';
import { servingDescriber } from '../src/describe-serving';
import { AgentError } from '../src/errors';
import type { LocalStatus } from '../src/hub-link';
import { GraphBuilder, attr, encodeModel } from '../../hub/src/core/onnx';
import { makeRelease } from '../../test/fixtures/signing';
import { sileroRelease } from './support/silero';

const status: LocalStatus = {
  device: 'dev-1',
  phase: 'serving',
  active: null,
  previous: null,
  shadow: null,
  seq: 3,
  error: null,
  hub: { state: 'connected', credentialsRejected: false, since: new Date(0).toISOString(), lastError: null },
};

/** The local API over one loaded model (or none), describing it as the agent does. */
function apiFor(model: LoadedModel | null, probeInputs: Parameters<typeof describeModel>[1] = null) {
  const none = () => new AgentError('E_NO_MODEL', 'no model is serving yet');
  return createLocalApi({
    status: () => status,
    model: async () => {
      if (!model) throw none();
      return describeModel(model.release, probeInputs);
    },
    predict: async (body) => {
      if (!model) throw none();
      const outputs = await model.run(parsePredictInputs(body, model.release.io.inputs));
      return { model: model.release.model, version: model.release.version, outputs, predictionIds: [] };
    },
  });
}

const post = (body: unknown) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** x float32 [N,4] and k int64 [] -> y = x W + k, float32 [N,2]: a symbolic batch dim and a scalar of another type. */
function scoredModel(): { bytes: Uint8Array; manifest: ReleaseManifest } {
  const g = new GraphBuilder('scored');
  const x = g.input('x', 'float32', ['N', 4]);
  const k = g.input('k', 'int64', []);
  const w = g.initializer('W', { type: 'float32', data: Float32Array.from([1, 0, 0, 1, 1, 0, 0, 1]) }, [4, 2]);
  g.node('Add', [g.op('MatMul', [x, w]), g.op('Cast', [k], { to: attr.int(1) })], ['y']);
  g.output('y', 'float32', ['N', 2]);
  const bytes = encodeModel(g.build());
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const manifest = makeRelease({
    model: 'scored',
    version: '3',
    artifact: { sha256, size: bytes.length, url: `http://127.0.0.1:1/artifacts/${sha256}` },
    io: {
      inputs: [
        { name: 'x', type: 'float32', shape: ['N', 4] },
        { name: 'k', type: 'int64', shape: [] },
      ],
      outputs: [{ name: 'y', type: 'float32', shape: ['N', 2] }],
    },
    // A probe blob the agent has not cached: the example falls back to zeros.
    probe: { sha256: 'b'.repeat(64), size: 100, tolerance: { abs: 1e-4, rel: 1e-3 } },
  });
  return { bytes, manifest };
}

describe('GET /v1/model', () => {
  it('answers 503 E_NO_MODEL before a model serves', async () => {
    const res = await apiFor(null).request('/v1/model');
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ error: { code: 'E_NO_MODEL' } });
  });

  it("describes Silero VAD with its probe's inputs as the example, which POST /v1/predict answers", async () => {
    const { bytes, manifest } = await sileroRelease();
    const model = await LoadedModel.load(bytes, manifest);
    const probe = manifest.probe;
    if ('sha256' in probe) throw new Error('the Silero fixture carries an inline probe');
    const app = apiFor(model, probe.inputs);
    try {
      const res = await app.request('/v1/model');
      expect(res.status).toBe(200);
      const described = (await res.json()) as ModelDescription;
      expect(described).toMatchObject({ model: 'vad', version: '1', sha256: manifest.artifact.sha256, releaseCounter: 1, quantization: 'none', exampleSource: 'probe' });
      expect(described.inputs).toEqual([
        { name: 'input', type: 'float32', dims: [null, null] },
        { name: 'state', type: 'float32', dims: [2, null, 128] },
        { name: 'sr', type: 'int64', dims: [] },
      ]);
      expect(described.outputs.map((o) => o.name)).toEqual(['output', 'stateN']);
      expect(described.exampleRequest?.inputs.sr).toEqual({ type: 'int64', dims: [], data: [16000] });

      const answer = await app.request('/v1/predict', post(described.exampleRequest));
      expect(answer.status).toBe(200);
      expect(((await answer.json()) as { outputs: Record<string, { dims: number[] }> }).outputs.output?.dims).toEqual([1, 1]);
    } finally {
      await model.retire();
    }
  });

  it('gives zeros with symbolic dims set to 1 when the probe is not at hand, named dims by name', async () => {
    const { bytes, manifest } = scoredModel();
    const model = await LoadedModel.load(bytes, manifest);
    const app = apiFor(model);
    try {
      const described = (await (await app.request('/v1/model')).json()) as ModelDescription;
      expect(described.inputs).toEqual([
        { name: 'x', type: 'float32', dims: ['N', 4] },
        { name: 'k', type: 'int64', dims: [] },
      ]);
      expect(described.exampleSource).toBe('zeros');
      expect(described.exampleRequest).toEqual({ inputs: { x: { type: 'float32', dims: [1, 4], data: [0, 0, 0, 0] }, k: { type: 'int64', dims: [], data: [0] } } });
      const answer = await app.request('/v1/predict', post(described.exampleRequest));
      expect(answer.status).toBe(200);
      expect(await answer.json()).toMatchObject({ model: 'scored', version: '3', outputs: { y: { type: 'float32', dims: [1, 2], data: [0, 0] } } });
    } finally {
      await model.retire();
    }
  });

  it('a predict body of the wrong form is E_SCHEMA naming the field and pointing at GET /v1/model', async () => {
    const { bytes, manifest } = scoredModel();
    const model = await LoadedModel.load(bytes, manifest);
    const app = apiFor(model);
    try {
      for (const body of [[1, 2, 3], { x: [1, 2, 3, 4] }, { inputs: { x: [1, 2, 3, 4], k: 0 } }]) {
        const res = await app.request('/v1/predict', post(body));
        expect(res.status).toBe(400);
        const { error } = (await res.json()) as { error: { code: string; message: string } };
        expect(error.code).toBe('E_SCHEMA');
        expect(error.message).toContain('GET /v1/model');
      }
    } finally {
      await model.retire();
    }
  });
});

describe('describeModel', () => {
  it('leaves the example out for inputs JSON cannot carry, and uses the dims of a large probe with zeros', () => {
    const float16 = makeRelease({ io: { inputs: [{ name: 'h', type: 'float16', shape: [1, 2] }], outputs: [{ name: 'y', type: 'float32', shape: [1] }] } });
    expect(describeModel(float16, null)).toMatchObject({ exampleRequest: null, exampleSource: null, inputs: [{ name: 'h', type: 'float16', dims: [1, 2] }] });

    const image = makeRelease({ io: { inputs: [{ name: 'img', type: 'uint8', shape: ['', 3, 0, 0] }], outputs: [{ name: 'y', type: 'float32', shape: [1] }] } });
    const big = { img: { type: 'uint8' as const, dims: [1, 3, 128, 128], data: new Array<number>(3 * 128 * 128).fill(7) } };
    const described = describeModel(image, big);
    expect(described.inputs[0]?.dims).toEqual([null, 3, null, null]);
    expect(described.exampleSource).toBe('zeros');
    expect(described.exampleRequest?.inputs.img?.dims).toEqual([1, 3, 128, 128]);
    expect(described.exampleRequest?.inputs.img?.data.every((v) => v === 0)).toBe(true);
  });

  it("shows a probe's float32 values as the shortest decimals that are the same float32", () => {
    const release = makeRelease({ io: { inputs: [{ name: 'x', type: 'float32', shape: ['N', 4] }], outputs: [{ name: 'y', type: 'float32', shape: ['N'] }] } });
    const stored = Array.from(new Float32Array([45.9, 27.95, -0.1, 1e-7]));
    expect(stored[0]).toBe(45.900001525878906);
    const data = describeModel(release, { x: { type: 'float32', dims: [1, 4], data: stored } }).exampleRequest?.inputs.x?.data;
    expect(data).toEqual([45.9, 27.95, -0.1, 1e-7]);
    expect(Array.from(new Float32Array(data as number[]))).toEqual(stored);
    expect([0, 3, 16777217, Number.MAX_VALUE, Number.NaN].map(shortestFloat32)).toEqual([0, 3, 16777216, Number.MAX_VALUE, Number.NaN]);
  });
});

describe('describeModel of a model that names its features (as the hub trains them)', () => {
  const bins = { edges: [0, 1], counts: [1], underflow: 0, overflow: 0, missing: 0, mean: 0.5, sd: 0 };
  const sensors = makeRelease({
    model: 'sensors-classification',
    io: {
      inputs: [
        { name: 'numeric', type: 'float32', shape: ['N', 2] },
        { name: 'categorical', type: 'string', shape: ['N', 1] },
      ],
      outputs: [
        { name: 'label', type: 'int64', shape: ['N'] },
        { name: 'probabilities', type: 'float32', shape: ['N', 2] },
      ],
    },
    reference: {
      rows: 1,
      // Out of column order on purpose: the description sorts them by index.
      features: [
        { name: 'temperature', kind: 'numeric', source: { input: 'numeric', index: 1 }, bins },
        { name: 'mote_id', kind: 'categorical', source: { input: 'categorical', index: 0 }, categories: ['1', '3'], counts: [1, 0], unseen: 0, missing: 0 },
        { name: 'humidity', kind: 'numeric', source: { input: 'numeric', index: 0 }, bins },
      ],
      outputs: [{ name: 'label', kind: 'class', classes: ['ok', 'overheat'], counts: [1, 0] }],
      ood: null,
    },
  });

  it("names each input column (numeric ones, categorical ones with their categories) and the classifier's classes", () => {
    const described = describeModel(sensors, null);
    expect(described.inputs).toEqual([
      { name: 'numeric', type: 'float32', dims: ['N', 2], columns: [{ index: 0, name: 'humidity', kind: 'numeric' }, { index: 1, name: 'temperature', kind: 'numeric' }] },
      { name: 'categorical', type: 'string', dims: ['N', 1], columns: [{ index: 0, name: 'mote_id', kind: 'categorical', categories: ['1', '3'] }] },
    ]);
    expect(described.outputs).toEqual([
      { name: 'label', type: 'int64', dims: ['N'], classes: ['ok', 'overheat'] },
      { name: 'probabilities', type: 'float32', dims: ['N', 2], classes: ['ok', 'overheat'] },
    ]);
    expect(described.exampleRequest?.inputs).toEqual({ numeric: { type: 'float32', dims: [1, 2], data: [0, 0] }, categorical: { type: 'string', dims: [1, 1], data: [''] } });
  });

  it('adds nothing for a model without a reference profile', () => {
    const described = describeModel({ ...sensors, reference: null }, null);
    expect(described.inputs.every((input) => !('columns' in input))).toBe(true);
    expect(described.outputs.every((output) => !('classes' in output))).toBe(true);
  });
});

describe('the serving model described (servingDescriber)', () => {
  it("takes the example from a cached probe blob (hash checked), falls back to zeros without it, and is E_NO_MODEL with nothing serving", async () => {
    const { bytes, manifest } = await sileroRelease();
    const probe = manifest.probe;
    if ('sha256' in probe) throw new Error('the Silero fixture carries an inline probe');
    const blob = probeBlobBytes(probe);
    const sha256 = createHash('sha256').update(blob).digest('hex');
    const release = { ...manifest, probe: { sha256, size: blob.length, tolerance: probe.tolerance } };
    const model = await LoadedModel.load(bytes, release);
    try {
      const cached = new Map<string, Uint8Array>([[sha256, blob]]);
      const described = await servingDescriber({ serving: model }, { readProbeBlob: async (hash) => cached.get(hash) ?? null })();
      expect(described.exampleSource).toBe('probe');
      // The probe's inputs, float32 values written as their shortest decimals: the same floats.
      const asFloat32 = (inputs: Record<string, { type: string; dims: number[]; data: unknown[] }>) =>
        Object.fromEntries(Object.entries(inputs).map(([name, t]) => [name, { ...t, data: t.type === 'float32' ? Array.from(new Float32Array(t.data as number[])) : t.data }]));
      expect(asFloat32(described.exampleRequest?.inputs ?? {})).toEqual(asFloat32(probe.inputs));
      expect(described.exampleRequest?.inputs.input?.data.slice(1, 3)).toEqual([0.2774469, 0.4616279]);

      const tampered = new Map<string, Uint8Array>([[sha256, probeBlobBytes({ ...probe, inputs: {} })]]);
      expect((await servingDescriber({ serving: model }, { readProbeBlob: async (hash) => tampered.get(hash) ?? null })()).exampleSource).toBe('zeros');
      expect((await servingDescriber({ serving: model }, { readProbeBlob: async () => null })()).exampleRequest?.inputs.input?.dims).toEqual([1, 1]);
    } finally {
      await model.retire();
    }
    await expect(servingDescriber({ serving: null }, { readProbeBlob: async () => null })()).rejects.toMatchObject({ code: 'E_NO_MODEL' });
  });
});
