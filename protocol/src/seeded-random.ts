/**
 * A tiny seeded PRNG, shared so that everything drawn from a seed is the same number for number
 * wherever it runs: the hub's probe inputs (a pure function of a model's bytes), simulated
 * fleets and test vectors. Browser-safe: integer arithmetic only.
 */

/** mulberry32: 32-bit state, uniform in [0, 1); good enough for test vectors, not for secrets. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
