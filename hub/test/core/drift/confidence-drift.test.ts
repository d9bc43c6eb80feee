import { describe, expect, it } from 'vitest';
import { referenceProfileSchema, type ReferenceProfile } from '@edgefleet/protocol';
import { evaluateDrift, windowOf } from '../../../src/core/drift';
import { buildReferenceProfile } from '../../../src/core/reference-profile';
import { mulberry32 } from '../../../src/core/seeded-random';

const uniform = mulberry32(17);
const CLASSES = ['a', 'b', 'c'];
const WEIGHTS = [0.5, 0.3, 0.2];
const classes = (n: number): number[] =>
  Array.from({ length: n }, () => {
    let u = uniform();
    for (let c = 0; c < WEIGHTS.length; c++) if ((u -= WEIGHTS[c] as number) < 0) return c;
    return WEIGHTS.length - 1;
  });
/** Top probabilities of a 3-class model in [1/3, 1]: `power` below 1 leans to confident answers. */
const tops = (n: number, power: number): number[] => Array.from({ length: n }, () => 1 / 3 + (2 / 3) * uniform() ** power);

const reference: ReferenceProfile = buildReferenceProfile({
  rows: 20_000,
  features: [],
  outputs: [{ name: 'label', kind: 'class', classes: CLASSES, predicted: classes(20_000), confidence: tops(20_000, 0.3) }],
  bins: 10,
});

const windowWith = (n: number, power: number) => windowOf(reference, { device: 'dev-1', numeric: [], predicted: classes(n), confidence: tops(n, power) });

describe('confidence drift of a class output (given a reference of 20,000 predictions and their top probabilities)', () => {
  it('the reference carries equal-mass confidence bins spanning [0, 1]', () => {
    expect(referenceProfileSchema.parse(reference)).toEqual(reference);
    const label = reference.outputs[0];
    if (label?.kind !== 'class' || !label.confidence) throw new Error('class output with confidence expected');
    expect(label.confidence.edges[0]).toBe(0);
    expect(label.confidence.edges[label.confidence.edges.length - 1]).toBe(1);
    expect(label.confidence.counts).toHaveLength(10);
    for (const count of label.confidence.counts) expect(count).toBeGreaterThanOrEqual(1990);
  });

  it('when the same classes come with less confidence, then the confidence verdict is drift and the class verdict ok', () => {
    const report = evaluateDrift(reference, windowWith(5000, 1));
    expect(report.outputs.map((o) => [o.name, o.kind, o.verdict])).toEqual([
      ['label', 'class', 'ok'],
      ['label confidence', 'confidence', 'drift'],
    ]);
    expect(report.drifting).toEqual(['label confidence']);
    expect(report.outputs[1]?.statistics.meanShift).toBeLessThan(-0.5);
  });

  it('when the confidence follows the reference, then it is ok', () => {
    const report = evaluateDrift(reference, windowWith(5000, 0.3));
    expect(report.outputs.map((o) => o.verdict)).toEqual(['ok', 'ok']);
    expect(report.verdict).toBe('ok');
  });

  it('a release made before confidence bins existed, or a window counted on other bins, has no confidence signal', () => {
    const label = reference.outputs[0];
    if (label?.kind !== 'class') throw new Error('class output expected');
    const { confidence: _bins, ...withoutConfidence } = label;
    const older: ReferenceProfile = { ...reference, outputs: [withoutConfidence] };
    expect(evaluateDrift(older, windowWith(5000, 1)).outputs.map((o) => o.kind)).toEqual(['class']);
    const window = windowWith(5000, 1);
    const fallback = { ...window, outputs: window.outputs.map((o) => (o.kind === 'class' ? { ...o, confidence: { ...o.confidence, counts: [5000] } } : o)) };
    expect(evaluateDrift(reference, fallback).outputs.map((o) => o.kind)).toEqual(['class']);
  });
});
