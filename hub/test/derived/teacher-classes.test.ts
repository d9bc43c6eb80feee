/** Lining a teacher's class scores up with the student's classes (services/derived/teacher-classes.ts). */
import { describe, expect, it } from 'vitest';
import { alignTeacherLogits, argmaxLogits, logitsToProbabilities, teacherClassNames } from '../../src/services/derived/teacher-classes';

const f32 = (values: number[]): Float32Array => Float32Array.from(values);

describe('teacher classes', () => {
  it('names the classes from the request, then the metadata, then 0..K-1, and checks the count', () => {
    expect(teacherClassNames(3, null, null)).toEqual(['0', '1', '2']);
    expect(teacherClassNames(1, null, null)).toEqual(['0', '1']);
    expect(teacherClassNames(2, null, ['no', 'yes'])).toEqual(['no', 'yes']);
    expect(teacherClassNames(2, ['a', 'b'], ['no', 'yes'])).toEqual(['a', 'b']);
    expect(() => teacherClassNames(3, ['a', 'b'], null)).toThrow(/3 value\(s\) per row \(3 classes\) but 2 class names/);
    expect(() => teacherClassNames(2, ['a', 'a'], null)).toThrow(/twice/);
  });

  it("reorders the teacher's columns into the student's class order and drops classes the data never shows", () => {
    // two rows over teacher classes c, a, b
    const logits = f32([3, 1, 2, 30, 10, 20]);
    expect([...alignTeacherLogits(logits, 2, 3, ['c', 'a', 'b'], ['a', 'b', 'c']).logits]).toEqual([1, 2, 3, 10, 20, 30]);
    // the data has only a and b... and 'x', which the teacher does not score
    expect(() => alignTeacherLogits(logits, 2, 3, ['c', 'a', 'b'], ['a', 'x'])).toThrow(/dataset class "x" is not one of the teacher's classes/);
  });

  it('gives a two-class student the log-odds of its second class, whichever order the teacher uses', () => {
    const twoColumns = f32([Math.log(0.2), Math.log(0.8)]);
    expect(alignTeacherLogits(twoColumns, 1, 2, ['no', 'yes'], ['no', 'yes']).logits[0]).toBeCloseTo(Math.log(4), 5);
    expect(alignTeacherLogits(twoColumns, 1, 2, ['no', 'yes'], ['yes', 'no']).logits[0]).toBeCloseTo(-Math.log(4), 5);
    const oneLogit = f32([1.5]);
    expect(alignTeacherLogits(oneLogit, 1, 1, ['0', '1'], ['0', '1']).logits[0]).toBe(1.5);
    expect(alignTeacherLogits(oneLogit, 1, 1, ['0', '1'], ['1', '0']).logits[0]).toBe(-1.5);
    expect(() => alignTeacherLogits(oneLogit, 1, 1, ['0', '1'], ['0', '1', '2'])).toThrow(/dataset class "2"/);
  });

  it('turns aligned logits into labels and probabilities (one logit: two classes)', () => {
    expect([...argmaxLogits(f32([1, 3, 2, 5, 0, 0]), 2, 3)]).toEqual([1, 0]);
    expect([...argmaxLogits(f32([-0.5, 2]), 2, 1)]).toEqual([0, 1]);
    const p = logitsToProbabilities(f32([0, Math.log(3)]), 2, 1);
    expect([...p].map((v) => Number(v.toFixed(4)))).toEqual([0.5, 0.5, 0.25, 0.75]);
    const q = logitsToProbabilities(f32([0, 0, Math.log(3), 0]), 2, 2);
    expect([...q].map((v) => Number(v.toFixed(4)))).toEqual([0.5, 0.5, 0.75, 0.25]);
  });
});
