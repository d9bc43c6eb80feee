/**
 * A tiny seeded PRNG so a model's probe inputs are a pure function of its bytes: uploading the
 * same file twice yields the same probe, and tests can predict it.
 */

/** mulberry32: 32-bit state, good enough for test vectors, not for secrets. */
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

/** The first 32 bits of a hex digest as a seed. */
export function seedFromHex(hex: string): number {
  const seed = Number.parseInt(hex.slice(0, 8), 16);
  return Number.isFinite(seed) ? seed >>> 0 : 0;
}
