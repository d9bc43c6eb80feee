/** Where a probe goes (core/probe-blob.ts): inline up to 64 KiB of blob JSON, else a reference. */
import { describe, expect, it } from 'vitest';
import type { Probe } from '@edgefleet/protocol';
import { PROBE_INLINE_MAX_BYTES, manifestProbe, probeBlobHash, probeStaysInline } from '../../src/core/probe-blob';

const probe: Probe = { inputs: { x: { type: 'float32', dims: [1], data: [1] } }, expected: { y: { type: 'float32', dims: [1], data: [2] } }, tolerance: { abs: 1e-4, rel: 1e-3 } };
const sha256 = 'ab'.repeat(32);

describe('probe placement', () => {
  it.each([
    [1, true],
    [PROBE_INLINE_MAX_BYTES, true],
    [PROBE_INLINE_MAX_BYTES + 1, false],
    [2_250_000, false],
  ])('%i bytes of probe JSON inline: %s', (bytes, inline) => {
    expect(probeStaysInline(bytes)).toBe(inline);
  });

  it('an inline probe is the probe itself and names no blob', () => {
    expect(manifestProbe(probe, null)).toBe(probe);
    expect(probeBlobHash(probe)).toBeNull();
  });

  it('a stored probe becomes its address with the tolerance kept inline', () => {
    const ref = manifestProbe(probe, { sha256, size: 70_000 });
    expect(ref).toEqual({ sha256, size: 70_000, tolerance: probe.tolerance });
    expect(probeBlobHash(ref)).toBe(sha256);
  });
});
