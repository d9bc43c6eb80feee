import { describe, expect, it } from 'vitest';
import { chooseRetrainDataset, type DatasetCandidate, type OriginalRun } from '../../../src/core/retrain-decision';

const original: OriginalRun = { datasetId: 'a'.repeat(64), datasetName: 'sensors', datasetCreatedAt: '2026-11-01T00:00:00.000Z', target: 'y', features: ['x1', 'x2'] };
const dataset = (id: string, createdAt: string, over: Partial<DatasetCandidate> = {}): DatasetCandidate => ({ id: id.repeat(64).slice(0, 64), name: 'sensors', createdAt, columns: ['x1', 'x2', 'y'], ...over });
const persisted = { severity: 'drift', alarmingEvaluations: 2 };

describe('chooseRetrainDataset', () => {
  it('waits for drift that persisted, and ignores warnings', () => {
    const newer = [dataset('b', '2026-11-02T00:00:00.000Z')];
    expect(chooseRetrainDataset({ severity: 'drift', alarmingEvaluations: 1 }, original, newer, new Set())).toMatchObject({ retrain: false, reason: expect.stringContaining('waits for 2') });
    expect(chooseRetrainDataset({ severity: 'warning', alarmingEvaluations: 5 }, original, newer, new Set())).toMatchObject({ retrain: false, reason: expect.stringContaining('warning') });
  });

  it('needs labelled data newer than the original, under the same name', () => {
    const candidates = [dataset('c', '2026-10-01T00:00:00.000Z'), dataset('d', '2026-11-05T00:00:00.000Z', { name: 'other' }), { ...dataset('a', '2026-11-01T00:00:00.000Z') }];
    expect(chooseRetrainDataset(persisted, original, candidates, new Set())).toMatchObject({ retrain: false, reason: expect.stringContaining('no labelled data newer') });
  });

  it('refuses newer data that lacks the target or a feature, naming them', () => {
    const candidates = [dataset('b', '2026-11-02T00:00:00.000Z', { columns: ['x1', 'x2'] })];
    expect(chooseRetrainDataset(persisted, original, candidates, new Set())).toMatchObject({ retrain: false, reason: expect.stringContaining('lacks column(s) y') });
  });

  it('picks the newest fitting dataset, once', () => {
    const older = dataset('b', '2026-11-02T00:00:00.000Z');
    const newest = dataset('e', '2026-11-03T00:00:00.000Z');
    expect(chooseRetrainDataset(persisted, original, [older, newest], new Set())).toEqual({ retrain: true, dataset: newest });
    // Never falls back to older data once the newest was used.
    expect(chooseRetrainDataset(persisted, original, [older, newest], new Set([newest.id]))).toMatchObject({ retrain: false, reason: expect.stringContaining('already retrained') });
  });
});
