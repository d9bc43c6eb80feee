/**
 * The generator's sequence is part of what hub probes, simulations and test vectors depend on:
 * these numbers were drawn with the hub's implementation before it moved here, and must not change.
 */
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '@edgefleet/protocol';

const first4 = (seed: number): number[] => Array.from({ length: 4 }, mulberry32(seed));

describe('mulberry32', () => {
  it('draws the same sequence, number for number, as before', () => {
    expect(first4(0)).toEqual([0.26642920868471265, 0.0003297457005828619, 0.2232720274478197, 0.1462021479383111]);
    expect(first4(20261203)).toEqual([0.20602223579771817, 0.9349047744181007, 0.4197239582426846, 0.051410515094175935]);
  });

  it('takes the seed modulo 2^32', () => {
    expect(first4(2 ** 32 + 5)).toEqual(first4(5));
    expect(first4(-1)).toEqual(first4(2 ** 32 - 1));
  });

  it('stays in [0, 1)', () => {
    const random = mulberry32(7);
    for (let i = 0; i < 10_000; i++) {
      const x = random();
      expect(x >= 0 && x < 1).toBe(true);
    }
  });
});
