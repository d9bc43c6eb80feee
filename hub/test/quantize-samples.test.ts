/**
 * ISSUE 11.6 and 11.7. Given a real hub and a small CNN built here (Conv-Relu-Conv-Relu-
 * GlobalAveragePool-Gemm, input [1,3,H,W]):
 *  - uploaded without samples, its probe is the degenerate [1,3,1,1] (and the reply says so);
 *    static int8 is refused since it could only calibrate and be judged on synthetic inputs,
 *    and weight-only says plainly, in reply and signed manifest, that it was judged on synthetic
 *    inputs;
 *  - uploaded with real sample images (.npz with labels, stored by POST /api/v1/sample-inputs),
 *    its probe is the first image, and static int8 calibrates on half the samples and is judged
 *    (agreement, accuracy, macro-F1) on the other half;
 *  - a fixed [1,3,48,192] input, refused by the old 16,384-element probe cap, uploads with no hint;
 *  - bad sample files and ids are refused naming the field, and nothing is stored.
 */
import ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReleaseManifest } from '@edgefleet/protocol';
import type { Hub } from '../src/index';
import { probeLikeInputs } from '../src/core/quantize/probe-like-inputs';
import { applyQuantization } from '../src/services/quantize/quantize-apply';
import { openSession, type Feeds } from '../src/services/quantize/quantize-session';
import { npyBytes, npzBytes } from './core/tensor-files/numpy-files';
import { IMAGE, PIXELS, realisticImages, smallCnn } from './core/tensor-files/small-cnn';
import { api, makeTempDir, testHub, type TempDir } from './support';

/** The fp32 model's own argmax per sample: labels it gets right, so macro-F1 measures what int8 loses. */
async function fp32Labels(model: Uint8Array, images: Float32Array, count: number): Promise<Int32Array> {
  const session = await ort.InferenceSession.create(model);
  try {
    const labels = new Int32Array(count);
    for (let s = 0; s < count; s++) {
      const { y } = await session.run({ x: new ort.Tensor('float32', images.slice(s * PIXELS, (s + 1) * PIXELS), [1, ...IMAGE]) });
      const scores = y?.data as Float32Array;
      labels[s] = scores.indexOf(Math.max(...scores));
    }
    return labels;
  } finally {
    await session.release();
  }
}

/** Share of runs where both models pick the same class. */
async function argmaxAgreement(fp32: Uint8Array, int8: Uint8Array, runs: readonly Feeds[]): Promise<number> {
  const [a, b] = [await openSession(fp32), await openSession(int8)];
  try {
    let same = 0;
    for (const feeds of runs) {
      const [x, y] = [(await a.run(feeds)).y?.data as Float32Array, (await b.run(feeds)).y?.data as Float32Array];
      if (x.indexOf(Math.max(...x)) === y.indexOf(Math.max(...y))) same++;
    }
    return same / runs.length;
  } finally {
    await a.release();
    await b.release();
  }
}

interface UploadReply {
  version: string;
  samples: { id: string; count: number; inputs: string[]; labels: boolean } | null;
  warnings: string[];
}
interface QuantizeReply {
  version: string;
  source: { metrics?: Record<string, number>; accuracy?: number };
  result: { agreement: number; accuracy?: number; metrics?: Record<string, number>; evaluatedOn: string; evaluationData: string };
  warnings: string[];
}
interface ErrorReply {
  error: { code: string; message: string };
}
interface VersionReply {
  probe: { inputs: Record<string, { dims: number[]; data: number[] }> };
  manifest: ReleaseManifest;
}

