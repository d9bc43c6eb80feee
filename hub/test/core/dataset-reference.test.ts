import { describe, expect, it } from 'vitest';
import type { IoSpec } from '@edgefleet/protocol';
import { datasetReferenceInput, modelInputFor, referenceColumns, sampleRows } from '../../src/core/dataset-reference';
import { HubError } from '../../src/core/errors';

const columns = [
  { name: 'a', kind: 'numeric' as const },
  { name: 'site', kind: 'categorical' as const },
  { name: 'b', kind: 'numeric' as const },
  { name: 'y', kind: 'numeric' as const },
];
const input = (shape: IoSpec['shape'], type: IoSpec['type'] = 'float32'): IoSpec => ({ name: 'x', type, shape });

const failure = (fn: () => unknown): { code: string; message: string } => {
  try {
    fn();
  } catch (error) {
    if (error instanceof HubError) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('did not throw');
};

describe('reference from a dataset: columns, model input, outputs', () => {
  it('defaults to the numeric columns in file order without the target; checks chosen ones', () => {
    expect(referenceColumns(columns, {})).toEqual(['a', 'b', 'y']);
    expect(referenceColumns(columns, { target: 'y' })).toEqual(['a', 'b']);
    expect(referenceColumns(columns, { columns: ['b', 'a'] })).toEqual(['b', 'a']);
    expect(failure(() => referenceColumns(columns, { columns: ['a', 'site'] })).message).toMatch(/columns: "site" is categorical/);
    expect(failure(() => referenceColumns(columns, { columns: ['a', 'a'] })).message).toMatch(/twice/);
    expect(failure(() => referenceColumns(columns, { columns: ['y'], target: 'y' })).message).toMatch(/target column/);
    expect(failure(() => referenceColumns(columns, { target: 'nope' })).message).toMatch(/^target:/);
    expect(failure(() => referenceColumns([{ name: 'site', kind: 'categorical' }], {})).code).toBe('E_VALIDATION');
  });

  it('needs one 2-D float input whose width fits the columns (422 naming both)', () => {
    expect(modelInputFor({ inputs: [input(['N', 2])] }, ['a', 'b'])).toEqual({ input: input(['N', 2]), fixedBatch: null });
    expect(modelInputFor({ inputs: [input([1, ''], 'float64')] }, ['a', 'b', 'c'])).toMatchObject({ fixedBatch: 1 });
    expect(failure(() => modelInputFor({ inputs: [input(['N', 3])] }, ['a', 'b']))).toEqual({ code: 'E_INVALID_MODEL', message: 'referenceDataset: model input "x" takes 3 columns but 2 dataset columns were chosen (a, b)' });
    expect(failure(() => modelInputFor({ inputs: [input(['N', 2]), { ...input(['N']), name: 'z' }] }, ['a', 'b'])).message).toMatch(/2 inputs \(x, z\)/);
    expect(failure(() => modelInputFor({ inputs: [input(['N', 2], 'int64')] }, ['a', 'b'])).message).toMatch(/int64/);
    expect(failure(() => modelInputFor({ inputs: [input(['N', 2, 2])] }, ['a', 'b'])).message).toMatch(/rank 3/);
  });

  it('samples every row when there are few, else a fixed number in ascending order', () => {
    expect(sampleRows(3, 10, () => [])).toEqual([0, 1, 2]);
    expect(sampleRows(5, 2, () => [4, 1, 3, 0, 2])).toEqual([1, 4]);
  });

  it('reads probabilities as a classifier (named `probabilities` first), anything else as a numeric prediction', () => {
    const features = { input: 'x', names: ['a', 'b'], values: [Float64Array.from([0, 1, Number.NaN]), Float64Array.from([2, 4, 6])] };
    const ran = [0, 1];
    const logits = { name: 'logits', width: 2, values: Float64Array.from([3, -1, 0.5, 2]) };
    const soft = { name: 'soft', width: 2, values: Float64Array.from([0.3, 0.7, 0.9, 0.1]) };
    const probabilities = { name: 'probabilities', width: 2, values: Float64Array.from([0.6, 0.4, 0.2, 0.8]) };

    const cls = datasetReferenceInput(features, [logits, soft, probabilities], ran);
    expect(cls.rows).toBe(3);
    expect(cls.features.map((f) => [f.name, f.source])).toEqual([
      ['a', { input: 'x', index: 0 }],
      ['b', { input: 'x', index: 1 }],
    ]);
    expect(cls.outputs).toEqual([{ name: 'probabilities', kind: 'class', classes: ['0', '1'], predicted: Int32Array.from([0, 1]), confidence: Float64Array.from([0.6, 0.8]) }]);
    expect(cls.ood?.score).toBe('max-softmax');
    expect(datasetReferenceInput(features, [logits, soft], ran).outputs[0]).toMatchObject({ name: 'soft', kind: 'class' });

    const numeric = datasetReferenceInput(features, [logits], ran);
    expect(numeric.outputs).toEqual([{ name: 'logits', kind: 'numeric', values: Float64Array.from([3, 0.5]) }]);
    // What a device computes: RMS z of the finite features against the reference mean and sd.
    const za = [(0 - 0.5) / Math.SQRT1_2, (1 - 0.5) / Math.SQRT1_2];
    const zb = [(2 - 4) / 2, (4 - 4) / 2];
    expect(Array.from(numeric.ood?.values ?? [])).toEqual([0, 1].map((r) => Math.sqrt(((za[r] ?? 0) ** 2 + (zb[r] ?? 0) ** 2) / 2)));
    expect(datasetReferenceInput(features, [], ran)).toMatchObject({ outputs: [], ood: { score: 'standardized-distance' } });
  });
});
