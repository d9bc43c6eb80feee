/**
 * Seeds for the shared PRNG, so a model's probe inputs are a pure function of its bytes: uploading
 * the same file twice yields the same probe, and tests can predict it. The generator itself lives
 * in protocol (not hub-specific); it is re-exported here so hub and fleet-sim imports keep working.
 */
export { mulberry32 } from '@edgefleet/protocol';

/** The first 32 bits of a hex digest as a seed. */
export function seedFromHex(hex: string): number {
  const seed = Number.parseInt(hex.slice(0, 8), 16);
  return Number.isFinite(seed) ? seed >>> 0 : 0;
}
