/** Agreement of a shadow with the served model, row by row, on small hand-made outputs. */
import { describe, expect, it } from 'vitest';
import type { ReferenceProfile, ReleaseManifest } from '@edgefleet/protocol';
import { compareShadow, comparisonRule } from '../../src/shadow/shadow-compare';
import { makeRelease } from '../../../test/fixtures/signing';

const bins = { edges: [0, 1], counts: [1], underflow: 0, overflow: 0, missing: 0, mean: 0, sd: 1 };
const feature = { name: 'f', kind: 'numeric' as const, source: { input: 'x', index: 0 }, bins };
const classes = (names: string[], output = 'label'): ReferenceProfile => ({ rows: 10, features: [feature], outputs: [{ name: output, kind: 'class', classes: names, counts: names.map(() => 1) }], ood: null });
const io = (outputs: string[]): ReleaseManifest['io'] => ({ inputs: [{ name: 'x', type: 'float32', shape: ['', 1] }], outputs: outputs.map((name) => ({ name, type: 'float32', shape: ['', 1] })) });
const release = (reference: ReferenceProfile | null, over: Partial<ReleaseManifest> = {}) => makeRelease({ reference, io: io(['y', 'stateN']), ...over });
const f32 = (dims: number[], data: number[]) => ({ dims, data: Float32Array.from(data) });

describe('shadow comparison', () => {
  it('class outputs: the predicted class of every row, scores or indices alike', () => {
    const served = release(classes(['cat', 'dog', 'fox']));
    const rule = comparisonRule(served, release(null));
    expect(rule).toMatchObject({ kind: 'class', served: { name: 'label' }, shadow: { name: 'label' } });
    const scores = { probabilities: f32([3, 3], [0.1, 0.8, 0.1, 0.6, 0.3, 0.1, 0.2, 0.2, 0.6]) }; // dog, cat, fox
    // the shadow answers with class indices (rank 1, length = class count: indices, not scores)
    expect(compareShadow(rule, 3, scores, { label: { dims: [3], data: [1n, 2n, 2n] } })).toEqual({ rows: 3, agree: 2 });
    expect(compareShadow(rule, 3, scores, { probabilities: f32([3, 3], [0.3, 0.4, 0.3, 0.9, 0, 0.1, 0, 0.49, 0.51]) })).toEqual({ rows: 3, agree: 3 });
  });

  it("class outputs are compared by name, each read with its own release's reference", () => {
    const served = release(classes(['cat', 'dog']));
    const shadow = release(classes(['dog', 'cat'], 'kind')); // another model: other order, other output name
    const rule = comparisonRule(served, shadow);
    expect(compareShadow(rule, 2, { label: { dims: [2], data: [0, 1] } }, { kind: { dims: [2], data: [1, 1] } })).toEqual({ rows: 2, agree: 1 });
  });

  it('rows the served answer cannot tell are not comparisons; rows the shadow cannot answer disagree', () => {
    const rule = comparisonRule(release(classes(['a', 'b'])), release(null));
    expect(compareShadow(rule, 3, { label: { dims: [3], data: [0, 7, Number.NaN] } }, { label: { dims: [3], data: [0, 1, 1] } })).toEqual({ rows: 1, agree: 1 });
    expect(compareShadow(rule, 2, { label: { dims: [2], data: [0, 1] } }, {})).toEqual({ rows: 2, agree: 0 });
    expect(compareShadow(rule, 2, {}, { label: { dims: [2], data: [0, 1] } })).toEqual({ rows: 0, agree: 0 });
  });

  it('numeric: the primary output within the looser probe tolerance; other outputs (recurrent state) are not compared', () => {
    const served = release(null, { probe: { inputs: {}, expected: {}, tolerance: { abs: 1e-4, rel: 1e-3 } } });
    const quantized = release(null, { probe: { inputs: {}, expected: {}, tolerance: { abs: 0.02, rel: 0 } } });
    const rule = comparisonRule(served, quantized);
    expect(rule).toEqual({ kind: 'numeric', output: 'y', tolerance: { abs: 0.02, rel: 1e-3 } });
    const want = { y: f32([3, 1], [0.5, 0.9, 0.1]), stateN: f32([3, 1], [1, 1, 1]) };
    expect(compareShadow(rule, 3, want, { y: f32([3, 1], [0.51, 0.93, 0.1]), stateN: f32([3, 1], [9, 9, 9]) })).toEqual({ rows: 3, agree: 2 });
    // the served release's own tolerance alone is much tighter
    expect(compareShadow(comparisonRule(served, served), 3, want, { y: f32([3, 1], [0.51, 0.9, 0.1]) })).toEqual({ rows: 3, agree: 2 });
  });

  it('numeric: a row agrees only when all its values do and the shapes match; NaN answers NaN', () => {
    const rule = comparisonRule(release(null), release(null));
    const want = { y: f32([2, 2], [1, 2, 3, Number.NaN]) };
    expect(compareShadow(rule, 2, want, { y: f32([2, 2], [1, 2.5, 3, Number.NaN]) })).toEqual({ rows: 2, agree: 1 });
    expect(compareShadow(rule, 2, want, { y: f32([4], [1, 2, 3, Number.NaN]) })).toEqual({ rows: 2, agree: 0 });
    expect(compareShadow(rule, 2, want, { y: f32([2, 3], [1, 2, 0, 3, Number.NaN, 0]) })).toEqual({ rows: 2, agree: 0 });
    expect(compareShadow(rule, 1, { y: f32([1, 1], [Number.NaN]) }, { y: f32([1, 1], [0]) })).toEqual({ rows: 1, agree: 0 });
  });

  it("numeric: the served reference's numeric output is the primary one", () => {
    const reference: ReferenceProfile = { rows: 10, features: [feature], outputs: [{ name: 'stateN', kind: 'numeric', bins }], ood: null };
    expect(comparisonRule(release(reference), release(null))).toMatchObject({ kind: 'numeric', output: 'stateN' });
  });
});
