/**
 * Reference profiles for imported models: an ONNX file uploaded with `?referenceDataset=` gets a
 * reference built by running it on the dataset's rows, signed into its release, so the drift route
 * judges windows that a real MQTT device client publishes; without it drift stays 409. Bad
 * parameters are refused before anything is stored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { statsTopic, type ReleaseManifest, type StatsWindow } from '@edgefleet/protocol';
import type { Hub } from '../src/index';
import { windowOf } from '../src/core/drift';
import { GraphBuilder, attr, encodeModel } from '../src/core/onnx';
import { createRandom } from '../src/core/training/random';
import { api, connectDevice, enrol, useTestHub } from './support';

type ErrorReply = { error: { code: string; message: string } };
type UploadReply = { version: string; reference: { dataset: string; columns: string[]; rows: number; modelRows: number; outputs: Array<{ name: string; kind: string }>; ood: string | null } | null };
type DriftReply = { verdict: string; report: { verdict: string; drifting: string[]; n: number } | null };

/** A linear softmax classifier over 3 features: logits = x W + b, known here so tests can predict. */
const W = [
  [2, -1, 0],
  [0, 1.5, -1],
  [-1, 0, 1],
];
const B = [0.1, 0, -0.1];

function classifierOnnx(): Uint8Array {
  const g = new GraphBuilder('linear_softmax');
  const x = g.input('x', 'float32', ['N', 3]);
  const logits = g.op('Add', [g.op('MatMul', [x, g.initializer('W', { type: 'float32', data: Float32Array.from(W.flat()) }, [3, 3])]), g.initializer('B', { type: 'float32', data: Float32Array.from(B) }, [3])]);
  g.node('Softmax', [logits], ['probabilities'], { axis: attr.int(-1) });
  g.output('probabilities', 'float32', ['N', 3]);
  return encodeModel(g.build());
}

/** A regressor y = 3a - b that only takes batches of one row: [1, 2] -> [1, 1]. */
function fixedBatchRegressorOnnx(): Uint8Array {
  const g = new GraphBuilder('regressor');
  const x = g.input('features', 'float32', [1, 2]);
  g.node('MatMul', [x, g.initializer('w', { type: 'float32', data: Float32Array.from([3, -1]) }, [2, 1])], ['y']);
  g.output('y', 'float32', [1, 1]);
  return encodeModel(g.build());
}

function predict(row: readonly number[]): { cls: number; top: number } {
  const logits = [0, 1, 2].map((k) => row.reduce((sum, v, j) => sum + v * (W[j]?.[k] ?? 0), B[k] ?? 0));
  const max = Math.max(...logits);
  const exp = logits.map((l) => Math.exp(l - max));
  const total = exp.reduce((a, b) => a + b, 0);
  const cls = logits.indexOf(max);
  return { cls, top: (exp[cls] ?? 0) / total };
}

/** Gaussian rows a, b, c (a missing in every 25th row), a numeric label and a categorical column. */
function datasetCsv(rows: number): { csv: Uint8Array; complete: number[][] } {
  const random = createRandom(11);
  const lines = ['a,b,c,label,site'];
  const complete: number[][] = [];
  for (let i = 0; i < rows; i++) {
    const row = [random.gaussian(), random.gaussian(), random.gaussian()].map((v) => Number(v.toFixed(4)));
    const missing = i % 25 === 0;
    if (!missing) complete.push(row);
    lines.push(`${missing ? '' : row[0]},${row[1]},${row[2]},${predict(row).cls},${['north', 'south'][i % 2]}`);
  }
  return { csv: new TextEncoder().encode(`${lines.join('\n')}\n`), complete };
}

