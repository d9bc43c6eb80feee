/**
 * Given the Suthaharan sensor network readings (18,914 rows from 4 motes, 149 labelled
 * anomalies) parsed from the package's CSV bytes, when an autoencoder learns normal humidity /
 * temperature per mote, then its score separates anomalies (ROC-AUC, F1) far better than the
 * no-skill baseline (constant score: AUC 0.5; flag everything: F1 = 2p / (1 + p)).
 */
import { describe, expect, it } from 'vitest';
import { exploreTable } from '../../../src/core/datasets/explore-table';
import { parseCsv } from '../../../src/core/datasets/parse-csv';
import { encodeTable, fitFeatures, targetOf } from '../../../src/core/training/features';
import { predictEncoded } from '../../../src/core/training/forward';
import { anomalyMetrics } from '../../../src/core/training/metrics';
import { createRandom } from '../../../src/core/training/random';
import { splitRows } from '../../../src/core/training/split';
import { TRAINERS } from '../../../src/core/training/trainers';
import { encodedWidth, type EncodedData } from '../../../src/core/training/types';
import { sensorCsv } from './fixtures';

describe('sensor anomalies', () => {
  const table = parseCsv(sensorCsv(), { kinds: { mote_id: 'categorical' } });

  it('parses and explores the real CSV', () => {
    expect(table.rows).toBe(18_914);
    expect(table.columns.map((c) => `${c.name}:${c.kind}`)).toEqual(['reading:numeric', 'mote_id:categorical', 'indoor:numeric', 'humidity:numeric', 'temperature:numeric', 'label:numeric']);
    const summary = exploreTable(table, { target: 'label', targetKind: 'categorical' });
    expect(summary.target?.classBalance).toEqual([
      { value: '0', count: 18_765, fraction: 18_765 / 18_914 },
      { value: '1', count: 149, fraction: 149 / 18_914 },
    ]);
    const mote = summary.columns[1];
    // motes 1 and 2 tie on 4,417 readings: ties go by name
    expect(mote?.kind === 'categorical' && mote.top).toEqual([
      { value: '4', count: 5_041 },
      { value: '3', count: 5_039 },
      { value: '1', count: 4_417 },
      { value: '2', count: 4_417 },
    ]);
  });

  it('an autoencoder beats the no-skill baseline on ROC-AUC and F1', async () => {
    const target = targetOf(table, 'label', 'anomaly');
    const split = splitRows([...Array(table.rows).keys()], createRandom(7), { strata: target.y });
    const spec = fitFeatures(table, ['humidity', 'temperature', 'mote_id'], split.train);
    const encode = (rows: number[]): EncodedData & { y: Int32Array } => ({ rows: rows.length, width: encodedWidth(spec), x: encodeTable(spec, table, rows), y: Int32Array.from(rows, (r) => target.y[r] as number) });
    const [train, validation, test] = [encode(split.train), encode(split.validation), encode(split.test)];

    const params = TRAINERS.autoencoder.paramsSchema.parse({ hidden: [8], bottleneck: 2, epochs: 15 });
    const body = await TRAINERS.autoencoder.train({ task: 'anomaly', train, validation }, params, { random: createRandom(1) });
    expect(body.head.kind).toBe('reconstruction');
    const p = predictEncoded(body, test.x, test.rows);
    if (p.kind !== 'anomaly') throw new Error(p.kind);
    const m = anomalyMetrics(test.y, p.score, p.threshold);

    const anomalies = test.y.reduce((a, b) => a + b, 0);
    const prevalence = anomalies / test.rows;
    const noSkill = anomalyMetrics(test.y, new Float32Array(test.rows), -1); // flags every row
    expect(noSkill.rocAuc).toBe(0.5);
    expect(noSkill.f1).toBeCloseTo((2 * prevalence) / (1 + prevalence), 12);
    expect(m.rocAuc).toBeGreaterThan(0.95);
    expect(m.f1).toBeGreaterThan(0.6);
    expect(m.f1).toBeGreaterThan(10 * noSkill.f1);
  });
});
