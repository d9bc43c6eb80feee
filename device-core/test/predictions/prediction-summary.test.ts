import { describe, expect, it } from 'vitest';
import { decodePredictionId, type ReferenceProfile, type ReleaseManifest, type TensorJson } from '@edgefleet/protocol';
import { batchRows, predictedValues, predictionIdsOf, predictionReaderOf, readPredicted } from '../../src/predictions/prediction-summary';
import { makeRelease } from '../../../test/fixtures/signing';

const bins = { edges: [0, 1], counts: [1], underflow: 0, overflow: 0, missing: 0, mean: 0.5, sd: 0.1 };
const feature = { name: 'x0', kind: 'numeric' as const, source: { input: 'numeric', index: 0 }, bins };
const classReference = (name: string, classes: string[]): ReferenceProfile => ({ rows: 10, features: [feature], outputs: [{ name, kind: 'class', classes, counts: classes.map(() => 1) }], ood: null });

const release = (reference: ReferenceProfile | null, outputs: ReleaseManifest['io']['outputs'] = [{ name: 'y', type: 'float32', shape: ['N', 1] }]): ReleaseManifest =>
  makeRelease({
    io: {
      inputs: [
        { name: 'state', type: 'float32', shape: [2, 'N', 4] },
        { name: 'numeric', type: 'float32', shape: ['N', 2] },
      ],
      outputs,
    },
    reference,
  });

const f32 = (dims: number[], data: number[]): TensorJson => ({ type: 'float32', dims, data });
const i64 = (dims: number[], data: number[]): TensorJson => ({ type: 'int64', dims, data });

describe('prediction summary', () => {
  it('counts rows on the batch input (the reference feature input), not on any other input', () => {
    const inputs = { state: f32([2, 3, 4], new Array<number>(24).fill(0)), numeric: f32([3, 2], [1, 2, 3, 4, 5, 6]) };
    expect(batchRows(release(classReference('label', ['a', 'b'])), inputs)).toBe(3);
    // Without a reference the model's first input leads: here `state`, whose first dim is 2.
    expect(batchRows(release(null), inputs)).toBe(2);
    expect(batchRows(release(null), { state: f32([4], [0, 0, 0, 0]) })).toBe(1);
  });

  it('a classifier predicts the argmax of its probabilities, by class name', () => {
    const r = release(classReference('label', ['cat', 'dog', 'eel']));
    const outputs = { probabilities: f32([3, 3], [0.1, 0.7, 0.2, 0.5, 0.2, 0.3, 0.1, 0.1, 0.8]), label: i64([3], [1, 0, 2]) };
    expect(predictedValues(r, outputs, 3)).toEqual(['dog', 'cat', 'eel']);
  });

  it('without a probabilities output: per-class scores under the reference name, else a class index', () => {
    const scored = release(classReference('scores', ['no', 'yes']));
    expect(predictedValues(scored, { scores: f32([2, 2], [0.9, 0.1, 0.4, 0.6]) }, 2)).toEqual(['no', 'yes']);
    const indexed = release(classReference('label', ['no', 'yes']));
    expect(predictedValues(indexed, { label: i64([3], [1, 0, 7]) }, 3)).toEqual(['yes', 'no', undefined]);
    // A batch of one owns its whole output, whatever its rank.
    expect(predictedValues(indexed, { label: i64([], [1]) }, 1)).toEqual(['yes']);
  });

  it('a regressor predicts its first numeric reference output, column 0', () => {
    const r = release({ rows: 10, features: [feature], outputs: [{ name: 'y', kind: 'numeric', bins }], ood: null });
    expect(predictedValues(r, { y: f32([2, 1], [0.25, -3]) }, 2)).toEqual([0.25, -3]);
    expect(predictedValues(r, { y: f32([2, 1], [Number.NaN, 1]) }, 2)).toEqual([undefined, 1]);
    expect(predictedValues(r, {}, 2)).toEqual([undefined, undefined]);
  });

  it('a reference without outputs falls back to the first numeric model output; no reference, no prediction', () => {
    const outputs: ReleaseManifest['io']['outputs'] = [
      { name: 'names', type: 'string', shape: ['N'] },
      { name: 'score', type: 'float32', shape: ['N'] },
    ];
    const noOutputs = release({ rows: 10, features: [feature], outputs: [], ood: null }, outputs);
    expect(predictedValues(noOutputs, { names: { type: 'string', dims: [2], data: ['a', 'b'] }, score: f32([2], [0.5, 0.75]) }, 2)).toEqual([0.5, 0.75]);
    expect(predictedValues(release(null), { y: f32([2, 1], [1, 2]) }, 2)).toEqual([undefined, undefined]);
  });

  it('leaves out a class name too long to travel in an id', () => {
    const r = release(classReference('label', ['ok', 'x'.repeat(300)]));
    expect(predictedValues(r, { label: i64([2], [0, 1]) }, 2)).toEqual(['ok', undefined]);
  });

  it('a reader derived once per release reads every request as a one-off read does, rows counted on the batch input', () => {
    const inputs = { state: f32([2, 3, 4], new Array<number>(24).fill(0)), numeric: f32([3, 2], [1, 2, 3, 4, 5, 6]) };
    const cases: Array<[ReleaseManifest, Record<string, TensorJson>]> = [
      [release(classReference('label', ['cat', 'dog', 'x'.repeat(300)])), { probabilities: f32([3, 3], [0.1, 0.7, 0.2, 0.5, 0.2, 0.3, 0.1, 0.1, 0.8]) }],
      [release(classReference('label', ['no', 'yes'])), { label: i64([3], [1, 7, 0]) }],
      [release({ rows: 10, features: [feature], outputs: [{ name: 'y', kind: 'numeric', bins }], ood: null }), { y: f32([3, 1], [0.25, Number.NaN, -3]) }],
      [release(null), { y: f32([2, 1], [1, 2]) }],
    ];
    for (const [r, outputs] of cases) {
      const reader = predictionReaderOf(r);
      // the same reader, request after request
      for (let i = 0; i < 2; i++) expect(readPredicted(reader, inputs, outputs)).toEqual(predictedValues(r, outputs, batchRows(r, inputs)));
    }
    expect(readPredicted(predictionReaderOf(cases[0]![0]), inputs, cases[0]![1])).toEqual(['dog', 'cat', undefined]);
    // No reference: one undefined per row of the batch input (here `state`, whose first dim is 2), no holes.
    const none = readPredicted(predictionReaderOf(release(null)), inputs, {});
    expect(none).toEqual([undefined, undefined]);
    expect(Object.keys(none)).toEqual(['0', '1']);
  });

  it('gives one id per row that decodes to the device, version, time, row and prediction', () => {
    const ids = predictionIdsOf({ device: 'dev-9', release: { model: 'm', version: '3' }, at: 1_700_000_000_000, nonce: 'abc-1', predicted: ['cat', undefined, 2.5] });
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(3);
    expect(ids.map(decodePredictionId)).toEqual([
      { device: 'dev-9', model: 'm', version: '3', at: 1_700_000_000_000, nonce: 'abc-1', row: 0, predicted: 'cat' },
      { device: 'dev-9', model: 'm', version: '3', at: 1_700_000_000_000, nonce: 'abc-1', row: 1 },
      { device: 'dev-9', model: 'm', version: '3', at: 1_700_000_000_000, nonce: 'abc-1', row: 2, predicted: 2.5 },
    ]);
  });
});
