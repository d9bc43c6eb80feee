import { describe, expect, it } from 'vitest';
import { compareOutputs } from '../../../src/core/onnx/compare';

const TOL = { abs: 1e-5, rel: 1e-3 };

describe('compareOutputs', () => {
  it('passes within abs + rel * |b| and reports the largest difference', () => {
    const result = compareOutputs({ p: Float32Array.of(1.0000001, 100.05), label: BigInt64Array.of(2n) }, { p: Float32Array.of(1, 100), label: BigInt64Array.of(2n) }, TOL);
    expect(result.ok).toBe(true);
    expect(result.maxAbsDiff).toBeCloseTo(0.05, 4);
    expect(result.worst).toMatchObject({ output: 'p', index: 0 }); // least slack: 1e-7 against 1.01e-3
  });

  it('names the element furthest outside tolerance', () => {
    const result = compareOutputs({ p: [0.5, 0.2, 10] }, { p: [0.5, 0.1, 10.001] }, TOL);
    expect(result).toMatchObject({ ok: false, worst: { output: 'p', index: 1, a: 0.2, b: 0.1 } });
  });

  it('treats NaN as equal only to NaN', () => {
    expect(compareOutputs({ s: [Number.NaN] }, { s: [Number.NaN] }, TOL).ok).toBe(true);
    expect(compareOutputs({ s: [Number.NaN] }, { s: [0] }, TOL)).toMatchObject({ ok: false, maxAbsDiff: Number.POSITIVE_INFINITY });
  });

  it('fails on missing outputs and size mismatches, ignoring extra outputs in a', () => {
    expect(compareOutputs({}, { y: [1] }).problem).toMatch(/missing/);
    expect(compareOutputs({ y: [1, 2] }, { y: [1] }).problem).toMatch(/2 values, expected 1/);
    expect(compareOutputs({ y: [1], extra: [5] }, { y: [1] }).ok).toBe(true);
  });
});