describe('reference profiles for uploaded models from a sample dataset', () => {
  let hub: Hub;
  let dataset = '';
  let complete: number[][] = [];
  let device: MqttClient;
  let windows = 0;
  useTestHub((started) => (hub = started.hub));

  const upload = (model: string, query: string, bytes = classifierOnnx()) => api<UploadReply & ErrorReply>(hub, 'POST', `/api/v1/models/${model}/versions?${query}`, { bytes });
  const manifestOf = async (model: string, version: string): Promise<ReleaseManifest> => (await api<{ manifest: ReleaseManifest }>(hub, 'GET', `/api/v1/models/${model}/versions/${version}`)).body.manifest;
  const received = async (): Promise<number> => (await api<{ ingest: { received: Record<string, number> } }>(hub, 'GET', '/api/v1/broker/stats')).body.ingest.received.stats ?? 0;

  /** One window of `rows` rows drawn like the dataset (gaps included), feature a shifted by `shift`, counted as a device would. */
  const publishWindow = async (manifest: ReleaseManifest, rows: number, seed: number, shift: number): Promise<void> => {
    const reference = manifest.reference;
    if (!reference) throw new Error('no reference');
    const random = createRandom(seed);
    const data = Array.from({ length: rows }, () => [random.gaussian() + shift, random.gaussian(), random.gaussian()]);
    // Like the sample: a is missing in every 25th row (and those rows have no usable prediction).
    data.forEach((row, i) => {
      if (i % 25 === 0) row[0] = Number.NaN;
    });
    const predictions = data.filter((row) => Number.isFinite(row[0])).map(predict);
    const window: StatsWindow = {
      ...windowOf(reference, {
        device: 'ref-dev',
        numeric: [0, 1, 2].map((j) => data.map((row) => row[j] as number)),
        predicted: predictions.map((p) => p.cls),
        confidence: predictions.map((p) => p.top),
        ood: predictions.map((p) => p.top),
        windowStart: new Date(Date.now() - 60_000).toISOString(),
      }),
      msgId: `ref-window-${seed}`,
      model: manifest.model,
      version: manifest.version,
      sha256: manifest.artifact.sha256,
      windowEnd: new Date().toISOString(),
    };
    const before = await received();
    await device.publishAsync(statsTopic('ref-dev'), JSON.stringify(window), { qos: 1 });
    await expect.poll(received).toBe(before + 1);
    windows++;
  };

  beforeAll(async () => {
    const built = datasetCsv(1_000);
    complete = built.complete;
    const reply = await api<{ id: string }>(hub, 'POST', '/api/v1/datasets?name=reference-sample', { bytes: built.csv });
    expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    dataset = reply.body.id;
    device = await connectDevice(hub, 'ref-dev', await enrol(hub, 'ref-dev'));
  });

  afterAll(() => {
    device?.end(true);
  });

  it('without a reference dataset an upload has no reference and drift answers 409, as before', async () => {
    const reply = await upload('ref-none', 'version=1');
    expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    expect(reply.body.reference).toBeNull();
    expect((await manifestOf('ref-none', '1')).reference).toBeNull();
    const drift = await api<ErrorReply>(hub, 'GET', '/api/v1/models/ref-none/versions/1/drift');
    expect(drift.status).toBe(409);
  });

  it('builds the reference from the dataset rows and the model outputs on them, and signs it into the release', async () => {
    const reply = await upload('ref-cls', `version=1&referenceDataset=${dataset}&target=label`);
    expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    expect(reply.body.reference).toEqual({ dataset, columns: ['a', 'b', 'c'], rows: 1_000, modelRows: complete.length, outputs: [{ name: 'probabilities', kind: 'class' }], ood: 'max-softmax' });

    const manifest = await manifestOf('ref-cls', '1');
    const reference = manifest.reference;
    expect(reference?.rows).toBe(1_000);
    expect(reference?.features.map((f) => [f.name, f.kind, f.source])).toEqual([
      ['a', 'numeric', { input: 'x', index: 0 }],
      ['b', 'numeric', { input: 'x', index: 1 }],
      ['c', 'numeric', { input: 'x', index: 2 }],
    ]);
    const a = reference?.features[0];
    // Every sampled row is counted for the features, the missing ones as missing.
    expect(a?.kind === 'numeric' ? a.bins.missing : -1).toBe(1_000 - complete.length);
    const output = reference?.outputs[0];
    expect(output?.kind).toBe('class');
    const expected = [0, 0, 0];
    for (const row of complete) expected[predict(row).cls]! += 1;
    // The class counts are what the model predicts on the complete rows.
    expect(output?.kind === 'class' ? [output.classes, output.counts] : null).toEqual([['0', '1', '2'], expected]);
    expect(reference?.ood?.score).toBe('max-softmax');
    expect(manifest.lineage).toMatchObject({ source: 'upload', params: { referenceDataset: dataset, referenceColumns: ['a', 'b', 'c'] } });
  });

  it('the drift route judges windows against that reference: ok for data like the sample, drift naming the shifted feature', async () => {
    const manifest = await manifestOf('ref-cls', '1');
    const base = '/api/v1/models/ref-cls/versions/1/drift';
    expect((await api<DriftReply>(hub, 'GET', base)).body).toMatchObject({ verdict: 'insufficient-data', report: null });

    await publishWindow(manifest, 3_000, 1, 0);
    const ok = await api<DriftReply>(hub, 'GET', base);
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body.report?.n).toBe(3_000);
    expect(ok.body.verdict, JSON.stringify(ok.body.report)).toBe('ok');

    await publishWindow(manifest, 3_000, 2, 1.5);
    const drift = await api<DriftReply>(hub, 'GET', base);
    expect(drift.body.verdict, JSON.stringify(drift.body.report)).toBe('drift');
    expect(drift.body.report?.drifting).toContain('a');
    expect(drift.body.report?.drifting).not.toContain('b');
    expect(windows).toBe(2);
  });

  it('chosen columns feed a model with a fixed batch of one; a numeric output gets a numeric profile', async () => {
    const reply = await upload('ref-reg', `version=1&referenceDataset=${dataset}&columns=b,c`, fixedBatchRegressorOnnx());
    expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    // b and c are never missing, so the model ran on every sampled row.
    expect(reply.body.reference).toMatchObject({ columns: ['b', 'c'], rows: 1_000, modelRows: 1_000, outputs: [{ name: 'y', kind: 'numeric' }], ood: 'standardized-distance' });
    const reference = (await manifestOf('ref-reg', '1')).reference;
    const y = reference?.outputs[0];
    expect(y?.kind === 'numeric' ? y.bins.counts.reduce((s, c) => s + c, 0) + y.bins.underflow + y.bins.overflow + y.bins.missing : 0).toBe(1_000);
    expect(reference?.features.map((f) => f.source)).toEqual([
      { input: 'features', index: 0 },
      { input: 'features', index: 1 },
    ]);
  });

  it('refuses unknown datasets, unknown or non-numeric columns and a width mismatch with 4xx naming them, storing nothing', async () => {
    const cases: Array<[string, number, string, RegExp]> = [
      [`referenceDataset=${'0'.repeat(64)}`, 404, 'E_NOT_FOUND', /dataset 0{64} not found/],
      ['referenceDataset=nope', 400, 'E_VALIDATION', /referenceDataset/],
      [`referenceDataset=${dataset}&columns=a,b`, 422, 'E_INVALID_MODEL', /"x" takes 3 columns but 2 dataset columns were chosen \(a, b\)/],
      [`referenceDataset=${dataset}`, 422, 'E_INVALID_MODEL', /takes 3 columns but 4 .*\(a, b, c, label\)/],
      [`referenceDataset=${dataset}&columns=a,site,c`, 400, 'E_VALIDATION', /columns: "site" is categorical/],
      [`referenceDataset=${dataset}&columns=a,zzz,c`, 400, 'E_VALIDATION', /columns: "zzz" is not in the dataset/],
      [`referenceDataset=${dataset}&columns=a,,c`, 400, 'E_VALIDATION', /columns/],
      [`referenceDataset=${dataset}&target=zzz`, 400, 'E_VALIDATION', /target: column "zzz"/],
      ['columns=a,b,c', 400, 'E_VALIDATION', /columns: only with referenceDataset/],
    ];
    for (const [query, status, code, message] of cases) {
      const reply = await upload('ref-bad', `version=1&${query}`);
      expect(reply.status, `${query}: ${JSON.stringify(reply.body)}`).toBe(status);
      expect(reply.body.error.code).toBe(code);
      expect(reply.body.error.message).toMatch(message);
    }
    expect((await api<ErrorReply>(hub, 'GET', '/api/v1/models/ref-bad/versions/1')).status).toBe(404);
  });
});
