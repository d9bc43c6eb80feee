/**
 * Issue 11 item 12, against a real hub (worker thread, SQLite, onnxruntime parity): default runs
 * train to early stopping, leave id-like columns out (and say so), report per-class F1, the
 * confusion matrix, ECE and (anomalies) average precision in the run and the signed lineage, and
 * a balanced run's baseline is the data's prior, not a rare-class predictor.
 */
import { describe, expect, it } from 'vitest';
import { releaseManifestSchema, type ReleaseManifest } from '@edgefleet/protocol';
import type { Hub } from '../../src/index';
import { createRandom } from '../../src/core/training/random';
import { api, useTestHub } from '../support';
import { syntheticCsv } from './synthetic';

interface Run {
  status: string;
  error: unknown;
  metrics: Record<string, number> | null;
  baselineMetrics: Record<string, number> | null;
  params: Record<string, unknown> | null;
  request: { features: string[]; excludedFeatures: Array<{ column: string; reason: string; detail: string }> };
  epochs: Array<{ epoch: number }>;
  resultVersion: { model: string; version: string } | null;
}

const day = (i: number): string => new Date(Date.UTC(2012, 0, 1) + i * 86_400_000).toISOString().slice(0, 10);

/** syntheticCsv's rows with a row counter and a text date in front: `row,date,x1,x2,color,y,value`. */
function withIdColumns(rows: number): Uint8Array {
  const lines = new TextDecoder().decode(syntheticCsv(rows)).trimEnd().split('\n');
  return new TextEncoder().encode(`${lines.map((line, i) => (i === 0 ? `row,date,${line}` : `${i},${day(i)},${line}`)).join('\n')}\n`);
}

/** Three classes 80 / 15 / 5 %, the majority named last ('c'), one informative feature. */
function imbalancedCsv(rows: number, seed: number): Uint8Array {
  const random = createRandom(seed);
  const lines = ['x,noise,k'];
  for (let i = 0; i < rows; i++) {
    const u = random.next();
    const k = u < 0.05 ? 'a' : u < 0.2 ? 'b' : 'c';
    const x = (k === 'a' ? -2 : k === 'b' ? 0 : 2) + random.gaussian();
    lines.push(`${x.toFixed(4)},${random.gaussian().toFixed(4)},${k}`);
  }
  return new TextEncoder().encode(`${lines.join('\n')}\n`);
}

/** Normal rows on a line in 3-D, 5% anomalies off it: `a,b,c,label`. */
function anomalyCsv(rows: number, seed: number): Uint8Array {
  const random = createRandom(seed);
  const lines = ['a,b,c,label'];
  for (let i = 0; i < rows; i++) {
    const t = random.gaussian();
    const anomalous = random.next() < 0.05;
    const off = anomalous ? 6 * (random.next() < 0.5 ? -1 : 1) : 0;
    lines.push(`${(t + 0.05 * random.gaussian()).toFixed(4)},${(2 * t + off + 0.05 * random.gaussian()).toFixed(4)},${(-t + 0.05 * random.gaussian()).toFixed(4)},${anomalous ? 1 : 0}`);
  }
  return new TextEncoder().encode(`${lines.join('\n')}\n`);
}

