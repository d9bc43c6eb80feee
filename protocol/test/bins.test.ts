import { describe, expect, it } from 'vitest';
import { binOf, countIntoBins } from '@edgefleet/protocol';

describe('binOf', () => {
  const edges = [0, 1, 2, 4];
  it.each<[number, ReturnType<typeof binOf>]>([
    [-0.1, 'underflow'],
    [0, 0],
    [0.99, 0],
    [1, 1],
    [3.5, 2],
    [4, 2],
    [4.01, 'overflow'],
    [Number.NaN, 'missing'],
    [Number.POSITIVE_INFINITY, 'overflow'],
  ])('puts %d in %s', (value, slot) => {
    expect(binOf(edges, value)).toBe(slot);
  });

  it('agrees with a linear scan on many edges', () => {
    const many = Array.from({ length: 101 }, (_, i) => i * i);
    for (let v = -5; v < 10_010; v += 7.3) {
      let expected: ReturnType<typeof binOf> = v < 0 ? 'underflow' : v > 10_000 ? 'overflow' : many.length - 2;
      if (typeof expected === 'number') for (let i = 0; i < many.length - 1; i++) if (v >= many[i]! && v < many[i + 1]!) expected = i;
      expect(binOf(many, v)).toBe(expected);
    }
  });

  it('counts into bins', () => {
    expect(countIntoBins(edges, [-1, 0, 0.5, 3, 4, 9, Number.NaN])).toEqual({ counts: [2, 0, 2], underflow: 1, overflow: 1, missing: 1 });
  });
});