describe('int8 judged on real sample inputs', () => {
  let dir: TempDir;
  let hub: Hub;
  const cnn = smallCnn([1, 3, 'H', 'W']);

  beforeAll(async () => {
    dir = await makeTempDir();
    hub = await testHub(dir.path);
  });
  afterAll(async () => {
    await hub?.close();
    await dir?.remove();
  });

  it('why: calibrated and judged on [1,3,1,1] synthetic inputs it agrees 1.00, yet on real images it mostly disagrees; calibrated on real images it agrees', async () => {
    const images = realisticImages(80, 11);
    const image = (i: number): Feeds => ({ x: { type: 'float32', data: images.slice(i * PIXELS, (i + 1) * PIXELS), dims: [1, ...IMAGE] } });
    const degenerate = probeLikeInputs({ x: { type: 'float32', dims: [1, 3, 1, 1], data: [0, 0, 0] } }, 32, 7);
    const judged = Array.from({ length: 40 }, (_, i) => image(2 * i + 1));
    const blind = await applyQuantization(cnn, { mode: 'int8-static' }, degenerate);
    expect(await argmaxAgreement(cnn, blind.model, degenerate)).toBe(1);
    expect(await argmaxAgreement(cnn, blind.model, judged)).toBeLessThan(0.5);
    const informed = await applyQuantization(cnn, { mode: 'int8-static' }, Array.from({ length: 40 }, (_, i) => image(2 * i)));
    expect(await argmaxAgreement(cnn, informed.model, judged)).toBeGreaterThanOrEqual(0.99);
  }, 30_000);

  it('without samples: the [1,3,1,1] probe is reported, static int8 is refused, weight-only says it was judged on synthetic inputs', async () => {
    const upload = await api<UploadReply>(hub, 'POST', '/api/v1/models/cnn-blind/versions?version=1', { bytes: cnn });
    expect(upload.status, JSON.stringify(upload.body)).toBe(201);
    expect(upload.body.samples).toBeNull();
    expect(upload.body.warnings).toEqual([expect.stringMatching(/^probe\.x: symbolic dims \[1,3,"H","W"\] were set to \[1,3,1,1\]/)]);

    const refused = await api<ErrorReply>(hub, 'POST', '/api/v1/models/cnn-blind/versions/1/quantize', { json: { mode: 'int8-static' } });
    expect(refused.status, JSON.stringify(refused.body)).toBe(422);
    expect(refused.body.error.code).toBe('E_NOT_QUANTIZABLE');
    expect(refused.body.error.message).toMatch(/no real inputs to calibrate on.*\?samples=/);
    expect((await api(hub, 'GET', '/api/v1/models/cnn-blind/versions/2')).status).toBe(404);

    const weightOnly = await api<QuantizeReply>(hub, 'POST', '/api/v1/models/cnn-blind/versions/1/quantize', { json: { mode: 'int8-weight-only', version: 'wo' } });
    expect(weightOnly.status, JSON.stringify(weightOnly.body)).toBe(201);
    expect(weightOnly.body.result.evaluationData).toBe('synthetic');
    expect(weightOnly.body.result.evaluatedOn).toMatch(/^synthetic \(not real data\)/);
    expect(weightOnly.body.warnings).toEqual([expect.stringMatching(/measured on synthetic inputs/)]);
    const signed = await api<VersionReply>(hub, 'GET', '/api/v1/models/cnn-blind/versions/wo');
    expect(signed.body.manifest.lineage.params?.quantize).toMatchObject({ mode: 'int8-weight-only', evaluationData: 'synthetic', warning: expect.stringMatching(/synthetic inputs/) });
  });

  it('with real sample images: the probe is the first image, static int8 calibrates on half and is judged on the other half', async () => {
    const count = 40;
    const images = realisticImages(count, 11);
    const labels = await fp32Labels(cnn, images, count);
    const file = npzBytes({ x: npyBytes(images, [count, ...IMAGE]), labels: npyBytes(labels, [count]) }, { compress: true });
    const stored = await api<{ id: string; format: string; arrays: Array<{ name: string; dtype: string; shape: number[] }> }>(hub, 'POST', '/api/v1/sample-inputs', { bytes: file });
    expect(stored.status, JSON.stringify(stored.body)).toBe(201);
    expect(stored.body).toMatchObject({ format: 'npz', arrays: expect.arrayContaining([{ name: 'x', dtype: '<f4', shape: [count, ...IMAGE] }]) });

    const upload = await api<UploadReply>(hub, 'POST', `/api/v1/models/cnn/versions?version=1&samples=${stored.body.id}`, { bytes: cnn });
    expect(upload.status, JSON.stringify(upload.body)).toBe(201);
    expect(upload.body).toMatchObject({ samples: { id: stored.body.id, count, inputs: ['x'], labels: true }, warnings: [] });
    const version = await api<VersionReply>(hub, 'GET', '/api/v1/models/cnn/versions/1');
    const probeImage = version.body.probe.inputs.x;
    expect(probeImage?.dims).toEqual([1, ...IMAGE]);
    expect(Float32Array.from(probeImage?.data ?? [])).toEqual(images.subarray(0, PIXELS));
    expect(version.body.manifest.lineage.params).toMatchObject({ samples: stored.body.id, sampleCount: count });

    const reply = await api<QuantizeReply>(hub, 'POST', '/api/v1/models/cnn/versions/1/quantize', { json: { mode: 'int8-static', version: 'static' } });
    expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    expect(reply.body.result.evaluationData).toBe('samples');
    expect(reply.body.result.evaluatedOn).toMatch(/^samples: 20 run\(s\)/);
    expect(reply.body.warnings).toEqual([]);
    // labels are fp32's own predictions: fp32 scores 1, int8 what it keeps of them
    expect(reply.body.source).toMatchObject({ accuracy: 1, metrics: { accuracy: 1, macroF1: 1 } });
    expect(reply.body.result.accuracy).toBeGreaterThanOrEqual(0.99);
    expect(reply.body.result.metrics?.macroF1).toBeGreaterThanOrEqual(0.99);
    const signed = await api<VersionReply>(hub, 'GET', '/api/v1/models/cnn/versions/static');
    expect(signed.body.manifest.lineage.params?.quantize).toMatchObject({ mode: 'int8-static', evaluationData: 'samples' });
    expect(signed.body.manifest.lineage.metrics).toMatchObject({ macroF1: reply.body.result.metrics?.macroF1, sourceMacroF1: 1 });
    expect(signed.body.probe.inputs.x?.dims).toEqual([1, ...IMAGE]);

    // Depthwise Convs stay float unless asked; the choice is signed into the lineage.
    const wrongMode = await api<ErrorReply>(hub, 'POST', '/api/v1/models/cnn/versions/1/quantize', { json: { mode: 'int8-weight-only', depthwise: 'int8' } });
    expect(wrongMode.status).toBe(400);
    expect(wrongMode.body.error.message).toMatch(/depthwise/);
    const allInt8 = await api<QuantizeReply>(hub, 'POST', '/api/v1/models/cnn/versions/1/quantize', { json: { mode: 'int8-static', version: 'static-dw', depthwise: 'int8' } });
    expect(allInt8.status, JSON.stringify(allInt8.body)).toBe(201);
    const signedDw = await api<VersionReply>(hub, 'GET', '/api/v1/models/cnn/versions/static-dw');
    expect(signedDw.body.manifest.lineage.params?.quantize).toMatchObject({ mode: 'int8-static', depthwise: 'int8' });
  }, 60_000);

  it('a fixed [1,3,48,192] input uploads with no probe hint (the old 16,384-element cap refused it)', async () => {
    const upload = await api<UploadReply>(hub, 'POST', '/api/v1/models/cnn-fixed/versions?version=1', { bytes: smallCnn([1, ...IMAGE], 6) });
    expect(upload.status, JSON.stringify(upload.body)).toBe(201);
    expect(upload.body.warnings).toEqual([]);
    const version = await api<VersionReply>(hub, 'GET', '/api/v1/models/cnn-fixed/versions/1');
    expect(version.body.probe.inputs.x?.dims).toEqual([1, ...IMAGE]);
  });

  it('bad sample files and ids: 400 naming the field, 404 for an unknown id, nothing stored', async () => {
    const csv = await api<ErrorReply>(hub, 'POST', '/api/v1/sample-inputs', { bytes: new TextEncoder().encode('a,b\n1,2\n') });
    expect(csv.status).toBe(400);
    expect(csv.body.error.message).toMatch(/^samples: not a tensor file/);
    const unknown = await api<ErrorReply>(hub, 'POST', `/api/v1/models/cnn-bad/versions?samples=${'0'.repeat(64)}`, { bytes: cnn });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toMatch(/samples 0{64} not found/);
    const transposed = await api<{ id: string }>(hub, 'POST', '/api/v1/sample-inputs', { bytes: npyBytes(new Float32Array(2 * PIXELS), [2, 48, 3, 192]) });
    expect(transposed.status).toBe(201);
    const mismatch = await api<ErrorReply>(hub, 'POST', `/api/v1/models/cnn-bad/versions?samples=${transposed.body.id}`, { bytes: cnn });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.error.message).toMatch(/^samples\.shape: one sample is \[48,3,192\], which does not fit input x \[1,3,H,W\]/);
    expect((await api(hub, 'GET', '/api/v1/models/cnn-bad/versions/1')).status).toBe(404);
  });
});