describe('training runs report honest numbers', () => {
  let hub: Hub;
  useTestHub((started) => ({ hub } = started));

  const upload = async (name: string, bytes: Uint8Array): Promise<string> => {
    const reply = await api<{ id: string }>(hub, 'POST', `/api/v1/datasets?name=${name}`, { bytes });
    expect(reply.status).toBe(201);
    return reply.body.id;
  };
  const train = async (json: Record<string, unknown>): Promise<{ id: string; run: Run; logs: string }> => {
    const reply = await api<{ id: string }>(hub, 'POST', '/api/v1/training-runs', { json });
    expect(reply.status, JSON.stringify(reply.body)).toBe(202);
    const { id } = reply.body;
    const get = async () => (await api<Run>(hub, 'GET', `/api/v1/training-runs/${id}`)).body;
    await expect.poll(async () => (await get()).status, { timeout: 60_000, interval: 100 }).toMatch(/^(succeeded|failed|cancelled)$/);
    const run = await get();
    expect(run.error).toBeNull();
    const logs = (await api<{ logs: Array<{ message: string }> }>(hub, 'GET', `/api/v1/training-runs/${id}/logs`)).body.logs.map((l) => l.message).join('\n');
    return { id, run, logs };
  };

  it('flags id-like columns when exploring, leaves them out of default features (saying so), and uses them when named', async () => {
    const dataset = await upload('with-ids', withIdColumns(600));
    const detail = await api<{ summary: { columns: Array<{ name: string; idLike?: { reason: string; detail: string } }> } }>(hub, 'GET', `/api/v1/datasets/${dataset}?target=y`);
    expect(detail.body.summary.columns.filter((c) => c.idLike !== undefined).map((c) => [c.name, c.idLike?.reason])).toEqual([
      ['row', 'monotone-counter'],
      ['date', 'date-text'],
    ]);

    const { run, logs } = await train({ dataset, target: 'y', task: 'classification', trainer: 'baseline', register: false });
    expect(run.request.features).toEqual(['x1', 'x2', 'color', 'value']);
    expect(run.request.excludedFeatures.map((e) => [e.column, e.reason])).toEqual([
      ['row', 'monotone-counter'],
      ['date', 'date-text'],
    ]);
    expect(logs).toContain('feature "row" left out: it looks like an id (monotone-counter)');
    expect(logs).toContain('feature "date" left out: it looks like an id (date-text)');

    const named = await train({ dataset, target: 'y', task: 'classification', trainer: 'baseline', features: ['date', 'x1'], register: false });
    expect(named.run.request.features).toEqual(['date', 'x1']);
    expect(named.run.request.excludedFeatures).toEqual([]);
  });

  it('trains the default MLP to early stopping and reports per-class F1, the confusion matrix and ECE in the run and the signed lineage', async () => {
    const dataset = await upload('synth', syntheticCsv(600, 21));
    const { id, run, logs } = await train({ dataset, target: 'y', task: 'classification', features: ['x1', 'x2', 'color'], model: 'report-cls', version: '1' });
    expect(run.params).toMatchObject({ epochs: 500, patience: 10 });
    const ran = run.epochs.length;
    expect(ran).toBeGreaterThan(30);
    expect(ran).toBeLessThan(500);
    expect(logs).toMatch(new RegExp(`early stopping after epoch ${ran} of at most 500 \\(no validation-loss improvement for 10 epochs\\); kept epoch \\d+`));

    const classes = ['high', 'low', 'mid'];
    for (const metrics of [run.metrics, run.baselineMetrics]) {
      expect(metrics?.['ece']).toBeGreaterThanOrEqual(0);
      for (const c of classes) expect(metrics?.[`f1[${c}]`]).toBeGreaterThanOrEqual(0);
      const cells = classes.flatMap((t) => classes.map((p) => metrics?.[`confusion[${t}][${p}]`] ?? Number.NaN));
      expect(cells.reduce((a, b) => a + b, 0)).toBe(90); // 15% of 600 test rows
    }
    const metrics = run.metrics ?? {};
    const f1s = classes.map((c) => metrics[`f1[${c}]`] ?? 0);
    expect(metrics['macroF1']).toBeCloseTo(f1s.reduce((a, b) => a + b, 0) / 3, 12);
    expect(metrics['ece']).toBeLessThan(0.1);
    expect(logs).toContain('per-class F1 on the test split: high=');
    expect(logs).toContain('confusion on the test split (rows: true class, columns: predicted, order high, low, mid)');

    const version = await api<{ manifest: ReleaseManifest }>(hub, 'GET', '/api/v1/models/report-cls/versions/1');
    const lineage = releaseManifestSchema.parse(version.body.manifest).lineage;
    expect(lineage).toMatchObject({ source: `training-run:${id}`, metrics: run.metrics, baselineMetrics: run.baselineMetrics });
    expect(lineage.metrics).toHaveProperty(['confusion[high][high]']);
  });

  it('reports average precision for anomaly detection, beside the no-skill detector (AP = the anomaly rate)', async () => {
    const dataset = await upload('anomalies', anomalyCsv(800, 4));
    const { run } = await train({ dataset, target: 'label', task: 'anomaly', params: { hidden: [4], bottleneck: 1 }, register: false });
    const test = run.baselineMetrics ?? {};
    // the no-skill detector flags every test row: its precision is the test split's anomaly rate, and so is its AP
    expect(test['averagePrecision']).toBeCloseTo(test['precision'] ?? Number.NaN, 12);
    expect(run.metrics?.['averagePrecision']).toBeGreaterThan(0.5);
    expect(run.metrics?.['averagePrecision']).toBeGreaterThan(test['averagePrecision'] ?? 1);
  });

  it.each(['oversample', 'class-weights'] as const)('with balance %s, the baseline is the prior of the data: it predicts the majority class', async (balance) => {
    const dataset = await upload(`imbalanced-${balance}`, imbalancedCsv(1000, balance === 'oversample' ? 7 : 8));
    const { run } = await train({ dataset, target: 'k', task: 'classification', trainer: 'linear', balance, register: false });
    const base = run.baselineMetrics ?? {};
    const column = (p: string): number => ['a', 'b', 'c'].reduce((n, t) => n + (base[`confusion[${t}][${p}]`] ?? 0), 0);
    expect([column('a'), column('b')]).toEqual([0, 0]); // never predicts a rare class
    expect(base['accuracy']).toBeGreaterThan(0.7);
    expect(base['f1[a]']).toBe(0);
    expect(run.metrics?.['macroF1']).toBeGreaterThan(base['macroF1'] ?? 1);
  });
});
