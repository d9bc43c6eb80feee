/**
 * loadEvaluationSet rebuilds a finished run's test split from the stored dataset and spec: the
 * version's ONNX file, run in onnxruntime on those raw rows and scored with scoreOutputs,
 * reproduces the test metrics the run recorded (what quantized versions are measured against).
 */
import { describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import type { Hub } from '../../src/index';
import { createArtifactStore } from '../../src/adapters/artifacts';
import { openDatabase } from '../../src/adapters/db/open';
import { loadEvaluationSet, runIdOfSource, scoreOutputs } from '../../src/services/training/training-evaluation';
import { api, type TempDir, useTestHub } from '../support';
import { testDatabase } from '../../../test/support/test-database';
import { syntheticCsv } from './synthetic';

interface Run {
  status: string;
  metrics: Record<string, number>;
  resultVersion: { model: string; version: string };
}

describe('loadEvaluationSet', () => {
  let dir: TempDir;
  let hub: Hub;

  useTestHub((started) => ({ hub, dir } = started));

  it('gives the raw test rows and labels on which the registered model reproduces the run metrics', async () => {
    const dataset = (await api<{ id: string }>(hub, 'POST', '/api/v1/datasets?name=synth', { bytes: syntheticCsv(800, 9) })).body.id;
    const id = (await api<{ id: string }>(hub, 'POST', '/api/v1/training-runs', { json: { dataset, target: 'y', task: 'classification', trainer: 'mlp', params: { hidden: [8], epochs: 20 }, seed: 42 } })).body.id;
    const get = async () => (await api<Run>(hub, 'GET', `/api/v1/training-runs/${id}`)).body;
    await expect.poll(async () => (await get()).status, { timeout: 30_000, interval: 100 }).toBe('succeeded');
    const run = await get();
    const version = (await api<{ sha256: string; manifest: { lineage: { source?: string } } }>(hub, 'GET', `/api/v1/models/${run.resultVersion.model}/versions/${run.resultVersion.version}`)).body;
    expect(runIdOfSource(version.manifest.lineage.source)).toBe(id);

    // The hub's own database: the SQLite file in its data dir, or its PostgreSQL database when the suite runs on one.
    const { databaseUrl } = await testDatabase(dir.path);
    const opened = await openDatabase(databaseUrl === undefined ? { path: join(dir.path, 'edgefleet.db') } : { url: databaseUrl });
    try {
      const set = await loadEvaluationSet({ db: opened.db, datasets: await createArtifactStore(dir.path, 'datasets') }, id);
      expect(set).toMatchObject({ runId: id, split: 'test', task: 'classification', classes: ['high', 'low', 'mid'], metric: 'macroF1', metrics: run.metrics });
      expect(Math.abs(set.rows.rows - 120)).toBeLessThanOrEqual(3); // 15% of 800, stratified per class
      expect(set.rows.numericNames).toEqual(['x1', 'x2', 'value']);
      expect(set.rows.categoricalNames).toEqual(['color']);
      expect(set.labels).toHaveLength(set.rows.rows);

      const session = await ort.InferenceSession.create(new Uint8Array(await readFile(join(dir.path, 'artifacts', version.sha256))));
      const out = await session.run({
        numeric: new ort.Tensor('float32', set.rows.numeric, [set.rows.rows, 3]),
        categorical: new ort.Tensor('string', set.rows.categorical, [set.rows.rows, 1]),
      });
      await session.release();
      const scored = scoreOutputs(set, { probabilities: out['probabilities']?.data as Float32Array });
      expect(scored['accuracy']).toBe(run.metrics['accuracy']);
      expect(scored['macroF1']).toBe(run.metrics['macroF1']);
      expect(scored['logLoss']).toBeCloseTo(run.metrics['logLoss'] ?? 0, 4);

      // The training rows (for calibration) are disjoint from the test rows and about 70% of the data.
      const train = await loadEvaluationSet({ db: opened.db, datasets: await createArtifactStore(dir.path, 'datasets') }, id, { split: 'train' });
      expect(train.split).toBe('train');
      expect(Math.abs(train.rows.rows - 560)).toBeLessThanOrEqual(3);
    } finally {
      await opened.close();
    }
  });
});
